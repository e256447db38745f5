import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'eventemitter3';
import { PolycloudError, type PolycloudEvents, type VersionRecord } from '@polycloud/core/spi';
import { compareUtf8, isConditionFailure, type KvCondition, type KvStore } from './kv-store.js';

/** What the engine remembers of one key: the last synchronised state, and a delete until every binding applied it. */
export interface StateRecord {
  /** Encoded vector of the version every binding held at the last sync ('' when none). */
  vv: string;
  /** Version token per binding at that time. */
  tokens: Record<string, string>;
  /** A delete not yet dropped (kept a grace period after every binding applied it). */
  tomb?: { version: VersionRecord; appliedAt?: number };
  /** The key changed and is not yet in line everywhere: retried by the next rounds. */
  pending?: number;
  /**
   * Attempts of unknown outcome on a binding (a lost response, a cut call) and until
   * when they are remembered: an unstamped object that appears there later — a hung
   * server finishing a partial write after its client gave up — is that attempt's
   * leftover, superseded, never adopted as a newer version.
   */
  suspects?: { binding: string; version: VersionRecord; until: number }[];
  /** Journaled changes not yet visible on their binding (written alongside the data): awaited until `until`. */
  expect?: Expectation[];
}

/** A journaled put or delete whose effect is awaited on its binding. */
export interface Expectation {
  binding: string;
  op: 'put' | 'delete';
  version: VersionRecord;
  until: number;
}

/** A chunk of state: an immutable object holding sorted `[key, record]` lines (`null`: removed). */
interface ChunkRef {
  name: string;
  min: string;
  max: string;
  count: number;
}

/** The partition's head document: every other object is reached from it. */
export interface PartitionHead {
  v: 2;
  /** Fencing epoch of the lease holder that wrote it. */
  epoch: number;
  /** Journal source id → writer → the last segment counter of that writer this partition applied. */
  checkpoints: Record<string, Record<string, number>>;
  /** Sorted, non-overlapping chunks. */
  chunks: ChunkRef[];
  /** Newer runs (overlapping the chunks), oldest first. */
  deltas: ChunkRef[];
  /** Keys marked pending (at most PENDING_INLINE listed; `pendingOverflow` when more). */
  pending: string[];
  pendingOverflow?: boolean;
}

type Line = [string, StateRecord | null];

/** Keys per chunk at most (about half a MiB of JSON). */
export const CHUNK_KEYS = 4096;
const MAX_DELTAS = 8;
const PENDING_INLINE = 10_000;

interface Parsed {
  map: Map<string, StateRecord | null>;
  bytes: number;
}

/**
 * A byte-bounded LRU of parsed chunks, shared by the partitions of an engine: the
 * engine's memory does not grow with the bucket.
 */
export class ChunkCache {
  readonly #max: number;
  readonly #items = new Map<string, Parsed>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(name: string): Parsed | undefined {
    const hit = this.#items.get(name);
    if (hit) {
      this.#items.delete(name);
      this.#items.set(name, hit);
    }
    return hit;
  }

  set(name: string, p: Parsed): void {
    const had = this.#items.get(name);
    if (had) {
      this.#items.delete(name);
      this.#bytes -= had.bytes;
    }
    this.#items.set(name, p);
    this.#bytes += p.bytes;
    while (this.#bytes > this.#max && this.#items.size > 1) {
      const [oldest, v] = this.#items.entries().next().value!;
      this.#items.delete(oldest);
      this.#bytes -= v.bytes;
    }
  }

  drop(name: string): void {
    const hit = this.#items.get(name);
    if (!hit) return;
    this.#items.delete(name);
    this.#bytes -= hit.bytes;
  }
}

const emptyHead = (): PartitionHead => ({ v: 2, epoch: 0, checkpoints: {}, chunks: [], deltas: [], pending: [] });

function isRecord(v: unknown): v is StateRecord {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as StateRecord).vv === 'string' &&
    typeof (v as StateRecord).tokens === 'object' &&
    (v as StateRecord).tokens !== null
  );
}

