import pLimit from 'p-limit';
import {
  backoffDelay,
  type BindingStatus,
  isPolycloudError,
  type ObjectVersion,
  type RunReport,
  seededRandom,
  sleep as clockSleep,
  toPolycloudError,
  toRecord,
  versionId,
} from '@polycloud/core/spi';
import type { SyncContext } from './context.js';
import { type Bounded, bounded } from './deadline.js';
import { type JournalEntry, type JournalWriter, listSegments, parseSegmentName, type ReadEntry, readSegment, SEGMENTS } from './journal.js';
import type { KvStore } from './kv-store.js';
import { createLease, type Lease } from './lease.js';
import { Membership, partitionOf } from './membership.js';
import { type ChunkCache, PartitionState, type StateRecord } from './state.js';
import type { TargetStatus } from './status.js';
import { type KeyHints, type KeyOutcome, LANDING, settled, syncKey } from './sync-key.js';

export interface ReplicatorOptions {
  /** Partitions of the keyspace (fixed per bucket). */
  partitions: number;
  /** Journal entries (and pending keys) per partition per round. */
  batchSize: number;
  /** Keys replicated at once. */
  concurrency: number;
  /** Attempts per key within a round before it is left pending (and retried next round). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  leaseTtlMs: number;
  /** Pause between rounds of the background loop when caught up. */
  intervalMs: number;
  owner: string;
  /** Segments younger than this are never deleted. */
  truncateMinAgeMs: number;
  /** Back-off sleep (defaults to the clock's). */
  sleep?: (ms: number) => Promise<void>;
  seed: number;
  /** Called at the start of every round (the engine retries change records no journal took). */
  beforeRound?: () => Promise<void>;
}

interface Held {
  lease: Lease;
  state: PartitionState;
  epoch: number;
}

/** Thrown by a crash hook to simulate a process dying at a step. */
export function isSimulatedCrash(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { simulatedCrash?: boolean }).simulatedCrash === true;
}

const RETRY_REASONS = new Set(['CONDITION_NOT_MET', 'ALREADY_EXISTS', 'UNAVAILABLE', 'TIMEOUT', 'RATE_LIMITED', 'NOT_FOUND', 'UNEXPECTED', 'ABORTED']);
const SEGMENT_CACHE = 512;

/**
 * The replicator of one bucket in this process. The keyspace is split into
 * partitions, each with its own lease (fencing epoch), state and checkpoints; the
 * processes replicating a bucket share them by rendezvous hashing over the live
 * members. Each round, for every partition it holds: read the journal segments past
 * the partition's checkpoints (every binding's journal), bring each changed or still
 * pending key to the same version everywhere (bounded concurrency, retries with
 * back-off, every request bounded by the lease), then write one state delta and the
 * partition head with the new checkpoints — so a crash anywhere repeats work
 * (idempotent, state-based) and never skips it.
 */
export class Replicator {
  readonly #ctx: SyncContext;
  readonly #kv: KvStore;
  readonly #journals: ReadonlyMap<string, KvStore>;
  readonly #writerFor: (binding: string) => JournalWriter;
  readonly #options: ReplicatorOptions;
  readonly #cache: ChunkCache;
  readonly #membership: Membership;
  readonly #held = new Map<number, Held>();
  readonly #leases = new Map<number, Lease>();
  readonly #nextTry = new Map<number, number>();
  readonly #segments = new Map<string, ReadEntry[]>();
  readonly #random: () => number;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  #lastLagEmit = 0;
  #rounds = 0;
  readonly #behind = new Map<string, { backlog: number; lagMs: number }>();
  #badSegments = new Set<string>();
  #paused = 0;
  #current: Promise<unknown> | undefined;

