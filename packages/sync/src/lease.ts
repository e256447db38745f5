import type { Clock } from '@polycloud/core/spi';
import { isConditionFailure, type KvCondition, type KvStore } from './kv-store.js';

export interface LeaseDoc {
  owner: string;
  epoch: number;
  expiresAt: number;
}

/** A lease on one partition (or any unit of work): one process holds it at a time. */
export interface Lease {
  /** Takes or renews it; the fencing epoch, or `undefined` if another owner holds it. */
  acquire(signal?: AbortSignal): Promise<number | undefined>;
  /** Who holds it now and until when, or undefined when nobody does. */
  holder(signal?: AbortSignal): Promise<LeaseDoc | undefined>;
  /** Gives it up (if still ours). */
  release(signal?: AbortSignal): Promise<void>;
  readonly epoch: number | undefined;
  /** Until when (clock ms) this process may act under it; 0 when not held. */
  readonly heldUntil: number;
  readonly owner: string;
}

/**
 * A lease with expiry taken with conditional writes: create with `ifNoneMatch: '*'`,
 * take over an expired one or renew ours with `ifMatch` on the token read. Each take-
 * over increments the epoch, which fences the previous owner's state writes. A stored
 * document that is not a lease (corrupt or forged) counts as expired and is taken over.
 * The holder considers it lost a safety margin before it expires for the others.
 */
/** How far past its TTL an expiry may lie before the lease document is treated as forged. */
const FORGED_AFTER_MS = 5 * 60_000;

export function createLease(kv: KvStore, key: string, owner: string, clock: Clock, ttlMs: number): Lease {
  let epoch: number | undefined;
  let heldUntil = 0;
  const margin = Math.max(1, Math.floor(ttlMs / 10));
  const lost = () => {
    epoch = undefined;
    heldUntil = 0;
    return undefined;
  };
  return {
    owner,
    get epoch() {
      return epoch;
    },
    get heldUntil() {
      return epoch === undefined ? 0 : heldUntil;
    },
    async acquire(signal) {
      // Still ours for more than half the TTL: no need to touch the store.
      if (epoch !== undefined && heldUntil - clock.now() > ttlMs / 2) return epoch;
      const cur = await kv.get(key, signal);
      const now = clock.now();
      const stored = cur ? parseLease(cur.value) : undefined;
      // No honest holder writes an expiry further ahead than its TTL (plus clock skew): such a document is forged.
      const doc = stored && stored.expiresAt <= now + ttlMs + FORGED_AFTER_MS ? stored : stored && { ...stored, expiresAt: 0 };
      // Held by anyone but this very holder (same owner and the epoch it holds in memory) until it expires:
      // a restarted process under the same owner id waits out its predecessor's lease like anyone else.
      const renewing = doc !== undefined && doc.owner === owner && epoch === doc.epoch && doc.expiresAt > now;
      if (doc && doc.expiresAt > now && !renewing) return lost();
      const next: LeaseDoc = { owner, epoch: renewing ? doc.epoch : (doc?.epoch ?? 0) + 1, expiresAt: now + ttlMs };
      const condition: KvCondition = cur ? { ifMatch: cur.token } : { ifNoneMatch: '*' };
      try {
        await kv.put(key, JSON.stringify(next), condition, signal);
      } catch (e) {
        if (isConditionFailure(e, condition)) return lost();
        throw e;
      }
      epoch = next.epoch;
      heldUntil = next.expiresAt - margin;
      return epoch;
    },
    async holder(signal) {
      const cur = await kv.get(key, signal);
      if (!cur) return undefined;
      const doc = parseLease(cur.value);
      return doc && doc.expiresAt > clock.now() ? doc : undefined;
    },
    async release(signal) {
      if (epoch === undefined) return;
      const mine = epoch;
      lost();
      const cur = await kv.get(key, signal);
      if (!cur) return;
      const doc = parseLease(cur.value);
      if (!doc || doc.owner !== owner || doc.epoch !== mine) return;
      try {
        await kv.put(key, JSON.stringify({ ...doc, expiresAt: 0 }), { ifMatch: cur.token }, signal);
      } catch (e) {
        if (!isConditionFailure(e, { ifMatch: cur.token })) throw e;
      }
    },
  };
}

/** A lease document, or undefined when the stored bytes are not one (corrupt or forged: treated as expired). */
export function parseLease(bytes: Buffer): LeaseDoc | undefined {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as Partial<LeaseDoc>;
    const sane =
      typeof doc.owner === 'string' &&
      doc.owner.length <= 200 &&
      Number.isSafeInteger(doc.epoch) &&
      doc.epoch! >= 0 &&
      typeof doc.expiresAt === 'number' &&
      Number.isFinite(doc.expiresAt);
    if (sane) return doc as LeaseDoc;
  } catch {
    // not JSON
  }
  return undefined;
}