function parseHead(bytes: Buffer): PartitionHead | undefined {
  try {
    const h = JSON.parse(bytes.toString('utf8')) as Partial<PartitionHead>;
    const refOk = (r: unknown) =>
      typeof r === 'object' &&
      r !== null &&
      typeof (r as ChunkRef).name === 'string' &&
      /^[0-9a-z-]{1,80}$/.test((r as ChunkRef).name) &&
      typeof (r as ChunkRef).min === 'string' &&
      typeof (r as ChunkRef).max === 'string';
    if (h.v !== 2 || !Number.isSafeInteger(h.epoch) || typeof h.checkpoints !== 'object' || h.checkpoints === null) return undefined;
    if (!Array.isArray(h.chunks) || !h.chunks.every(refOk) || !Array.isArray(h.deltas) || !h.deltas.every(refOk) || !Array.isArray(h.pending)) return undefined;
    if (!Object.values(h.checkpoints).every((c) => typeof c === 'object' && c !== null && Object.values(c).every((n) => Number.isSafeInteger(n))))
      return undefined;
    return h as PartitionHead;
  } catch {
    return undefined;
  }
}

/**
 * The synchronised state of one partition, LSM-style: sorted, size-bounded chunks
 * plus a few small delta runs, all immutable objects named in a head document that is
 * rewritten (conditionally, fenced by the lease epoch) once per round. A round writes
 * one delta with the keys it touched — O(changes), whatever the bucket's size —
 * and compaction now and then folds the deltas into the chunks they overlap.
 * Lookups read one chunk through a byte-bounded cache.
 */
export class PartitionState {
  readonly partition: number;
  readonly #kv: KvStore;
  readonly #prefix: string;
  readonly #cache: ChunkCache;
  readonly #events: EventEmitter<PolycloudEvents>;
  readonly #bucket: string;
  #head: PartitionHead = emptyHead();
  #token: string | undefined;
  #loaded = false;
  /** Changes of this round, not yet durable. */
  readonly #dirty = new Map<string, StateRecord | null>();
  #counter = 0;

  constructor(kv: KvStore, partition: number, cache: ChunkCache, events: EventEmitter<PolycloudEvents>, bucket: string) {
    this.#kv = kv;
    this.partition = partition;
    this.#prefix = `p/${String(partition).padStart(4, '0')}/`;
    this.#cache = cache;
    this.#events = events;
    this.#bucket = bucket;
  }

