import { type Clock, PolycloudError, type VersionRecord } from '@polycloud/core/spi';
import type { KvStore } from './kv-store.js';

/** One change captured from a put or delete through polycloud (Debezium-like: op, source, time). */
export interface JournalEntry {
  key: string;
  op: 'put' | 'delete';
  /** The version written (a delete's is its tombstone). */
  version: VersionRecord;
  /** Binding the write was sent to. */
  binding: string;
  /** Wall-clock ms when the write started (lag). */
  at: number;
  size?: number;
  /**
   * Earlier attempts of the same write whose outcome is unknown (a lost response, a
   * cut attempt): what they may have left on their binding is superseded by this version.
   */
  unknown?: { binding: string; version: VersionRecord }[];
  /**
   * Until when (clock ms) the write may still take effect: the record is written
   * alongside the data, so until then its effect may not be visible yet; after it, a
   * record whose effect never showed on its binding is void (the call failed).
   */
  until?: number;
}

/** An entry as read back, with the segment it came from. */
export interface ReadEntry extends JournalEntry {
  segment: string;
}

export const SEGMENTS = 'journal/';
/** `<13-digit ms>-<writer>-<6-digit counter>`: unique per writer, ordered by creation time. */
const SEGMENT_NAME = /^(\d{13})-([0-9a-z]{1,32})-(\d{6,})$/;

/** A segment name's parts: creation time (ms), writer, and the writer's counter; undefined for a name that is not a segment. */
export function parseSegmentName(name: string): { time: number; writer: string; counter: number } | undefined {
  const m = SEGMENT_NAME.exec(name);
  return m ? { time: Number(m[1]), writer: m[2]!, counter: Number(m[3]) } : undefined;
}

interface Waiter {
  entry: JournalEntry;
  resolve: () => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  done: boolean;
}

/**
 * Appends change records to one journal (one binding's bucket). A segment is an
 * immutable object named `journal/<ms>-<writer>-<n>`: unique to this writer, so no
 * two processes ever write the same name and the journal needs no conditional create
 * (it works on stores that ignore conditions). A writer writes one segment at a time,
 * so its segments land in counter order: a reader's checkpoint is, per writer, the
 * last counter it applied. (A segment whose write failed on the client may still land
 * later, behind that checkpoint; its waiters were told it failed and recorded their
 * changes elsewhere, so nothing is lost by not reading it.) Group commit: appends
 * arriving while a segment is being written share the next one. `append` resolves once its segment is
 * durable; it rejects at once when its own signal aborts (the segment may still be
 * written for the other waiters, and then holds a record of a write that was not
 * acknowledged — harmless: replicating a key is state-based).
 */
export class JournalWriter {
  readonly #kv: KvStore;
  readonly #writer: string;
  readonly #clock: Clock;
  readonly #maxBatch: number;
  #counter = 0;
  #pending: Waiter[] = [];
  #flushing = false;
  #scheduled = false;
  /** Segment requests made (batching figure). */
  requests = 0;
  /** Called with every segment this writer made durable (lets the local replicator skip re-reading it). */
  onWritten: ((name: string, entries: JournalEntry[]) => void) | undefined;

  constructor(kv: KvStore, writer: string, clock: Clock, maxBatch = 1000) {
    this.#kv = kv;
    this.#writer = writer;
    this.#clock = clock;
    this.#maxBatch = maxBatch;
  }

  get location(): string {
    return this.#kv.location;
  }

  append(entry: JournalEntry, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const w: Waiter = { entry, resolve, reject, signal, done: false };
      signal?.addEventListener(
        'abort',
        () => {
          if (w.done) return;
          w.done = true;
          reject(abortError(signal));
        },
        { once: true },
      );
      this.#pending.push(w);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing) return;
    this.#scheduled = true;
    queueMicrotask(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#pending.length) {
        const batch = this.#pending.splice(0, this.#maxBatch).filter((w) => !w.done);
        if (!batch.length) continue;
        // The segment is written for as long as one of its waiters still waits.
        const controller = new AbortController();
        let waiting = batch.length;
        const onAbort = () => {
          if (--waiting === 0) controller.abort(new Error('every waiter of this journal segment gave up'));
        };
        for (const w of batch) w.signal?.addEventListener('abort', onAbort, { once: true });
        // The counter starts from the clock (µs-scaled ms): a process restarted under the same writer id
        // goes on above its predecessor's counters, never behind a reader's checkpoint.
        const now = Math.max(0, Math.floor(this.#clock.now()));
        this.#counter = Math.max(this.#counter + 1, now * 1000);
        const name = `${String(now).padStart(13, '0')}-${this.#writer}-${String(this.#counter).padStart(16, '0')}`;
        const entries = batch.map((w) => w.entry);
        try {
          this.requests++;
          await this.#kv.put(`${SEGMENTS}${name}`, entries.map((e) => JSON.stringify(e)).join('\n'), {}, controller.signal);
          this.onWritten?.(name, entries);
          for (const w of batch) {
            if (w.done) continue;
            w.done = true;
            w.resolve();
          }
        } catch (e) {
          for (const w of batch) {
            if (w.done) continue;
            w.done = true;
            w.reject(e);
          }
        } finally {
          for (const w of batch) w.signal?.removeEventListener('abort', onAbort);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }
}

function abortError(signal: AbortSignal): PolycloudError {
  return new PolycloudError('ABORTED', 'journal append abandoned: its call was cut short', { retryable: true, cause: signal.reason });
}

/** The segment names of a journal, sorted (by creation time, then writer). Names that are not segments are ignored. */
export async function listSegments(kv: KvStore, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  for (const k of await kv.list(SEGMENTS, signal)) {
    const name = k.slice(SEGMENTS.length);
    if (parseSegmentName(name)) out.push(name);
  }
  return out.sort();
}

const HLC_TEXT = /^[0-9a-z]{1,11}\.[0-9a-z]{1,8}$/;

/** A journal line as the engine wrote it, or undefined (corrupt, forged, truncated). */
export function parseEntry(line: string): JournalEntry | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const e = raw as Record<string, unknown>;
  const v = e['version'] as Record<string, unknown> | undefined;
  const ok =
    typeof e['key'] === 'string' &&
    (e['op'] === 'put' || e['op'] === 'delete') &&
    typeof e['binding'] === 'string' &&
    typeof e['at'] === 'number' &&
    typeof v === 'object' &&
    v !== null &&
    typeof v['hlc'] === 'string' &&
    HLC_TEXT.test(v['hlc']) &&
    typeof v['origin'] === 'string' &&
    typeof v['vv'] === 'string';
  return ok ? (raw as JournalEntry) : undefined;
}

/**
 * Reads one segment. Lines that are not journal entries (a truncated or forged
 * segment) are counted in `bad` and skipped, never thrown as a raw SyntaxError.
 */
export async function readSegment(kv: KvStore, name: string, signal?: AbortSignal): Promise<{ entries: ReadEntry[]; bad: number } | undefined> {
  const got = await kv.get(`${SEGMENTS}${name}`, signal);
  if (!got) return undefined;
  const entries: ReadEntry[] = [];
  let bad = 0;
  for (const line of got.value.toString('utf8').split('\n')) {
    if (!line) continue;
    const e = parseEntry(line);
    if (e) entries.push({ ...e, segment: name });
    else bad++;
  }
  return { entries, bad };
}
