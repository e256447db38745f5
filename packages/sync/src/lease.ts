import type { Clock } from '@polycloud/core';
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
  /** Who holds it now and until when (read from the store), or undefined when nobody does. */
  holder(): Promise<{ owner: string; epoch: number; expiresAt: number } | undefined>;
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
      const doc = cur ? parseLease(cur.value) : undefined;
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
    async holder() {
      const cur = await kv.get(KEY);
      if (!cur) return undefined;
      const doc = parseLease(cur.value);
      return doc && doc.expiresAt > clock.now() ? doc : undefined;
    },
    async release() {
      const cur = await kv.get(KEY);
      if (!cur) return;
      const doc = parseLease(cur.value);
      if (!doc || doc.owner !== owner || doc.epoch !== epoch) return;
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

/** A lease document, or undefined when the stored bytes are not one (corrupt or forged: treated as expired, taken over). */
function parseLease(bytes: Buffer): LeaseDoc | undefined {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as Partial<LeaseDoc>;
    if (typeof doc.owner === 'string' && Number.isSafeInteger(doc.epoch) && doc.epoch! >= 0 && typeof doc.expiresAt === 'number' && Number.isFinite(doc.expiresAt)) return doc as LeaseDoc;
  } catch {
    // fall through
  }
  return undefined;
}