  get head(): Readonly<PartitionHead> {
    return this.#head;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  /** Reads the head (a corrupt one is reported with its key and replaced by an empty state: the next reconcile rebuilds it). */
  async load(signal?: AbortSignal): Promise<void> {
    const got = await this.#kv.get(`${this.#prefix}head`, signal);
    this.#token = got?.token;
    this.#dirty.clear();
    if (!got) this.#head = emptyHead();
    else {
      const head = parseHead(got.value);
      if (!head) {
        this.#corrupt(`${this.#prefix}head`, 'not a partition head');
        this.#head = emptyHead();
      } else this.#head = head;
    }
    this.#loaded = true;
  }

  /** Reads the stored head without adopting it (status, truncation). */
  static async peek(kv: KvStore, partition: number, signal?: AbortSignal): Promise<PartitionHead | undefined> {
    const got = await kv.get(`p/${String(partition).padStart(4, '0')}/head`, signal);
    return got ? parseHead(got.value) : undefined;
  }

  #corrupt(key: string, why: string): void {
    this.#events.emit('error', {
      resource: this.#bucket,
      operation: 'sync-state',
      error: new PolycloudError('UNEXPECTED', `sync state object ${key} is corrupt or forged (${why}); skipped — a reconcile rebuilds what it held`, {
        retryable: false,
        context: { resource: this.#bucket, key },
      }),
    });
  }

  /** Chunk loads in flight: keys of one round looking up one chunk share a single read. */
  readonly #loading = new Map<string, Promise<Parsed>>();

  async #chunk(ref: ChunkRef, signal?: AbortSignal): Promise<Parsed> {
    const hit = this.#cache.get(ref.name);
    if (hit) return hit;
    let p = this.#loading.get(ref.name);
    if (!p) {
      p = this.#load(ref, signal).finally(() => this.#loading.delete(ref.name));
      this.#loading.set(ref.name, p);
    }
    return p;
  }

  async #load(ref: ChunkRef, signal?: AbortSignal): Promise<Parsed> {
    const key = `${this.#prefix}c/${ref.name}`;
    const got = await this.#kv.get(key, signal);
    const map = new Map<string, StateRecord | null>();
    let bytes = 0;
    if (!got) this.#corrupt(key, 'missing');
    else {
      bytes = got.value.byteLength * 2;
      let bad = 0;
      for (const line of got.value.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const [k, rec] = JSON.parse(line) as Line;
          if (typeof k === 'string' && (rec === null || isRecord(rec))) map.set(k, rec);
          else bad++;
        } catch {
          bad++;
        }
      }
      if (bad) this.#corrupt(key, `${bad} unreadable line(s)`);
    }
    const parsed = { map, bytes: bytes + 64 };
    this.#cache.set(ref.name, parsed);
    return parsed;
  }

  /** The record of a key, or undefined. */
  async get(key: string, signal?: AbortSignal): Promise<StateRecord | undefined> {
    if (this.#dirty.has(key)) return this.#dirty.get(key) ?? undefined;
    for (let i = this.#head.deltas.length - 1; i >= 0; i--) {
      const ref = this.#head.deltas[i]!;
      if (compareUtf8(key, ref.min) < 0 || compareUtf8(key, ref.max) > 0) continue;
      const c = await this.#chunk(ref, signal);
      if (c.map.has(key)) return c.map.get(key) ?? undefined;
    }
    const ref = this.#chunkFor(key);
    if (!ref || compareUtf8(key, ref.min) < 0 || compareUtf8(key, ref.max) > 0) return undefined;
    return (await this.#chunk(ref, signal)).map.get(key) ?? undefined;
  }

  /** The chunk whose range would hold `key` (binary search), or the nearest. */
  #chunkFor(key: string): ChunkRef | undefined {
    const chunks = this.#head.chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (compareUtf8(chunks[mid]!.min, key) <= 0) lo = mid;
      else hi = mid - 1;
    }
    return chunks[lo];
  }

  /** Sets (or with `null` removes) a key's record for this round. */
  set(key: string, rec: StateRecord | null): void {
    this.#dirty.set(key, rec);
  }

  get dirtyCount(): number {
    return this.#dirty.size;
  }

  /** Keys marked pending, as far as the head lists them. */
  pendingKeys(): string[] {
    return this.#head.pending;
  }

  get pendingOverflow(): boolean {
    return !!this.#head.pendingOverflow;
  }

  /**
   * More keys are pending than the head lists: finds up to `limit` of them in the chunks
   * (a streamed scan) and lists them in the head at the next commit; the overflow mark
   * is cleared only once a scan finds fewer than the head can list.
   */
  async scanPending(limit: number, signal?: AbortSignal): Promise<string[]> {
    const found: string[] = [];
    let total = 0;
    for await (const [k, r] of this.entries(signal)) {
      if (r.pending === undefined) continue;
      total++;
      if (found.length < limit) found.push(k);
    }
    this.#scanned = { keys: found, overflow: total > PENDING_INLINE };
    return found;
  }

  #scanned: { keys: string[]; overflow: boolean } | undefined;

  async #writeChunk(lines: Line[], epoch: number, signal?: AbortSignal): Promise<ChunkRef> {
    const name = `${epoch.toString(36)}-${(++this.#counter).toString(36)}-${randomUUID().slice(0, 8)}`;
    const text = lines.map((l) => JSON.stringify(l)).join('\n');
    await this.#kv.put(`${this.#prefix}c/${name}`, text, {}, signal);
    this.#cache.set(name, { map: new Map(lines), bytes: text.length * 2 + 64 });
    return { name, min: lines[0]![0], max: lines[lines.length - 1]![0], count: lines.length };
  }

  /**
   * Makes this round durable: one delta with the keys touched, then the head with the
   * new checkpoints, written only if nobody else wrote it since we read it; a newer
   * epoch there means this process lost the lease (CONFLICT, fenced).
   */
  async commit(epoch: number, checkpoints: PartitionHead['checkpoints'], signal?: AbortSignal, compact = true): Promise<void> {
    const merged: PartitionHead['checkpoints'] = { ...this.#head.checkpoints };
    for (const [src, writers] of Object.entries(checkpoints)) merged[src] = { ...merged[src], ...writers };
    const head: PartitionHead = { ...this.#head, epoch, checkpoints: merged, deltas: [...this.#head.deltas] };
    const pending = new Set(this.#scanned ? [...head.pending, ...this.#scanned.keys] : head.pending);
    if (this.#scanned && !this.#scanned.overflow) delete head.pendingOverflow;
    this.#scanned = undefined;
    if (this.#dirty.size) {
      const lines = [...this.#dirty].sort((a, b) => compareUtf8(a[0], b[0]));
      for (const [k, rec] of lines) {
        if (rec?.pending) pending.add(k);
        else pending.delete(k);
      }
      for (let i = 0; i < lines.length; i += CHUNK_KEYS) head.deltas.push(await this.#writeChunk(lines.slice(i, i + CHUNK_KEYS), epoch, signal));
    }
    head.pending = [...pending].slice(0, PENDING_INLINE);
    // Keys past the list stay pending in their records; the mark makes the next rounds look for them.
    if (pending.size > PENDING_INLINE) head.pendingOverflow = true;
    await this.#writeHead(head, signal);
    this.#dirty.clear();
    if (compact && (head.deltas.length > MAX_DELTAS || head.deltas.reduce((n, d) => n + d.count, 0) > CHUNK_KEYS)) await this.compact(epoch, signal);
  }

  async #writeHead(head: PartitionHead, signal?: AbortSignal): Promise<void> {
    const condition: KvCondition = this.#token ? { ifMatch: this.#token } : { ifNoneMatch: '*' };
    try {
      this.#token = await this.#kv.put(`${this.#prefix}head`, JSON.stringify(head), condition, signal);
      this.#head = head;
    } catch (e) {
      if (!isConditionFailure(e, condition)) throw e;
      const stored = await PartitionState.peek(this.#kv, this.partition, signal).catch(() => undefined);
      this.#loaded = false;
      throw new PolycloudError(
        'CONFLICT',
        `partition ${this.partition} of ${this.#bucket} was written by another replicator (epoch ${stored?.epoch ?? '?'}, ours ${head.epoch}): fenced off`,
        {
          retryable: true,
          context: { resource: this.#bucket, reason: 'fenced', partition: this.partition },
        },
      );
    }
  }

  /** Folds the deltas into the chunks they overlap (only those are rewritten), then drops the old objects. */
  async compact(epoch: number, signal?: AbortSignal): Promise<void> {
    const head = this.#head;
    if (!head.deltas.length) return;
    // Newest value per key across the deltas.
    const newest = new Map<string, StateRecord | null>();
    for (const d of head.deltas) for (const [k, v] of (await this.#chunk(d, signal)).map) newest.set(k, v);
    const byChunk = new Map<number, Line[]>();
    const chunks = head.chunks;
    for (const entry of [...newest].sort((a, b) => compareUtf8(a[0], b[0]))) {
      let i = 0;
      if (chunks.length) {
        const ref = this.#chunkFor(entry[0])!;
        i = chunks.indexOf(ref);
      }
      const list = byChunk.get(i);
      if (list) list.push(entry);
      else byChunk.set(i, [entry]);
    }
    const next: ChunkRef[] = [];
    const dropped: string[] = [];
    for (let i = 0; i < Math.max(chunks.length, 1); i++) {
      const changes = byChunk.get(i);
      const ref = chunks[i];
      if (!changes) {
        if (ref) next.push(ref);
        continue;
      }
      const merged = new Map<string, StateRecord | null>(ref ? (await this.#chunk(ref, signal)).map : []);
      for (const [k, v] of changes) merged.set(k, v);
      const lines = [...merged].filter((l): l is [string, StateRecord] => l[1] !== null).sort((a, b) => compareUtf8(a[0], b[0]));
      if (ref) dropped.push(ref.name);
      for (let j = 0; j < lines.length; j += CHUNK_KEYS) next.push(await this.#writeChunk(lines.slice(j, j + CHUNK_KEYS), epoch, signal));
    }
    dropped.push(...head.deltas.map((d) => d.name));
    await this.#writeHead({ ...head, epoch, chunks: next, deltas: [] }, signal);
    for (const name of dropped) {
      this.#cache.drop(name);
      await this.#kv.delete(`${this.#prefix}c/${name}`, signal).catch(() => undefined);
    }
  }

  /** Every key with its record, in UTF-8 order, reading one chunk at a time (deltas merged in). */
  async *entries(signal?: AbortSignal): AsyncGenerator<[string, StateRecord]> {
    const overlay = new Map<string, StateRecord | null>();
    for (const d of this.#head.deltas) for (const [k, v] of (await this.#chunk(d, signal)).map) overlay.set(k, v);
    for (const [k, v] of this.#dirty) overlay.set(k, v);
    const extra = [...overlay.keys()].sort(compareUtf8);
    let x = 0;
    for (const ref of this.#head.chunks) {
      // A chunk's map keeps the file's (sorted) order.
      for (const [k, v] of (await this.#chunk(ref, signal)).map) {
        while (x < extra.length && compareUtf8(extra[x]!, k) < 0) {
          const ov = overlay.get(extra[x]!);
          if (ov) yield [extra[x]!, ov];
          x++;
        }
        if (x < extra.length && extra[x] === k) {
          const ov = overlay.get(k);
          if (ov) yield [k, ov];
          x++;
        } else if (v) yield [k, v];
      }
    }
    for (; x < extra.length; x++) {
      const ov = overlay.get(extra[x]!);
      if (ov) yield [extra[x]!, ov];
    }
  }
}
