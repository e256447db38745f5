import { type Clock, systemClock } from '@polycloud/core';
import { PolycloudError } from '@polycloud/core';
import type { ChangeJournal, JournalEntry, NewJournalEntry } from './journal.js';
import { isConditionFailure, type KvStore } from './kv-store.js';

/** Entries per segment at most; a position is `segment · SEGMENT_SPAN + index`. */
export const SEGMENT_SPAN = 1 << 20;

export interface StoreJournalOptions {
  /** Group-commit window, ms: appends arriving within it share one segment. 0 = the same event-loop turn. */
  windowMs?: number;
  /** Most entries per segment. */
  maxBatch?: number;
  clock?: Clock;
  /**
   * How long a writer trusts its cached next segment number before listing again
   * (default 5 s). Must be well below `truncateMinAgeMs`.
   */
  sequenceCacheMs?: number;
  /**
   * Segments younger than this are never truncated (default 60 s), so a writer with a
   * cached segment number can never re-create a truncated segment behind a reader.
   */
  truncateMinAgeMs?: number;
  /**
   * Allow a store that does not honour conditional create. Only safe with a single
   * writing process (two writers could overwrite each other's segment).
   */
  allowUnconditional?: boolean;
}

interface Waiter {
  entry: NewJournalEntry;
  resolve: (pos: number) => void;
  reject: (e: unknown) => void;
}

const SEGMENTS = 'journal/';
const segName = (seq: number) => `${SEGMENTS}${String(seq).padStart(12, '0')}`;
const segSeq = (name: string) => Number(name.slice(SEGMENTS.length));

/**
 * A change journal on object storage: immutable, ordered segments
 * `journal/000000000042` each created with `ifNoneMatch: '*'`, so processes appending
 * at once never overwrite each other (the loser re-lists and takes the next number).
 * A writer only creates segment n+1 after seeing segment n, so there are no gaps.
 * Group commit: appends wait for the current segment write, then go out together;
 * each waiter is acknowledged only after its segment is durable.
 */
export function createStoreJournal(kv: KvStore, options: StoreJournalOptions = {}): ChangeJournal {
  if (!kv.conditional && !options.allowUnconditional) {
    throw new PolycloudError('UNSUPPORTED', `the journal store ${kv.location} does not honour conditional create; use a store that does, or set allowUnconditional with a single writing process`, {
      retryable: false,
      context: { path: ['journal'] },
    });
  }
  const windowMs = options.windowMs ?? 0;
  const maxBatch = Math.min(options.maxBatch ?? 1000, SEGMENT_SPAN - 1);
  let pending: Waiter[] = [];
  let flushing = false;
  let scheduled = false;
  let nextSeq: number | undefined;
  let nextSeqAt = 0;
  const clock = options.clock ?? systemClock;
  const sequenceCacheMs = options.sequenceCacheMs ?? 5_000;
  const truncateMinAgeMs = Math.max(options.truncateMinAgeMs ?? 60_000, 2 * sequenceCacheMs);
  const cache = new Map<number, JournalEntry[]>();
  const self = { requests: 0 } as ChangeJournal & { requests: number };

  const lastSeq = async (): Promise<number> => {
    self.requests++;
    const names = await kv.list(SEGMENTS);
    return names.length ? segSeq(names[names.length - 1]!) : 0;
  };

  const writeSegment = async (batch: Waiter[]): Promise<number> => {
    for (let attempt = 0; attempt < 64; attempt++) {
      const cached = nextSeq !== undefined && clock.now() - nextSeqAt < sequenceCacheMs ? nextSeq : undefined;
      const seq = cached ?? (await lastSeq()) + 1;
      const entries = batch.map((w, i) => ({ ...w.entry, pos: seq * SEGMENT_SPAN + i }));
      try {
        self.requests++;
        await kv.put(segName(seq), entries.map((e) => JSON.stringify(e)).join('\n'), { ifNoneMatch: '*' });
        nextSeq = seq + 1;
        if (cached === undefined) nextSeqAt = clock.now();
        cache.set(seq, entries);
        return seq;
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        nextSeq = undefined; // someone else took it: re-list
      }
    }
    throw new PolycloudError('UNAVAILABLE', 'could not allocate a journal segment (contention)', { retryable: true });
  };

  const flush = async () => {
    scheduled = false;
    if (flushing) return;
    flushing = true;
    try {
      while (pending.length) {
        const batch = pending.slice(0, maxBatch);
        pending = pending.slice(batch.length);
        try {
          const seq = await writeSegment(batch);
          batch.forEach((w, i) => w.resolve(seq * SEGMENT_SPAN + i));
        } catch (e) {
          nextSeq = undefined;
          batch.forEach((w) => w.reject(e));
        }
      }
    } finally {
      flushing = false;
    }
  };

  const schedule = () => {
    if (scheduled || flushing) return;
    scheduled = true;
    if (windowMs > 0 && options.clock) options.clock.setTimeout(() => void flush(), windowMs);
    else setImmediate(() => void flush());
  };

  /** A segment's entries, or undefined if it does not exist. */
  const fetchSegment = async (seq: number): Promise<JournalEntry[] | undefined> => {
    const hit = cache.get(seq);
    if (hit) return hit;
    self.requests++;
    const got = await kv.get(segName(seq));
    if (!got) return undefined;
    const entries = got.value.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as JournalEntry);
    cache.set(seq, entries);
    if (cache.size > 256) cache.delete(cache.keys().next().value!);
    return entries;
  };
  const readSegment = async (seq: number): Promise<JournalEntry[]> => (await fetchSegment(seq)) ?? [];

  self.append = (entry) =>
    new Promise<number>((resolve, reject) => {
      pending.push({ entry, resolve, reject });
      // While a segment is being written, new appends wait for the next one (the flush loop takes them).
      schedule();
    });
  // Segments known to exist (sorted). Since segment n+1 is only created after n exists,
  // a reader that has listed once can find new ones by probing n+1, n+2… (O(1) reads).
  let known: number[] | undefined;
  const discover = async (): Promise<number[]> => {
    if (!known) {
      self.requests++;
      known = (await kv.list(SEGMENTS)).map(segSeq);
    }
    for (let next = (known[known.length - 1] ?? 0) + 1; (await fetchSegment(next)) !== undefined; next++) known.push(next);
    return known;
  };
  self.read = async (after, limit) => {
    const seqs = (await discover()).filter((s) => s >= Math.floor(after / SEGMENT_SPAN));
    const out: JournalEntry[] = [];
    for (const seq of seqs) {
      for (const e of await readSegment(seq)) {
        if (e.pos > after) out.push(e);
        if (out.length >= limit) return out;
      }
    }
    return out;
  };
  self.last = async () => {
    const seq = await lastSeq();
    if (seq === 0) return 0;
    const entries = await readSegment(seq);
    return entries.length ? entries[entries.length - 1]!.pos : seq * SEGMENT_SPAN;
  };
  self.truncate = async (pos) => {
    const names = await kv.list(SEGMENTS);
    // Keep the newest segment always, so numbering never restarts, and young ones (see truncateMinAgeMs).
    const cutoff = clock.now() - truncateMinAgeMs;
    for (const name of names.slice(0, -1)) {
      const seq = segSeq(name);
      if (seq * SEGMENT_SPAN > pos) break;
      const entries = await readSegment(seq);
      if (entries.every((e) => e.pos <= pos && e.at < cutoff)) {
        await kv.delete(name);
        cache.delete(seq);
        if (known) known = known.filter((k) => k !== seq);
      }
    }
  };
  return self;
}
