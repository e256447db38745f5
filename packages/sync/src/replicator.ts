import pLimit from 'p-limit';
import type { RunReport as CoreRunReport } from '@polycloud/core';
import { sleep as clockSleep } from '@polycloud/core';
import { isPolycloudError, toPolycloudError } from '@polycloud/core';
import { backoffDelay, seededRandom } from '@polycloud/core';
import type { BaseRecord, SyncContext, TombstoneRecord } from './context.js';
import type { ChangeJournal, JournalEntry } from './journal.js';
import type { KvStore } from './kv-store.js';
import { createLease, type Lease } from './lease.js';
import { FencedDoc } from './state-doc.js';
import type { BindingStatus, TargetStatus } from './status.js';
import { type KeyHints, type KeyOutcome, syncKey } from './sync-key.js';
import { fromRecord, toRecord, versionId } from '@polycloud/core';

export interface ReplicatorOptions {
  /** Journal entries per run. */
  batchSize: number;
  /** Keys replicated at once (p-limit). */
  concurrency: number;
  /** Attempts per key before it is reported FAILED (and retried next run). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  leaseTtlMs: number;
  /** Pause between runs of the background loop when caught up. */
  intervalMs: number;
  owner: string;
  /** Back-off sleep (defaults to the clock's). */
  sleep?: (ms: number) => Promise<void>;
  seed: number;
}

export interface RunReport extends CoreRunReport {
  epoch?: number;
  /** Position applied up to per `journal/target`. */
  checkpoints: Record<string, number>;
}

const RETRY_REASONS = new Set(['CONDITION_NOT_MET', 'ALREADY_EXISTS', 'UNAVAILABLE', 'TIMEOUT', 'RATE_LIMITED', 'NOT_FOUND', 'UNEXPECTED']);

/** Done for this binding: applied, or refused for good (residency, classification) or quarantined (reported). */
function settled(b: { ok: boolean; reason?: string } | undefined): boolean {
  return !!b && (b.ok || b.reason === 'residency' || b.reason === 'classification' || b.reason === 'clock-skew');
}

/** Thrown by a crash hook to simulate a process dying at a step. */
export function isSimulatedCrash(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { simulatedCrash?: boolean }).simulatedCrash === true;
}

/**
 * The replicator of one bucket. Each run: take or renew the lease (fencing epoch),
 * read the journal from the lowest checkpoint, bring each changed key to the same
 * version everywhere (bounded concurrency, retries with back-off), make derived
 * writes and the delete/synchronised state durable, then advance each target's
 * checkpoint past the entries applied to it — so a crash anywhere repeats work
 * (idempotent) and never skips it.
 */
export class Replicator {
  readonly #ctx: SyncContext;
  readonly #journals: ReadonlyMap<string, ChangeJournal>;
  readonly #journalFor: (binding: string) => ChangeJournal;
  readonly #options: ReplicatorOptions;
  readonly #lease: Lease;
  readonly #checkpoints: Map<string, FencedDoc<{ pos: number }>>;
  readonly #tombDoc: FencedDoc<Record<string, TombstoneRecord>>;
  readonly #baseDoc: FencedDoc<Record<string, BaseRecord>>;
  readonly #random: () => number;
  #loadedEpoch: number | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  #lastLagEmit = 0;
  readonly #truncated = new Map<string, number>();
  #runs = 0;

  /**
   * `journals`: every journal writes may land in (source id → journal), e.g. one per
   * binding; `journalFor` picks where a derived write is journaled.
   */
  constructor(ctx: SyncContext, journals: ReadonlyMap<string, ChangeJournal>, journalFor: (binding: string) => ChangeJournal, kv: KvStore, options: ReplicatorOptions) {
    this.#ctx = ctx;
    this.#journals = journals;
    this.#journalFor = journalFor;
    this.#options = options;
    this.#lease = createLease(kv, options.owner, ctx.clock, options.leaseTtlMs);
    this.#checkpoints = new Map();
    for (const src of journals.keys()) for (const b of ctx.bindings) this.#checkpoints.set(`${src}/${b.id}`, new FencedDoc(kv, `checkpoints/${src}/${b.id}`, () => ({ pos: 0 })));
    this.#tombDoc = new FencedDoc(kv, 'tombstones', () => ({}));
    this.#baseDoc = new FencedDoc(kv, 'base', () => ({}));
    this.#random = seededRandom(options.seed);
  }

