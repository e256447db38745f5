import type { Clock } from '@polycloud/core/spi';
import type { KvStore } from './kv-store.js';
import { parseLease } from './lease.js';

const MEMBERS = 'members/';

/**
 * The processes replicating a bucket: each renews `members/<owner>` (an expiry, as a
 * lease document) every few seconds; a member not renewed within the TTL is gone.
 * Partitions are assigned by rendezvous hashing over the live members, so every
 * process computes the same assignment, a joining process takes exactly its share,
 * and a departing one's partitions spread over the others.
 */
export class Membership {
  readonly #kv: KvStore;
  readonly #owner: string;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  #members: string[] = [];
  #refreshedAt = -Infinity;

  constructor(kv: KvStore, owner: string, clock: Clock, ttlMs: number) {
    this.#kv = kv;
    this.#owner = owner;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  get members(): readonly string[] {
    return this.#members;
  }

  /** Renews this process's heartbeat and re-reads the others (at most every TTL/3 unless forced). */
  async refresh(signal?: AbortSignal, force = false): Promise<readonly string[]> {
    const now = this.#clock.now();
    if (!force && now - this.#refreshedAt < this.#ttlMs / 3) return this.#members;
    await this.#kv.put(
      `${MEMBERS}${encodeURIComponent(this.#owner)}`,
      JSON.stringify({ owner: this.#owner, epoch: 0, expiresAt: now + this.#ttlMs }),
      {},
      signal,
    );
    const names = await this.#kv.list(MEMBERS, signal);
    const alive: string[] = [];
    await Promise.all(
      names.map(async (name) => {
        const got = await this.#kv.get(name, signal).catch(() => undefined);
        const doc = got && parseLease(got.value);
        if (doc && doc.expiresAt > now && doc.expiresAt <= now + 2 * this.#ttlMs + 300_000) alive.push(doc.owner);
        else if (doc && doc.expiresAt < now - 10 * this.#ttlMs) await this.#kv.delete(name, signal).catch(() => undefined);
      }),
    );
    if (!alive.includes(this.#owner)) alive.push(this.#owner);
    this.#members = alive.sort();
    this.#refreshedAt = now;
    return this.#members;
  }

  /** Removes this process's heartbeat (a clean stop: the others take its partitions at once). */
  async leave(signal?: AbortSignal): Promise<void> {
    await this.#kv.delete(`${MEMBERS}${encodeURIComponent(this.#owner)}`, signal).catch(() => undefined);
    this.#refreshedAt = -Infinity;
  }

  /** The partitions of `total` this process should hold, given the members last read. */
  assigned(total: number): number[] {
    const members = this.#members.length ? this.#members : [this.#owner];
    const out: number[] = [];
    for (let p = 0; p < total; p++) if (ownerOf(p, members) === this.#owner) out.push(p);
    return out;
  }
}

/** Rendezvous (highest random weight) owner of a partition. */
export function ownerOf(partition: number, members: readonly string[]): string {
  let best = '';
  let bestScore = -1;
  for (const m of members) {
    const s = hash32(`${partition}\u0000${m}`);
    if (s > bestScore || (s === bestScore && m < best)) {
      best = m;
      bestScore = s;
    }
  }
  return best;
}

/** FNV-1a over UTF-16 code units, then a murmur3 finaliser: a well-spread 32-bit hash. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The partition a key belongs to. */
export function partitionOf(key: string, total: number): number {
  return hash32(key) % total;
}
