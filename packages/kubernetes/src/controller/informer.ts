import { backoffDelay, type PolycloudError, type RetryOptions, toPolycloudError } from '@polycloud/core/spi';
import { isGone, type ControllerKubeApi, type WatchEvent } from './kube-api.js';
import type { DataJobObject } from './status.js';

export interface DataJobInformerOptions {
  api: ControllerKubeApi;
  /** Namespace to watch; undefined: every namespace. */
  namespace: string | undefined;
  /** An object was added or changed (or is in the list after a relist). */
  onUpsert(job: DataJobObject): void;
  /** An object is gone. */
  onDelete(job: DataJobObject): void;
  onError?(error: PolycloudError): void;
  /** Back-off between failed lists / watches. */
  retry: Required<Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>>;
  random?: () => number;
}

/**
 * A cache of the DataJobs of one namespace kept by list + watch, as client-go's
 * reflector does: list, then watch from the list's resourceVersion; every event (and
 * every BOOKMARK, which carries only a resourceVersion) moves the resume point on; a
 * watch that ends is resumed from the last resourceVersion seen; `410 Gone` (as the
 * watch request's status or as an ERROR event in the stream) means that version is
 * too old, so the cache is rebuilt by a fresh list, objects missing from it reported
 * deleted. Failures back off exponentially with jitter, reset by a working watch.
 */
export class DataJobInformer {
  readonly #o: DataJobInformerOptions;
  readonly #cache = new Map<string, DataJobObject>();
  #resourceVersion = '';
  #stopped = true;
  #stopWatch: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #synced = false;
  #relists = 0;
  #loop: Promise<void> | undefined;
  /** Ends the watch in flight (stop() calls it: the loop then sees `stopped` and returns). */
  #endWatch: (() => void) | undefined;

  constructor(options: DataJobInformerOptions) {
    this.#o = options;
  }

  /** The objects as last seen, by uid. */
  get objects(): ReadonlyMap<string, DataJobObject> {
    return this.#cache;
  }

  /** True once the first list is in the cache. */
  get synced(): boolean {
    return this.#synced;
  }

  /** How many times the cache was (re)built by a list. */
  get lists(): number {
    return this.#relists;
  }

  /** The resourceVersion a resumed watch starts from. */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = this.#relist();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stopWatch?.();
    this.#stopWatch = undefined;
    this.#endWatch?.();
  }

  /** Settles when the loop in flight has finished its current step (for stop()). */
  async idle(): Promise<void> {
    await this.#loop?.catch(() => undefined);
  }

  #retryLater(error: PolycloudError | undefined, relist: boolean): void {
    if (this.#stopped) return;
    this.#failures++;
    if (error) this.#o.onError?.(error);
    const delay = backoffDelay(this.#failures, { maxAttempts: 1_000_000, ...this.#o.retry }, this.#o.random ?? Math.random);
    this.#timer = setTimeout(() => {
      this.#loop = relist ? this.#relist() : this.#watch();
    }, delay);
  }

  async #relist(): Promise<void> {
    if (this.#stopped) return;
    let list;
    try {
      list = await this.#o.api.listDataJobs(this.#o.namespace);
    } catch (e) {
      this.#retryLater(toPolycloudError(e, { operation: 'list datajobs' }), true);
      return;
    }
    if (this.#stopped) return;
    this.#relists++;
    const seen = new Set<string>();
    for (const item of list.items) {
      seen.add(item.metadata.uid);
      this.#cache.set(item.metadata.uid, item);
    }
    for (const [uid, old] of [...this.#cache]) {
      if (!seen.has(uid)) {
        this.#cache.delete(uid);
        this.#o.onDelete(old);
      }
    }
    this.#resourceVersion = list.resourceVersion;
    this.#synced = true;
    for (const item of list.items) this.#o.onUpsert(item);
    await this.#watch();
  }

  async #watch(): Promise<void> {
    if (this.#stopped) return;
    let ended!: (error: PolycloudError | 'gone' | { failed: PolycloudError } | undefined) => void;
    const end = new Promise<PolycloudError | 'gone' | { failed: PolycloudError } | undefined>((resolve) => (ended = resolve));
    this.#endWatch = () => ended(undefined);
    let events = 0;
    let over = false;
    const openedAt = Date.now();
    // Not awaited: a watch request the server never answers must not hold the loop (the API's guard ends it).
    this.#o.api
      .watchDataJobs(
        this.#o.namespace,
        this.#resourceVersion,
        (event) => {
          if (over) return;
          events++;
          const outcome = this.#handle(event);
          if (outcome !== undefined) ended(outcome);
        },
        (error) => ended(error),
      )
      .then(
        (stop) => {
          if (over) stop();
          else this.#stopWatch = stop;
        },
        (e: unknown) => ended(toPolycloudError(e, { operation: 'watch datajobs' })),
      );
    const outcome = await end;
    over = true;
    this.#endWatch = undefined;
    this.#stopWatch?.();
    this.#stopWatch = undefined;
    if (this.#stopped) return;
    if (typeof outcome === 'object' && 'failed' in outcome) {
      // An ERROR event other than 410 (etcd timeout, internal error): relisted after a back-off, as client-go's reflector does.
      this.#retryLater(outcome.failed, true);
      return;
    }
    if (outcome === 'gone' || (outcome !== undefined && isGone(outcome))) {
      // Too old to resume: rebuild from a fresh list (no back-off: the server asked for it).
      this.#failures = 0;
      this.#loop = this.#relist();
      return;
    }
    if (outcome !== undefined) {
      this.#retryLater(outcome, false);
      return;
    }
    // Closed by the server (its timeout, a quiet namespace): resume at once; one that closes
    // at once without a single event (a misbehaving proxy) is resumed after a back-off.
    if (events > 0 || Date.now() - openedAt >= 1000) {
      this.#failures = 0;
      this.#loop = this.#watch();
    } else this.#retryLater(undefined, false);
  }

  #handle(event: WatchEvent): 'gone' | { failed: PolycloudError } | undefined {
    const object = event.object;
    if (event.type === 'ERROR') {
      const code = (object as { code?: unknown }).code;
      if (code === 410) return 'gone';
      return { failed: toPolycloudError(new Error(`watch error event (code ${String(code)})`), { operation: 'watch datajobs' }) };
    }
    const meta = (object as { metadata?: { resourceVersion?: string; uid?: string } }).metadata;
    if (meta?.resourceVersion) this.#resourceVersion = meta.resourceVersion;
    if (event.type === 'BOOKMARK') return undefined;
    const job = object as unknown as DataJobObject;
    if (!meta?.uid) return undefined;
    this.#failures = 0;
    if (event.type === 'DELETED') {
      this.#cache.delete(meta.uid);
      this.#o.onDelete(job);
    } else if (event.type === 'ADDED' || event.type === 'MODIFIED') {
      this.#cache.set(meta.uid, job);
      this.#o.onUpsert(job);
    }
    return undefined;
  }
}