  get epoch(): number | undefined {
    return this.#lease.epoch;
  }

  /** Loads durable state (checkpoints, tombstones, synchronised state) into the shared context. */
  async load(): Promise<void> {
    await Promise.all([...this.#checkpoints.values()].map((d) => d.load()));
    const [tombs, base] = await Promise.all([this.#tombDoc.load(), this.#baseDoc.load()]);
    this.#ctx.tombstones.clear();
    for (const [k, v] of Object.entries(tombs)) this.#ctx.tombstones.set(k, v);
    this.#ctx.base.clear();
    for (const [k, v] of Object.entries(base)) this.#ctx.base.set(k, v);
  }

  /** Takes the lease (loading state if the epoch changed); `undefined` if another process holds it. */
  async acquire(): Promise<number | undefined> {
    const epoch = await this.#lease.acquire();
    if (epoch !== undefined && epoch !== this.#loadedEpoch) {
      await this.load();
      this.#loadedEpoch = epoch;
    }
    return epoch;
  }

  /** Who holds the lease, if anyone. */
  leaseHolder(): Promise<{ owner: string; expiresAt: number } | undefined> {
    return this.#lease.holder();
  }

  /** Position of journal `source` applied to `binding`. */
  checkpoint(source: string, binding: string): number {
    return this.#checkpoints.get(`${source}/${binding}`)?.value.pos ?? 0;
  }

  /** Persists tombstones and synchronised state under the current epoch. */
  async persistState(epoch: number): Promise<void> {
    await this.#tombDoc.save(Object.fromEntries(this.#ctx.tombstones), epoch);
    this.#ctx.crash?.('tombstones-saved');
    await this.#baseDoc.save(Object.fromEntries(this.#ctx.base), epoch);
  }

  /** Syncs one key with retries and back-off; never throws except for a simulated crash. */
  async syncWithRetry(key: string, hints: KeyHints): Promise<KeyOutcome> {
    let last: KeyOutcome | undefined;
    for (let attempt = 1; attempt <= this.#options.maxAttempts; attempt++) {
      try {
        last = await syncKey(this.#ctx, key, hints);
        const retry = Object.values(last.bindings).some((b) => !b.ok && b.reason !== undefined && RETRY_REASONS.has(b.reason));
        if (!retry) return last;
      } catch (e) {
        if (isSimulatedCrash(e)) throw e;
        const err = toPolycloudError(e);
        last = { key, conflict: false, derived: [], bindings: Object.fromEntries(this.#ctx.bindings.map((b) => [b.id, { ok: false, reason: err.code }])) };
        if (isPolycloudError(e) && !e.retryable && !RETRY_REASONS.has(e.code)) return last;
      }
      if (attempt < this.#options.maxAttempts) {
        const ms = backoffDelay(attempt, { maxAttempts: this.#options.maxAttempts, baseDelayMs: this.#options.baseDelayMs, maxDelayMs: this.#options.maxDelayMs }, this.#random);
        await (this.#options.sleep ?? ((t: number) => clockSleep(this.#ctx.clock, t)))(ms);
      }
    }
    return last!;
  }

  /** One pass over the journal (at most `batchSize` entries). */
  async runOnce(): Promise<RunReport> {
    const ctx = this.#ctx;
    const report: RunReport = { leased: false, entries: 0, keys: 0, writes: 0, conflicts: 0, failedKeys: [], checkpoints: {}, more: false, unreadable: [], partitions: [] };
    const epoch = await this.acquire();
    if (epoch === undefined) return report;
    report.leased = true;
    report.epoch = epoch;
    report.partitions = [0];
    this.#runs++;
    const bySource = new Map<string, JournalEntry[]>();
    for (const [src, journal] of this.#journals) {
      const from = Math.min(...ctx.bindings.map((b) => this.checkpoint(src, b.id)));
      let got: JournalEntry[];
      try {
        got = await journal.read(from, this.#options.batchSize);
      } catch (e) {
        // A journal on a binding that is down: the others still replicate; it is read next time.
        if (isSimulatedCrash(e)) throw e;
        report.unreadable.push(src);
        ctx.events.emit('error', { resource: ctx.bucket.resource_id, operation: 'journal-read', error: toPolycloudError(e).withContext({ binding: src }) });
        continue;
      }
      bySource.set(src, got);
      report.entries += got.length;
      if (got.length >= this.#options.batchSize) report.more = true;
    }
    ctx.crash?.('journal-read');

    const byKey = new Map<string, (JournalEntry & { src: string })[]>();
    for (const [src, list] of bySource) for (const entry of list) {
      const e = { ...entry, src };
      const list = byKey.get(e.key);
      if (list) list.push(e);
      else byKey.set(e.key, [e]);
    }
    report.keys = byKey.size;
    const limit = pLimit(this.#options.concurrency);
    const outcomes = new Map<string, KeyOutcome>();
    await Promise.all(
      [...byKey].map(([key, list]) =>
        limit(async () => {
          // Only targets still behind some entry of this key need it; others already have it.
          if (ctx.bindings.every((b) => list.every((e) => e.pos <= this.checkpoint(e.src, b.id)))) return;
          // Every delete of the batch (from any journal): resolution keeps only those no other version includes.
          const lastPut = [...list].reverse().find((e) => e.op === 'put');
          const hints: KeyHints = {
            tombstones: list.filter((e) => e.op === 'delete').map((e) => ({ ...fromRecord(e.version), deleted: true })),
            ...(lastPut && list[list.length - 1] === lastPut ? { source: lastPut.binding } : {}),
          };
          const outcome = await this.syncWithRetry(key, hints);
          outcomes.set(key, outcome);
          this.#record(outcome, list[list.length - 1]!);
        }),
      ),
    );
    ctx.crash?.('applied');

    for (const o of outcomes.values()) {
      report.writes += Object.values(o.bindings).filter((b) => b.wrote).length;
      if (o.conflict) report.conflicts++;
      if (Object.values(o.bindings).some((b) => !settled(b))) report.failedKeys.push(o.key);
      // Keep-both losers become ordinary journaled writes, so bindings that missed them catch up.
      for (const d of o.derived) await this.#journalFor(d.binding).append({ key: d.key, op: 'put', version: toRecord(d.version), binding: d.binding, at: ctx.clock.now() });
    }
    ctx.crash?.('derived-journaled');
    await this.persistState(epoch);
    ctx.crash?.('state-saved');

    for (const [src, entries] of bySource) {
      for (const b of ctx.bindings) {
        let cp = this.checkpoint(src, b.id);
        for (const e of entries) {
          if (e.pos <= cp) continue;
          const o = outcomes.get(e.key);
          const bo = o?.bindings[b.id];
          if (o && !settled(bo)) break;
          cp = e.pos;
        }
        if (cp !== this.checkpoint(src, b.id)) {
          await this.#checkpoints.get(`${src}/${b.id}`)!.save({ pos: cp }, epoch);
          ctx.crash?.(`checkpoint:${src}/${b.id}`);
        }
        report.checkpoints[`${src}/${b.id}`] = cp;
      }
    }
    this.#emitLag(bySource);
    // Segments every target is past are no longer needed (deletes they carried are applied everywhere).
    for (const [src, journal] of this.#journals) {
      const min = Math.min(...ctx.bindings.map((b) => this.checkpoint(src, b.id)));
      if (min > (this.#truncated.get(src) ?? 0) && this.#runs % 8 === 0 && bySource.has(src)) {
        try {
          await journal.truncate(min);
          this.#truncated.set(src, min);
        } catch (e) {
          if (isSimulatedCrash(e)) throw e;
        }
      }
    }
    return report;
  }

  /** Runs until the journal is drained (or `maxRuns`); returns the reports. */
  async drain(maxRuns = 1000): Promise<RunReport[]> {
    const reports: RunReport[] = [];
    for (let i = 0; i < maxRuns; i++) {
      const r = await this.runOnce();
      reports.push(r);
      if (!r.leased || !r.more) break;
    }
    return reports;
  }

  /** Starts the background loop: waits `intervalMs` (or until `nudge()`), runs, repeats (at once while a backlog remains). */
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
        try {
          r = await this.runOnce();
        } catch (e) {
          r = undefined;
          this.#ctx.events.emit('error', { resource: this.#ctx.bucket.resource_id, operation: 'replicate', error: toPolycloudError(e) });
        }
      }
    })();
  }

  /** Wakes the loop (new changes were journaled). */
  nudge(): void {
    this.#wake?.();
  }

  /** Stops the loop without releasing the lease (a crash, as far as other processes can tell). */
  abandon(): void {
    this.#stopping = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
    await this.#lease.release().catch(() => undefined);
  }

  /** Backlog and lag per target, read from the journal past each checkpoint (up to `scan` entries). */
  async targets(scan = 100_000): Promise<TargetStatus[]> {
    await Promise.all([...this.#checkpoints.values()].map((d) => d.loadOnce()));
    const now = this.#ctx.clock.now();
    const out = new Map<string, TargetStatus>(this.#ctx.bindings.map((b) => [b.id, { binding: b.id, checkpoints: {}, backlog: 0, lagMs: 0, failed: this.#ctx.status.failedOn(b.id) }]));
    for (const [src, journal] of this.#journals) {
      const from = Math.min(...this.#ctx.bindings.map((b) => this.checkpoint(src, b.id)));
      const entries = await journal.read(from, scan).catch(() => [] as JournalEntry[]);
      for (const b of this.#ctx.bindings) {
        const t = out.get(b.id)!;
        const cp = this.checkpoint(src, b.id);
        t.checkpoints[src] = cp;
        const behind = entries.filter((e) => e.pos > cp);
        t.backlog += behind.length;
        if (behind.length) t.lagMs = Math.max(t.lagMs, now - behind[0]!.at);
      }
    }
    return [...out.values()];
  }

  #record(outcome: KeyOutcome, entry: JournalEntry): void {
    const ctx = this.#ctx;
    const w = outcome.winner;
    const bindings: Record<string, BindingStatus> = {};
    let failed = false;
    for (const b of ctx.bindings) {
      const o = outcome.bindings[b.id];
      const isOrigin = w ? w.origin === b.id : entry.binding === b.id;
      if (o?.ok) bindings[b.id] = { state: isOrigin ? 'COMPLETED' : 'REPLICA' };
      else {
        failed = true;
        bindings[b.id] = { state: 'FAILED', ...(o?.reason ? { reason: o.reason } : {}) };
      }
    }
    ctx.status.set({
      key: outcome.key,
      ...(w ? { version: versionId(w), origin: w.origin, ...(w.deleted ? { deleted: true } : {}) } : {}),
      state: failed ? 'FAILED' : 'COMPLETED',
      bindings,
      updatedAt: ctx.clock.now(),
    });
  }

  #emitLag(bySource: Map<string, JournalEntry[]>): void {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const objective = ctx.bucket.replication.lag_objective_ms;
    for (const b of ctx.bindings) {
      let lagMs = 0;
      for (const [src, entries] of bySource) {
        const cp = this.checkpoint(src, b.id);
        const first = entries.find((e) => e.pos > cp);
        if (first) lagMs = Math.max(lagMs, now - first.at);
      }
      if (lagMs > objective && now - this.#lastLagEmit >= 1000) {
        this.#lastLagEmit = now;
        ctx.events.emit('lag', { bucket: ctx.bucket.resource_id, binding: b.id, lagMs, objectiveMs: objective });
      }
    }
  }
}
