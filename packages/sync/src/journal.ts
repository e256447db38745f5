import type { VersionRecord } from '@polycloud/core';

/** One change captured from a put or delete through polycloud (Debezium-like: op, source position, time). */
export interface JournalEntry {
  /** Position in the journal: increasing, never reused. */
  pos: number;
  key: string;
  op: 'put' | 'delete';
  /** The version written (a delete's is its tombstone). */
  version: VersionRecord;
  /** Binding that accepted the write. */
  binding: string;
  /** Wall-clock ms when journaled (for lag). */
  at: number;
  size?: number;
}

export type NewJournalEntry = Omit<JournalEntry, 'pos'>;

/**
 * The durable change journal. `append` resolves only once the entry is durable
 * (a caller is acknowledged after that). Delivery to the replicator is at least
 * once: consumers are idempotent.
 */
export interface ChangeJournal {
  append(entry: NewJournalEntry): Promise<number>;
  /** Entries with `pos > after`, in order, at most `limit`. */
  read(after: number, limit: number): Promise<JournalEntry[]>;
  /** Position of the last durable entry (0 when empty). */
  last(): Promise<number>;
  /** Drops what lies entirely at or below `pos` (all consumers are past it). */
  truncate(pos: number): Promise<void>;
  /** Requests made to durable storage so far (batching figure). */
  readonly requests: number;
}

/** An in-process journal: durable only as long as the process. */
export function createMemoryJournal(): ChangeJournal {
  let entries: JournalEntry[] = [];
  let next = 1;
  return {
    requests: 0,
    async append(entry) {
      const pos = next++;
      entries.push({ ...entry, pos });
      return pos;
    },
    async read(after, limit) {
      const out: JournalEntry[] = [];
      for (const e of entries) {
        if (e.pos > after) out.push(e);
        if (out.length >= limit) break;
      }
      return out;
    },
    async last() {
      return next - 1;
    },
    async truncate(pos) {
      entries = entries.filter((e) => e.pos > pos);
    },
  };
}
