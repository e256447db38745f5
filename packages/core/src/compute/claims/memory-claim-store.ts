import { PolycloudError } from '../../errors/polycloud-error.js';
import type { ClaimEntry, ClaimRecord, ClaimStore } from './claim-store.js';

export interface MemoryClaimStoreOptions {
  /** Name in messages. Default `memory`. */
  name?: string;
  /**
   * Declare the store shared between hosts. A memory store is only shared between
   * "hosts" that live in one process (simulations, tests); default false.
   */
  shared?: boolean;
}

const aborted = (signal?: AbortSignal) => {
  if (signal?.aborted) throw new PolycloudError('ABORTED', 'claim store call was aborted', { cause: signal.reason, retryable: false });
};

/** An in-memory {@link ClaimStore}: atomic within this process. The default of a polycloud instance. */
export function createMemoryClaimStore(options: MemoryClaimStoreOptions = {}): ClaimStore {
  const claims = new Map<string, { record: ClaimRecord; version: number }>();
  let seq = 0;
  const entry = (e: { record: ClaimRecord; version: number }): ClaimEntry => ({ record: { ...e.record }, version: String(e.version) });
  return {
    name: options.name ?? 'memory',
    shared: options.shared ?? false,
    async get(key, o) {
      aborted(o?.signal);
      const e = claims.get(key);
      return e && entry(e);
    },
    async create(key, record, o) {
      aborted(o?.signal);
      if (claims.has(key)) throw new PolycloudError('ALREADY_EXISTS', 'a claim for this key exists', { context: { operation: 'claim' }, retryable: false });
      const e = { record: { ...record }, version: ++seq };
      claims.set(key, e);
      return entry(e);
    },
    async update(key, record, version, o) {
      aborted(o?.signal);
      const e = claims.get(key);
      if (!e || String(e.version) !== version)
        throw new PolycloudError('CONDITION_NOT_MET', 'the claim changed', { context: { operation: 'claim' }, retryable: false });
      const next = { record: { ...record }, version: ++seq };
      claims.set(key, next);
      return entry(next);
    },
    async delete(key, o) {
      aborted(o?.signal);
      claims.delete(key);
    },
  };
}
