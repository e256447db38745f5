import type { Clock } from '../clock.js';
import { isConditionFailure, type KvStore } from './kv-store.js';

interface LeaseDoc {
  owner: string;
  epoch: number;
  expiresAt: number;
}

/** The replication lease of one bucket: one process replicates it at a time. */
export interface Lease {
  /** Takes or renews the lease; returns the fencing epoch, or `undefined` if another owner holds it. */
  acquire(): Promise<number | undefined>;
  /** Gives it up (if still ours). */
  release(): Promise<void>;
  readonly epoch: number | undefined;
  readonly owner: string;
}

/**
 * A lease with expiry taken with conditional writes: create with `ifNoneMatch: '*'`,
 * take over an expired one or renew ours with `ifMatch` on the token read. Each
 * take-over increments the epoch, which fences the previous owner's checkpoint writes.
 */
export function createLease(kv: KvStore, owner: string, clock: Clock, ttlMs: number): Lease {
  const KEY = 'lease';
  let epoch: number | undefined;
  let heldUntil = 0;
  return {
    owner,
    get epoch() {
      return epoch;
    },
    async acquire() {
      // Still ours for more than half the TTL: no need to touch the store.
      if (epoch !== undefined && heldUntil - clock.now() > ttlMs / 2) return epoch;
      const cur = await kv.get(KEY);
      const now = clock.now();
      const doc = cur ? (JSON.parse(cur.value.toString('utf8')) as LeaseDoc) : undefined;
      if (doc && doc.owner !== owner && doc.expiresAt > now) {
        epoch = undefined;
        heldUntil = 0;
        return undefined;
      }
      const next: LeaseDoc = { owner, epoch: doc ? (doc.owner === owner && epoch === doc.epoch ? doc.epoch : doc.epoch + 1) : 1, expiresAt: now + ttlMs };
      try {
        await kv.put(KEY, JSON.stringify(next), cur ? { ifMatch: cur.token } : { ifNoneMatch: '*' });
        epoch = next.epoch;
        heldUntil = next.expiresAt;
        return epoch;
      } catch (e) {
        if (isConditionFailure(e)) {
          epoch = undefined;
          heldUntil = 0;
          return undefined;
        }
        throw e;
      }
    },
    async release() {
      const cur = await kv.get(KEY);
      if (!cur) return;
      const doc = JSON.parse(cur.value.toString('utf8')) as LeaseDoc;
      if (doc.owner !== owner || doc.epoch !== epoch) return;
      try {
        await kv.put(KEY, JSON.stringify({ ...doc, expiresAt: 0 }), { ifMatch: cur.token });
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
      epoch = undefined;
      heldUntil = 0;
    },
  };
}