  constructor(
    ctx: SyncContext,
    kv: KvStore,
    journals: ReadonlyMap<string, KvStore>,
    writerFor: (binding: string) => JournalWriter,
    cache: ChunkCache,
    options: ReplicatorOptions,
  ) {
    this.#ctx = ctx;
    this.#kv = kv;
    this.#journals = journals;
    this.#writerFor = writerFor;
    this.#options = options;
    this.#cache = cache;
    this.#membership = new Membership(kv, options.owner, ctx.clock, options.leaseTtlMs);
    this.#random = seededRandom(options.seed);
  }

  /** Segments this process wrote: kept so the local replicator need not read them back. */
  remember(source: string, name: string, entries: JournalEntry[]): void {
    this.#cacheSegment(
      `${source}\u0000${name}`,
      entries.map((e) => ({ ...e, segment: name })),
    );
  }

  #cacheSegment(id: string, entries: ReadEntry[]): void {
    this.#segments.set(id, entries);
    if (this.#segments.size > SEGMENT_CACHE) this.#segments.delete(this.#segments.keys().next().value!);
  }

  #lease(p: number): Lease {
    let l = this.#leases.get(p);
    if (!l)
      this.#leases.set(p, (l = createLease(this.#kv, `p/${String(p).padStart(4, '0')}/lease`, this.#options.owner, this.#ctx.clock, this.#options.leaseTtlMs)));
    return l;
  }

  get partitionCount(): number {
    return this.#options.partitions;
  }

  get leaseTtlMs(): number {
    return this.#options.leaseTtlMs;
  }

  /**
   * Saves what the held partitions changed outside a round (a reconcile), without
   * moving checkpoints and without compaction (a reconcile still streams the chunks).
   */
  async commitHeld(minDirty = 0, compact = false): Promise<void> {
    for (const [p, h] of this.#held) {
      if (!h.state.dirtyCount || h.state.dirtyCount < minDirty) continue;
      try {
        await h.state.commit(h.epoch, {}, undefined, compact);
      } catch (e) {
        if (isSimulatedCrash(e)) throw e;
        this.#held.delete(p);
        this.#ctx.events.emit('error', {
          resource: this.#ctx.bucket.resource_id,
          operation: 'sync-state',
          error: toPolycloudError(e).withContext({ partition: p }),
        });
      }
    }
  }

  /** Holds the background loop (after the round in flight) until `resume()`: a reconcile owns the state meanwhile. */
  async pause(): Promise<void> {
    this.#paused++;
    await this.#current;
  }

  resume(): void {
    this.#paused = Math.max(0, this.#paused - 1);
  }

  /** Partitions held now. */
  get held(): number[] {
    return [...this.#held.keys()].sort((a, b) => a - b);
  }

  get members(): readonly string[] {
    return this.#membership.members;
  }

  /** Partitions assigned to this process that another process holds: who, and until when. */
  async blockedBy(): Promise<{ partition: number; owner: string; expiresAt: number }[]> {
    const out: { partition: number; owner: string; expiresAt: number }[] = [];
    for (const p of this.#membership.assigned(this.#options.partitions)) {
      if (this.#held.has(p)) continue;
      // Held by another process, or by this one's predecessor (same owner id, an epoch it does not hold).
      const h = await this.#lease(p).holder();
      if (h) out.push({ partition: p, owner: h.owner, expiresAt: h.expiresAt });
    }
    return out;
  }

  /** Renews membership and leases: gives up partitions now assigned elsewhere, takes the ones assigned here. */
  async rebalance(force = false): Promise<void> {
    const ctx = this.#ctx;
    // Every store call here is bounded: a hung state store must not hold a round back until its leases lapse.
    const b = bounded(ctx.clock, Math.max(1, this.#options.leaseTtlMs / 3), 'rebalance took too long');
    try {
      await this.#rebalance(force, b.signal);
    } finally {
      b.done();
    }
    // A lease that lapsed meanwhile (slow store calls) is not held: take it again next time.
    const now = ctx.clock.now();
    for (const [p, h] of this.#held) if (h.lease.heldUntil <= now) this.#held.delete(p);
  }

  async #rebalance(force: boolean, signal: AbortSignal): Promise<void> {
    const ctx = this.#ctx;
    try {
      await this.#membership.refresh(signal, force);
    } catch (e) {
      if (isSimulatedCrash(e)) throw e;
      ctx.events.emit('error', { resource: ctx.bucket.resource_id, operation: 'sync-membership', error: toPolycloudError(e) });
    }
    const assigned = new Set(this.#membership.assigned(this.#options.partitions));
    for (const [p, h] of this.#held) {
      if (assigned.has(p)) continue;
      this.#held.delete(p);
      await h.lease.release(signal).catch(() => undefined);
    }
    const now = ctx.clock.now();
    // Leases are taken in parallel: on a slow store, one after the other could outlast them.
    const limit = pLimit(8);
    await settleAll(
      [...assigned].map((p) =>
        limit(async () => {
          const h = this.#held.get(p);
          if (!h && (this.#nextTry.get(p) ?? 0) > now && !force) return;
          if (signal.aborted) return;
          const lease = this.#lease(p);
          let epoch: number | undefined;
          let failed = false;
          try {
            epoch = await lease.acquire(signal);
          } catch (e) {
            if (isSimulatedCrash(e)) throw e;
            failed = true;
            ctx.events.emit('error', { resource: ctx.bucket.resource_id, operation: 'sync-lease', error: toPolycloudError(e).withContext({ partition: p }) });
          }
          if (epoch === undefined) {
            this.#held.delete(p);
            // Held by another process: look again in a while. A store error: next round.
            if (!failed) this.#nextTry.set(p, now + this.#options.leaseTtlMs / 3);
            return;
          }
          if (h && h.epoch === epoch && h.state.loaded) return;
          const state = h?.state ?? new PartitionState(this.#kv, p, this.#cache, ctx.events, ctx.bucket.resource_id);
          try {
            await state.load(signal);
          } catch (e) {
            if (isSimulatedCrash(e)) throw e;
            this.#held.delete(p);
            ctx.events.emit('error', { resource: ctx.bucket.resource_id, operation: 'sync-state', error: toPolycloudError(e).withContext({ partition: p }) });
            return;
          }
          this.#held.set(p, { lease, state, epoch });
        }),
      ),
    );
  }

  /** Partitions assigned to this process that it does not hold (being taken, or their store failed). */
  unheld(): number[] {
    return this.#membership.assigned(this.#options.partitions).filter((p) => !this.#held.has(p));
  }

  /** Syncs one key with retries and back-off; never throws except for a simulated crash. */
  async syncWithRetry(key: string, hints: KeyHints, prior: StateRecord | undefined, signal?: AbortSignal): Promise<KeyOutcome> {
    const ctx = signal ? { ...this.#ctx, signal } : this.#ctx;
    let last: KeyOutcome | undefined;
    for (let attempt = 1; attempt <= this.#options.maxAttempts; attempt++) {
      try {
        last = await syncKey(ctx, key, hints, prior);
        const retry = Object.values(last.bindings).some((b) => !b.ok && b.reason !== undefined && RETRY_REASONS.has(b.reason));
        if (!retry) return last;
      } catch (e) {
        if (isSimulatedCrash(e)) throw e;
        const err = toPolycloudError(e);
        last = {
          key,
          conflict: false,
          derived: [],
          bindings: Object.fromEntries(this.#ctx.bindings.map((b) => [b.id, { ok: false, reason: err.code }])),
          record: prior ? { ...prior, pending: prior.pending ?? this.#ctx.clock.now() } : { vv: '', tokens: {}, pending: this.#ctx.clock.now() },
          pending: true,
          failed: true,
        };
        if (isPolycloudError(e) && !e.retryable && !RETRY_REASONS.has(e.code)) return last;
      }
      if (signal?.aborted) return last!;
      if (attempt < this.#options.maxAttempts) {
        const ms = backoffDelay(
          attempt,
          { maxAttempts: this.#options.maxAttempts, baseDelayMs: this.#options.baseDelayMs, maxDelayMs: this.#options.maxDelayMs },
          this.#random,
        );
        try {
          await (this.#options.sleep ?? ((t: number) => clockSleep(this.#ctx.clock, t, signal)))(ms);
        } catch {
          return last!;
        }
      }
    }
    return last!;
  }

  /** A signal that aborts when the first held lease would lapse: no request of a round outlives its lease. */
  leaseSignal(): Bounded {
    let until = Infinity;
    for (const h of this.#held.values()) until = Math.min(until, h.lease.heldUntil);
    return bounded(this.#ctx.clock, until - this.#ctx.clock.now(), 'the replication lease is about to lapse');
  }

  #lock: Promise<void> = Promise.resolve();

  /** One round over the partitions this process holds; rounds of one process run one at a time (the loop, drain, runOnce). */
  async runOnce(): Promise<RunReport> {
    const previous = this.#lock;
    let release!: () => void;
    this.#lock = new Promise<void>((r) => (release = r));
    await previous;
    try {
      return await this.#runOnce();
    } finally {
      release();
    }
  }

  async #runOnce(): Promise<RunReport> {
    const ctx = this.#ctx;
    const report: RunReport = { leased: false, entries: 0, keys: 0, writes: 0, conflicts: 0, failedKeys: [], more: false, unreadable: [], partitions: [] };
    await this.#options.beforeRound?.().catch((e: unknown) => {
      if (isSimulatedCrash(e)) throw e;
    });
    await this.rebalance();
    if (!this.#held.size) return report;
    report.leased = true;
    report.partitions = this.held;
    this.#rounds++;
    const round = this.leaseSignal();
    const start = ctx.clock.now();
    const epochs = [...this.#held].map(([partition, h]) => ({ partition, epoch: h.epoch }));
    try {
      await this.#round(report, round.signal);
    } finally {
      round.done();
      ctx.events.emit('sync-round', {
        bucket: ctx.bucket.resource_id,
        owner: this.#options.owner,
        partitions: epochs,
        start,
        end: ctx.clock.now(),
        keys: report.keys,
      });
    }
    return report;
  }

  async #round(report: RunReport, signal: AbortSignal): Promise<void> {
    const ctx = this.#ctx;
    const P = this.#options.partitions;
    const now = ctx.clock.now();
    // 1. Every journal's segments, listed once for all partitions.
    const listings = new Map<string, string[]>();
    for (const [src, kv] of this.#journals) {
      try {
        listings.set(src, await listSegments(kv, signal));
      } catch (e) {
        if (isSimulatedCrash(e)) throw e;
        report.unreadable.push(src);
        ctx.events.emit('error', { resource: ctx.bucket.resource_id, operation: 'journal-read', error: toPolycloudError(e).withContext({ binding: src }) });
      }
    }
    // Segments past the lowest checkpoint of the partitions held are read ahead, several at a time.
    const reads = pLimit(8);
    await Promise.all(
      [...listings].flatMap(([src, names]) =>
        [...byWriter(names)].flatMap(([writer, segs]) => {
          const floor = Math.min(...[...this.#held.values()].map((h) => h.state.head.checkpoints[src]?.[writer] ?? 0));
          return segs
            .filter((x) => x.counter > floor)
            .slice(0, this.#options.batchSize)
            .map((x) => reads(() => this.#read(src, x.name, signal).catch(() => undefined)));
        }),
      ),
    );
    // 2. Per partition: the entries past its checkpoints (per writer, in counter order), and its pending keys.
    const work: { p: number; h: Held; byKey: Map<string, ReadEntry[]>; reached: Record<string, Record<string, number>> }[] = [];
    let oldest = Infinity;
    let backlog = 0;
    for (const [p, h] of this.#held) {
      const byKey = new Map<string, ReadEntry[]>();
      const reached: Record<string, Record<string, number>> = {};
      let budget = this.#options.batchSize;
      for (const [src, names] of listings) {
        const cps = h.state.head.checkpoints[src] ?? {};
        for (const [writer, segs] of byWriter(names)) {
          for (const { name, counter } of segs) {
            if (counter <= (cps[writer] ?? 0)) continue;
            if (budget <= 0) {
              report.more = true;
              break;
            }
            let entries: ReadEntry[] | undefined;
            try {
              entries = await this.#read(src, name, signal);
            } catch (e) {
              if (isSimulatedCrash(e)) throw e;
              // Unreadable now: this writer's later segments wait too (its checkpoint stays here).
              if (!report.unreadable.includes(src)) report.unreadable.push(src);
              break;
            }
            if (entries) {
              for (const e of entries) {
                if (partitionOf(e.key, P) !== p) continue;
                budget--;
                report.entries++;
                oldest = Math.min(oldest, e.at);
                const l = byKey.get(e.key);
                if (l) l.push(e);
                else byKey.set(e.key, [e]);
              }
            }
            (reached[src] ??= {})[writer] = counter;
          }
        }
      }
      // Pending keys, a slice per round, rotating: keys that keep failing do not starve the others.
      let pending = h.state.pendingKeys();
      if (h.state.pendingOverflow && pending.length < this.#options.batchSize) {
        pending = await h.state.scanPending(this.#options.batchSize * 2, signal).catch(() => pending);
      }
      const slice = Math.max(1, this.#options.batchSize);
      const from = pending.length > slice ? (this.#rounds * slice) % pending.length : 0;
      for (let i = 0; i < Math.min(slice, pending.length); i++) {
        const k = pending[(from + i) % pending.length]!;
        if (!byKey.has(k)) byKey.set(k, []);
      }
      backlog += byKey.size;
      work.push({ p, h, byKey, reached });
    }
    ctx.crash?.('journal-read');

    // 3. Bring every key in line (bounded concurrency across partitions).
    const limit = pLimit(this.#options.concurrency);
    const behind = new Map<string, number>();
    const lag = new Map<string, number>();
    const derived: { key: string; version: ObjectVersion; binding: string }[] = [];
    const incomplete = new Set<PartitionState>();
    // Every task settles before the round goes on (or fails): no work of a round outlives it.
    await settleAll(
      work.flatMap(({ h, byKey }) =>
        [...byKey].map(([key, list]) =>
          limit(async () => {
            if (signal.aborted) {
              incomplete.add(h.state);
              return;
            }
            let prior: StateRecord | undefined;
            try {
              prior = await h.state.get(key, signal);
            } catch (e) {
              if (isSimulatedCrash(e)) throw e;
              // The state cannot be read now: this partition keeps its checkpoints and takes the key again next round.
              incomplete.add(h.state);
              return;
            }
            const lastPut = [...list].reverse().find((e) => e.op === 'put');
            const hints: KeyHints = {
              expect: list.map((e) => ({ binding: e.binding, op: e.op, version: e.version, until: e.until ?? 0 })),
              ...(lastPut && list[list.length - 1] === lastPut ? { source: lastPut.binding } : {}),
              ...(list.some((e) => e.unknown?.length) ? { unknown: list.flatMap((e) => e.unknown ?? []) } : {}),
            };
            const outcome = await this.syncWithRetry(key, hints, prior, signal);
            h.state.set(key, outcome.record);
            this.#record(outcome, list[list.length - 1]);
            report.keys++;
            report.writes += Object.values(outcome.bindings).filter((b) => b.wrote).length;
            if (outcome.conflict) report.conflicts++;
            if (outcome.failed) {
              report.failedKeys.push(key);
              const since = Math.min(outcome.record?.pending ?? now, ...list.map((e) => e.at));
              for (const b of ctx.bindings) {
                if (settled(outcome.bindings[b.id])) continue;
                behind.set(b.id, (behind.get(b.id) ?? 0) + 1);
                lag.set(b.id, Math.max(lag.get(b.id) ?? 0, now - since));
              }
            }
            derived.push(...outcome.derived);
          }),
        ),
      ),
    );
    ctx.crash?.('applied');
    // Keep-both losers become ordinary journaled writes, so bindings that missed them catch up.
    for (const d of derived) {
      try {
        await this.#writerFor(d.binding).append({ key: d.key, op: 'put', version: toRecord(d.version), binding: d.binding, at: ctx.clock.now() }, signal);
      } catch (e) {
        // The copy is on every binding that took it; a reconcile finds it where it is missing.
        ctx.events.emit('error', { resource: ctx.bucket.resource_id, operation: 'journal-append', key: d.key, error: toPolycloudError(e) });
      }
    }
    ctx.crash?.('derived-journaled');

    // 4. Per partition: one delta, then the head with the new checkpoints (fenced); partitions in parallel,
    // and nothing written for a partition that neither changed nor moved a checkpoint.
    const commits = pLimit(8);
    await settleAll(
      work.map(({ p, h, reached }) =>
        commits(async () => {
          if (signal.aborted) return;
          const moved =
            !incomplete.has(h.state) &&
            Object.entries(reached).some(([src, ws]) => Object.entries(ws).some(([w, c]) => c > (h.state.head.checkpoints[src]?.[w] ?? 0)));
          if (!h.state.dirtyCount && !moved) return;
          try {
            await h.state.commit(h.epoch, incomplete.has(h.state) ? {} : reached, signal);
            if (incomplete.has(h.state)) report.more = true;
            ctx.crash?.(`state-saved:${p}`);
          } catch (e) {
            if (isSimulatedCrash(e)) throw e;
            // Fenced (another process took the partition) or the state store failed: the round's work is repeated by whoever holds it.
            this.#held.delete(p);
            ctx.events.emit('error', { resource: ctx.bucket.resource_id, operation: 'sync-state', error: toPolycloudError(e).withContext({ partition: p }) });
          }
        }),
      ),
    );
    // Per target: keys still missing there; while a backlog remains past this round, every target may be behind.
    for (const b of ctx.bindings) {
      const unread = report.more ? Math.max(0, backlog - report.keys) : 0;
      this.#behind.set(b.id, {
        backlog: (behind.get(b.id) ?? 0) + unread,
        lagMs: Math.max(lag.get(b.id) ?? 0, unread && Number.isFinite(oldest) ? now - oldest : 0),
      });
    }
    this.#emitLag();
    if (this.#rounds % 16 === 0 && this.#held.has(0)) await this.#truncate(listings, signal).catch(() => undefined);
  }

  async #read(src: string, name: string, signal: AbortSignal): Promise<ReadEntry[] | undefined> {
    const id = `${src}\u0000${name}`;
    const hit = this.#segments.get(id);
    if (hit) return hit;
    const got = await readSegment(this.#journals.get(src)!, name, signal);
    if (!got) return undefined;
    if (got.bad && !this.#badSegments.has(id)) {
      this.#badSegments.add(id);
      this.#ctx.events.emit('error', {
        resource: this.#ctx.bucket.resource_id,
        operation: 'journal-read',
        error: toPolycloudError(
          new Error(`journal segment ${SEGMENTS}${name} on ${src} has ${got.bad} line(s) that are not journal entries (corrupt or forged): skipped`),
        ).withContext({ binding: src, key: `${SEGMENTS}${name}` }),
      });
    }
    this.#cacheSegment(id, got.entries);
    return got.entries;
  }

  /** Deletes segments every partition has checkpointed past (and old enough). */
  async #truncate(listings: Map<string, string[]>, signal: AbortSignal): Promise<void> {
    const heads = await Promise.all(Array.from({ length: this.#options.partitions }, (_, p) => PartitionState.peek(this.#kv, p, signal)));
    const cutoff = this.#ctx.clock.now() - this.#options.truncateMinAgeMs;
    for (const [src, names] of listings) {
      for (const name of names) {
        const seg = parseSegmentName(name)!;
        if (seg.time > cutoff) continue;
        if (!heads.every((h) => (h?.checkpoints[src]?.[seg.writer] ?? 0) >= seg.counter)) continue;
        await this.#journals.get(src)!.delete(`${SEGMENTS}${name}`, signal);
        this.#segments.delete(`${src}\u0000${name}`);
      }
    }
  }

  /** Runs rounds until nothing is left to do here (or `maxRounds`); returns the reports. */
  async drain(maxRounds = 10_000): Promise<RunReport[]> {
    const reports: RunReport[] = [];
    for (let i = 0; i < maxRounds; i++) {
      const r = await this.runOnce();
      reports.push(r);
      if (!r.leased || (!r.more && !this.#hasPendingWork(r))) break;
    }
    return reports;
  }

  /** Keys still pending that another round could fix now (a round that changed nothing stops the drain). */
  #hasPendingWork(r: RunReport): boolean {
    return r.failedKeys.length > 0 && r.writes > 0;
  }

  /** Starts the background loop: waits `intervalMs`, runs, repeats (at once while a backlog remains). */
  start(): void {
    if (this.#loop) return;
    this.#stopping = false;
    this.#loop = (async () => {
      let r: RunReport | undefined;
      while (!this.#stopping) {
        if (!(r?.leased && r.more)) {
          await new Promise<void>((resolve) => {
            const t = this.#ctx.clock.setTimeout(() => resolve(), r?.leased === false ? this.#options.leaseTtlMs / 3 : this.#options.intervalMs);
            this.#wake = () => {
              this.#ctx.clock.clearTimeout(t);
              resolve();
            };
          });
          this.#wake = undefined;
        }
        if (this.#stopping) break;
        if (this.#paused) {
          r = undefined;
          continue;
        }
        try {
          this.#current = this.runOnce();
          r = (await this.#current) as RunReport;
        } catch (e) {
          r = undefined;
          this.#ctx.events.emit('error', { resource: this.#ctx.bucket.resource_id, operation: 'replicate', error: toPolycloudError(e) });
        }
      }
    })();
  }

  /** Stops the loop without releasing anything (a crash, as far as other processes can tell). */
  abandon(): void {
    this.#stopping = true;
    this.#wake?.();
  }

  /** Stops the loop, releases the leases and leaves the membership (the others take over at once). */
  async stop(signal?: AbortSignal): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
    await Promise.all([...this.#held.values()].map((h) => h.lease.release(signal).catch(() => undefined)));
    this.#held.clear();
    await this.#membership.leave(signal);
  }

  /**
   * Backlog and lag per target measured from the stores (any process can ask): journal
   * entries past each partition's checkpoints (up to `scan` of them) plus keys left
   * pending, attributed to the bindings that still miss them when this process knows.
   */
  async measure(scan = 100_000, signal: AbortSignal = AbortSignal.timeout(60_000)): Promise<TargetStatus[]> {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const heads = await Promise.all(
      Array.from(
        { length: this.#options.partitions },
        (_, p) => this.#held.get(p)?.state.head ?? PartitionState.peek(this.#kv, p, signal).catch(() => undefined),
      ),
    );
    const backlog = new Map<string, number>(ctx.bindings.map((b) => [b.id, 0]));
    const lag = new Map<string, number>(ctx.bindings.map((b) => [b.id, 0]));
    const add = (binding: string, at: number) => {
      backlog.set(binding, backlog.get(binding)! + 1);
      lag.set(binding, Math.max(lag.get(binding)!, now - at));
    };
    let budget = scan;
    for (const [src, kv] of this.#journals) {
      let names: string[];
      try {
        names = await listSegments(kv, signal);
      } catch {
        continue;
      }
      for (const [writer, segs] of byWriter(names)) {
        const min = Math.min(...heads.map((h) => h?.checkpoints[src]?.[writer] ?? 0));
        for (const { name, counter } of segs) {
          if (counter <= min || budget <= 0) continue;
          const entries = await this.#read(src, name, signal).catch(() => undefined);
          for (const e of entries ?? []) {
            budget--;
            const h = heads[partitionOf(e.key, this.#options.partitions)];
            if (counter <= (h?.checkpoints[src]?.[writer] ?? 0)) continue;
            for (const b of ctx.bindings) if (b.id !== e.binding) add(b.id, e.at);
          }
        }
      }
    }
    for (const h of heads) {
      for (const key of h?.pending ?? []) {
        const st = ctx.status.get(key);
        for (const b of ctx.bindings) if (!st || st.bindings[b.id]?.state === 'FAILED') add(b.id, st?.updatedAt ?? now);
      }
    }
    // Pending keys this process is retrying: their age since the change, as its last round saw it.
    return ctx.bindings.map((b) => ({
      binding: b.id,
      backlog: backlog.get(b.id)!,
      lagMs: Math.max(lag.get(b.id)!, backlog.get(b.id)! ? (this.#behind.get(b.id)?.lagMs ?? 0) : 0),
      failed: ctx.status.failedOn(b.id),
    }));
  }

  /** The state of a held partition (tests, status). */
  partitionState(p: number): PartitionState | undefined {
    return this.#held.get(p)?.state;
  }

  #record(outcome: KeyOutcome, entry: JournalEntry | undefined): void {
    const ctx = this.#ctx;
    const w = outcome.winner;
    const bindings: Record<string, BindingStatus> = {};
    let failed = false;
    let waiting = false;
    for (const b of ctx.bindings) {
      const o = outcome.bindings[b.id];
      const isOrigin = w ? w.origin === b.id : entry?.binding === b.id;
      if (o?.ok) bindings[b.id] = { state: isOrigin ? 'COMPLETED' : 'REPLICA' };
      else if (o?.reason === LANDING) {
        waiting = true;
        bindings[b.id] = { state: 'PENDING', reason: LANDING };
      } else {
        failed = true;
        bindings[b.id] = { state: 'FAILED', ...(o?.reason ? { reason: o.reason } : {}) };
      }
    }
    ctx.status.set({
      key: outcome.key,
      ...(w ? { version: versionId(w), origin: w.origin, ...(w.deleted ? { deleted: true } : {}) } : {}),
      state: failed ? 'FAILED' : waiting ? 'PENDING' : 'COMPLETED',
      bindings,
      updatedAt: ctx.clock.now(),
    });
  }

  #emitLag(): void {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const objective = ctx.bucket.replication.lag_objective_ms;
    if (now - this.#lastLagEmit < 1000) return;
    for (const [binding, { lagMs }] of this.#behind) {
      if (lagMs <= objective) continue;
      this.#lastLagEmit = now;
      ctx.events.emit('lag', { bucket: ctx.bucket.resource_id, binding, lagMs, objectiveMs: objective });
    }
  }
}

/** A journal listing grouped by writer, each in counter order. */
function byWriter(names: readonly string[]): Map<string, { name: string; counter: number }[]> {
  const out = new Map<string, { name: string; counter: number }[]>();
  for (const name of names) {
    const seg = parseSegmentName(name);
    if (!seg) continue;
    const l = out.get(seg.writer);
    if (l) l.push({ name, counter: seg.counter });
    else out.set(seg.writer, [{ name, counter: seg.counter }]);
  }
  for (const l of out.values()) l.sort((a, b) => a.counter - b.counter);
  return out;
}

/** Waits for every promise, then rethrows the first failure (a simulated crash, in tests). */
async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
