import { randomUUID } from 'node:crypto';
import {
  type AdapterBody,
  type AppliedWrite,
  type Binding,
  type BucketReplication,
  type BucketSyncStatus as CoreBucketSyncStatus,
  type CloseReport,
  decodeVector,
  type DrainOptions,
  errorFromIssues,
  fromRecord,
  hashBody,
  holdProcess,
  HybridLogicalClock,
  isPolycloudError,
  type LogicalBucket,
  type MergeFunction,
  needsReplication,
  newVersion,
  type ObjectInfo,
  type PendingWrite,
  PolycloudError,
  type StampedWrite,
  type SyncFactory,
  type SyncHost,
  type SyncPlugin,
  toRecord,
  type VersionVector,
  versionFromMetadata,
  versionMetadata,
  type WritePipeline,
  zodIssues,
  sleep,
} from '@polycloud/core';
import { z } from 'zod';
import type { ChangeHint, ChangeSource } from './change-source.js';
import type { BaseRecord, CrashHook, SyncContext, TombstoneRecord } from './context.js';
import { type ChangeJournal } from './journal.js';
import { createAdapterKvStore, type KvStore } from './kv-store.js';
import { type ReconcileOptions, type ReconcileReport, reconcile } from './reconciler.js';
import { Replicator, type RunReport } from './replicator.js';
import { type ObjectReplicationStatus, SyncStatusBook, type TargetStatus } from './status.js';
import { createStoreJournal } from './store-journal.js';

/** Prefix of the engine's own objects (journal, lease, checkpoints, state) in a data bucket. */
export const SYNC_RESERVED_PREFIX = '_polycloud/';

export const SyncEngineOptionsSchema = z.strictObject({
  /** Where journal, lease, checkpoints and state live. Default: the first binding with conditional writes, under `_polycloud/<bucket>/`. */
  store: z.custom<KvStore>((v) => v === undefined || (typeof v === 'object' && v !== null && 'put' in v && 'conditional' in v)).optional(),
  /**
   * Physical bucket per binding id for the engine's own objects (journal, lease,
   * checkpoints, state) instead of the binding's data bucket, e.g. `{ aws: 'my-bucket-sync' }`.
   */
  stateBuckets: z.record(z.string(), z.string().min(1)).default({}),
  /** Binding whose bucket holds lease, checkpoints and state (default: the first with conditional writes). */
  stateBinding: z.string().min(1).optional(),
  /** `per-binding`: a journal in each binding with conditional writes (default); `state`: one journal in the state binding. */
  journalPlacement: z.enum(['per-binding', 'state']).default('per-binding'),
  /** A journal to use instead of the store's. */
  journal: z.custom<ChangeJournal>((v) => v === undefined || (typeof v === 'object' && v !== null && 'append' in v)).optional(),
  merge: z.custom<MergeFunction>((v) => v === undefined || typeof v === 'function', 'expected a function').optional(),
  /** Lease owner id (default: a random UUID per engine). */
  owner: z.string().min(1).max(200).optional(),
  batchSize: z.number().int().min(1).max(100_000).default(1000),
  concurrency: z.number().int().min(1).max(1024).default(16),
  maxAttempts: z.number().int().min(1).max(20).default(5),
  baseDelayMs: z.number().min(0).max(60_000).default(50),
  maxDelayMs: z.number().min(0).max(600_000).default(2000),
  leaseTtlMs: z.number().int().min(10).max(3_600_000).default(30_000),
  /** Tombstones are kept this long after every binding applied them (default 2 × leaseTtlMs). */
  tombstoneGraceMs: z.number().int().min(0).optional(),
  intervalMs: z.number().int().min(1).max(3_600_000).default(1000),
  groupCommitWindowMs: z.number().min(0).max(10_000).default(0),
  /** Journal: how long a writer trusts its cached next segment number (ms). */
  journalSequenceCacheMs: z.number().int().min(0).default(5_000),
  /** Journal: segments younger than this are never truncated (ms). */
  journalTruncateMinAgeMs: z.number().int().min(0).default(60_000),
  /** Start the background replicator on the first journaled write (async mode). */
  autoStart: z.boolean().default(true),
  /** Test hook: called at named steps; throwing `{simulatedCrash: true}` simulates a crash. */
  crash: z.custom<CrashHook>((v) => v === undefined || typeof v === 'function').optional(),
  /** Back-off sleep override (tests with a fake clock). */
  sleep: z.custom<(ms: number) => Promise<void>>((v) => v === undefined || typeof v === 'function').optional(),
  /** Only for a store without conditional create and a single writing process. */
  allowUnconditionalJournal: z.boolean().default(false),
});
export type SyncEngineOptions = z.input<typeof SyncEngineOptionsSchema>;

/** Replication status of one bucket: per target and recent failures, plus the tombstones held. */
export interface BucketSyncStatus extends CoreBucketSyncStatus {
  targets: TargetStatus[];
  tombstones: number;
}

/**
 * The sync engine of one LogicalBucket: the write pipeline that stamps versions and
 * journals every put and delete, the replicator, the reconciler and the status.
 */
export class SyncEngine implements BucketReplication {
  readonly resource: LogicalBucket;
  readonly #host: SyncHost;
  readonly #options: z.output<typeof SyncEngineOptionsSchema>;
  #ctx: SyncContext;
  #store: KvStore | undefined;
  #stateBinding: string | undefined;
  #journals: Map<string, ChangeJournal> | undefined;
  #replicator: Replicator | undefined;
  #running = false;
  #sources: ChangeSource[] = [];
  #hints = new Set<string>();
  #generation = 0;
  readonly #owner: string;

  constructor(bucket: LogicalBucket, host: SyncHost, options: SyncEngineOptions = {}) {
    const parsed = SyncEngineOptionsSchema.safeParse(options);
    if (!parsed.success) throw errorFromIssues('invalid sync engine options', zodIssues(parsed.error, ['sync']));
    this.#options = parsed.data;
    this.#owner = parsed.data.owner ?? randomUUID();
    this.resource = bucket;
    this.#host = host;
    const policy = bucket.replication;
    if (policy.conflict === 'custom' && !this.#options.merge) {
      throw new PolycloudError('CONFIG_INVALID', `bucket ${bucket.resource_id} uses conflict: custom but no merge function was given`, { context: { resource: bucket.resource_id, path: ['replication', 'conflict'] } });
    }
    this.#ctx = {
      bucket,
      bindings: bucket.providers,
      adapterOf: (id) => host.storageAdapter(bucket.resource_id, id),
      zones: host.residency,
      policy: { conflict: policy.conflict, deleteWins: policy.delete_wins, ...(policy.priority ? { priority: policy.priority } : {}) },
      ...(this.#options.merge ? { merge: this.#options.merge } : {}),
      hlc: new HybridLogicalClock(() => host.clock.now(), policy.max_clock_skew_ms),
      clock: host.clock,
      events: host.events,
      tombstones: new Map<string, TombstoneRecord>(),
      base: new Map<string, BaseRecord>(),
      status: new SyncStatusBook(),
      ...(this.#options.crash ? { crash: this.#options.crash } : {}),
      reservedPrefix: SYNC_RESERVED_PREFIX,
      tombstoneGraceMs: this.#options.tombstoneGraceMs ?? 2 * this.#options.leaseTtlMs,
    };
  }

  /** The LogicalBucket's resource id. */
  get bucket(): string {
    return this.resource.resource_id;
  }

  get mode(): 'async' | 'sync' | 'none' {
    return this.resource.replication.mode;
  }

  /** The store holding journal and state (created on first use). */
  get store(): KvStore {
    if (!this.#store) {
      if (this.#options.store) this.#store = this.#options.store;
      else {
        const wanted = this.#options.stateBinding;
        const b = wanted
          ? this.resource.providers.find((p) => p.id === wanted)
          : (this.resource.providers.find((p) => this.#ctx.adapterOf(p.id).capabilities.conditionalWrite) ?? this.resource.providers[0]!);
        if (!b) throw new PolycloudError('CONFIG_INVALID', `stateBinding "${wanted}" is not a binding of ${this.resource.resource_id}`, { context: { resource: this.resource.resource_id, path: ['sync', 'stateBinding'] } });
        this.#stateBinding = b.id;
        this.#store = this.#storeOn(b);
      }
    }
    return this.#store;
  }

  #storeOn(b: Binding): KvStore {
    return createAdapterKvStore(this.#ctx.adapterOf(b.id), this.#options.stateBuckets[b.id] ?? b.physical_id, `${SYNC_RESERVED_PREFIX}${this.resource.resource_id}/`);
  }

  /**
   * The journals (source id → journal). By default one per binding that honours
   * conditional create, in that binding's own bucket, so a write is journaled where
   * it landed (a down binding does not block writes that failed over elsewhere);
   * bindings without conditional writes journal into the state store's.
   */
  get journals(): ReadonlyMap<string, ChangeJournal> {
    if (!this.#journals) {
      const j = new Map<string, ChangeJournal>();
      const opts = {
        windowMs: this.#options.groupCommitWindowMs,
        clock: this.#host.clock,
        allowUnconditional: this.#options.allowUnconditionalJournal,
        sequenceCacheMs: this.#options.journalSequenceCacheMs,
        truncateMinAgeMs: this.#options.journalTruncateMinAgeMs,
      };
      if (this.#options.journal) j.set('main', this.#options.journal);
      else if (this.#options.store) j.set('main', createStoreJournal(this.store, opts));
      else {
        const store = this.store;
        for (const b of this.resource.providers) {
          if (b.id === this.#stateBinding) j.set(b.id, createStoreJournal(store, opts));
          else if (this.#options.journalPlacement === 'per-binding' && this.#ctx.adapterOf(b.id).capabilities.conditionalWrite) j.set(b.id, createStoreJournal(this.#storeOn(b), opts));
        }
        if (!j.has(this.#stateBinding!)) j.set(this.#stateBinding!, createStoreJournal(store, opts));
      }
      this.#journals = j;
    }
    return this.#journals;
  }

  /** The journal a write accepted by `binding` is appended to. */
  journalFor(binding: string): ChangeJournal {
    const j = this.journals;
    return j.get(binding) ?? j.get('main') ?? j.get(this.#stateBinding!)!;
  }

  get replicator(): Replicator {
    this.#replicator ??= new Replicator(this.#ctx, this.journals, (b) => this.journalFor(b), this.store, {
      batchSize: this.#options.batchSize,
      concurrency: this.#options.concurrency,
      maxAttempts: this.#options.maxAttempts,
      baseDelayMs: this.#options.baseDelayMs,
      maxDelayMs: this.#options.maxDelayMs,
      leaseTtlMs: this.#options.leaseTtlMs,
      intervalMs: this.#options.intervalMs,
      owner: this.#owner,
      seed: this.#generation,
      ...(this.#options.sleep ? { sleep: this.#options.sleep } : {}),
    });
    return this.#replicator;
  }

  /**
   * Simulates a process restart of the replicator: forgets everything in memory
   * (checkpoints, tombstones, synchronised state) and reloads it from the store on
   * the next run, with a new fencing epoch.
   */
  restartReplicator(): void {
    const wasRunning = this.#running;
    this.#running = false;
    this.#replicator?.abandon();
    this.#replicator = undefined;
    this.#generation++;
    // A fresh context: work still in flight in the old replicator (a "zombie") cannot touch the new one's state.
    this.#ctx = { ...this.#ctx, tombstones: new Map(), base: new Map() };
    if (wasRunning) this.start();
  }

  /** The write pipeline the LogicalBucket facade calls (undefined in mode `none`). */
  pipeline(): WritePipeline | undefined {
    if (this.mode === 'none') return undefined;
    return { stamp: (w, b, body) => this.#stamp(w, b, body), commit: (w) => this.#commit(w) };
  }

  async #stamp(write: PendingWrite, binding: Binding, body?: AdapterBody): Promise<StampedWrite> {
    const adapter = this.#ctx.adapterOf(binding.id);
    let cur: ObjectInfo | undefined;
    try {
      cur = await adapter.head(binding.physical_id, write.key);
    } catch (e) {
      if (!isPolycloudError(e) || e.code !== 'NOT_FOUND') throw e;
    }
    const curVersion = versionFromMetadata(cur?.metadata);
    const tomb = this.#ctx.tombstones.get(write.key);
    const base = this.#ctx.base.get(write.key);
    let context: VersionVector = curVersion?.vv ?? (tomb ? fromRecord(tomb.version).vv : cur && base ? decodeVector(base.vv) : {});
    if (!cur && tomb && base) context = { ...decodeVector(base.vv), ...context };
    const residency = write.tags['residency'];
    const classification = write.tags['classification'];
    const version = newVersion(this.#ctx.hlc, binding.id, context, {
      ...(residency ? { residency } : {}),
      ...(classification ? { classification } : {}),
      ...(write.op === 'delete' ? { deleted: true } : {}),
    });
    this.#host.events.emit('stamped', { bucket: this.resource.resource_id, key: write.key, op: write.op, binding: binding.id, record: toRecord(version) });
    if (write.op === 'delete') {
      return { metadata: versionMetadata(version), ...(cur && adapter.capabilities.conditionalDelete ? { ifMatch: cur.versionToken } : {}) };
    }
    const hashed = body ? hashBody(body) : undefined;
    if (hashed && !(body && 'pipe' in body)) version.hash = hashed.digest()!;
    const conditions = adapter.capabilities.conditionalWrite ? (cur ? { ifMatch: cur.versionToken } : { ifNoneMatch: '*' as const }) : {};
    return {
      metadata: { ...write.metadata, ...versionMetadata(version) },
      ...(hashed ? { body: hashed.body, digest: hashed.digest } : {}),
      ...conditions,
    };
  }

  async #commit(write: AppliedWrite): Promise<void> {
    const version = versionFromMetadata(write.metadata);
    if (!version) throw new PolycloudError('UNEXPECTED', `write of ${write.key} was not stamped`, { context: { resource: this.resource.resource_id, key: write.key } });
    if (write.op === 'delete') version.deleted = true;
    if (write.contentHash) version.hash ??= write.contentHash;
    const now = this.#host.clock.now();
    await this.journalFor(write.binding.id).append({ key: write.key, op: write.op, version: toRecord(version), binding: write.binding.id, at: now, ...(write.size !== undefined ? { size: write.size } : {}) });
    if (write.op === 'delete') this.#ctx.tombstones.set(write.key, { version: toRecord(version) });
    this.#host.events.emit('journaled', { bucket: this.resource.resource_id, key: write.key, op: write.op, binding: write.binding.id, record: toRecord(version) });
    this.#ctx.status.set({
      key: write.key,
      version: `${toRecord(version).hlc}@${version.origin}`,
      origin: version.origin,
      ...(version.deleted ? { deleted: true } : {}),
      state: 'PENDING',
      bindings: Object.fromEntries(this.resource.providers.map((b) => [b.id, { state: b.id === version.origin ? 'PENDING' : 'PENDING' }])),
      updatedAt: now,
    });
    if (this.mode === 'sync') {
      const outcome = await this.replicator.syncWithRetry(write.key, write.op === 'delete' ? { tombstones: [version] } : { source: write.binding.id });
      const failed = Object.entries(outcome.bindings).filter(([, b]) => !b.ok && b.reason !== 'residency' && b.reason !== 'classification');
      if (failed.length) {
        throw new PolycloudError('UNAVAILABLE', `sync replication of ${write.key} incomplete on ${failed.map(([id]) => id).join(', ')} (journaled; the replicator will retry)`, {
          retryable: true,
          context: { resource: this.resource.resource_id, key: write.key, bindings: failed.map(([id, b]) => ({ id, reason: b.reason })) },
        });
      }
    } else if (this.#options.autoStart && !this.#running) this.start();
  }

  /** One replication pass (see Replicator.runOnce). */
  runOnce(): Promise<RunReport> {
    return this.replicator.runOnce();
  }

  /**
   * Replicates until the journal is drained. Waits for a lease another process holds
   * (or throws CONFLICT with `onLeased: 'throw'`), keeps the process alive while it
   * works, and throws UNAVAILABLE when changes could not be applied everywhere (they
   * stay journaled; a later round retries them).
   */
  async drain(options: DrainOptions = {}): Promise<RunReport[]> {
    const release = holdProcess();
    const clock = this.#host.clock;
    const deadline = options.timeoutMs === undefined ? Infinity : clock.now() + options.timeoutMs;
    try {
      const reports: RunReport[] = [];
      for (;;) {
        if (options.signal?.aborted) throw new PolycloudError('ABORTED', `drain of ${this.bucket} was aborted`, { context: { resource: this.bucket }, cause: options.signal.reason });
        const batch = await this.replicator.drain();
        reports.push(...batch);
        const last = batch[batch.length - 1];
        if (last && last.leased) {
          const failed = [...new Set(batch.flatMap((r) => r.failedKeys))];
          const stillFailing = failed.filter((k) => this.#ctx.status.get(k)?.state === 'FAILED');
          if (stillFailing.length) {
            throw new PolycloudError('UNAVAILABLE', `${stillFailing.length} change(s) of ${this.bucket} could not be replicated everywhere (still journaled; retried by the next round)`, {
              retryable: true,
              context: { resource: this.bucket, keys: stillFailing.slice(0, 20) },
            });
          }
          return reports;
        }
        const holder = await this.replicator.leaseHolder();
        if (options.onLeased === 'throw') {
          throw new PolycloudError('CONFLICT', `another process (${holder?.owner ?? 'unknown'}) holds the replication lease of ${this.bucket} until ${holder ? new Date(holder.expiresAt).toISOString() : 'unknown'}`, {
            retryable: true,
            context: { resource: this.bucket, ...(holder ? { owner: holder.owner, expiresAt: holder.expiresAt } : {}) },
          });
        }
        if (clock.now() >= deadline) throw new PolycloudError('TIMEOUT', `drain of ${this.bucket} did not get the replication lease within ${options.timeoutMs} ms`, { retryable: true, context: { resource: this.bucket } });
        const wait = Math.max(1, Math.min(this.#options.leaseTtlMs / 3, (holder?.expiresAt ?? clock.now()) - clock.now() + 1, deadline - clock.now()));
        await (this.#options.sleep ?? ((ms: number) => sleep(clock, ms, options.signal)))(wait);
      }
    } finally {
      release();
    }
  }

  /** Starts the background replicator. */
  start(): void {
    this.#running = true;
    this.replicator.start();
  }

  /** Stops the background replicator and releases the lease; says whether everything journaled was replicated. */
  async stop(): Promise<CloseReport> {
    this.#running = false;
    let pending = 0;
    let known = true;
    if (this.#replicator) {
      try {
        pending = (await this.#replicator.targets()).reduce((n, t) => n + t.backlog, 0);
      } catch {
        known = false;
      }
    }
    await this.#replicator?.stop();
    await Promise.all(this.#sources.map((s) => s.stop()));
    return { drained: known && pending === 0, pending };
  }

  /** Three-way reconcile of every binding's listing against the last synchronised state. */
  reconcile(options: ReconcileOptions = {}): Promise<ReconcileReport> {
    return reconcile(this.#ctx, this.replicator, (b) => this.journalFor(b), options);
  }

  /** Feeds a native change source's hints into the engine (processed by `processHints`). */
  async addSource(source: ChangeSource): Promise<void> {
    this.#sources.push(source);
    await source.start((hints: ChangeHint[]) => {
      for (const h of hints) this.#hints.add(h.key);
    });
  }

  /** Merges every hinted key now (under the lease); returns how many were processed. */
  async processHints(): Promise<number> {
    const keys = [...this.#hints];
    this.#hints.clear();
    const epoch = await this.replicator.acquire();
    if (epoch === undefined) {
      for (const k of keys) this.#hints.add(k);
      return 0;
    }
    for (const k of keys) await this.replicator.syncWithRetry(k, {});
    await this.replicator.persistState(epoch);
    return keys.length;
  }

  /** Replication status of one object (last known in this process), or undefined. */
  objectStatus(key: string): ObjectReplicationStatus | undefined {
    return this.#ctx.status.get(key);
  }

  /** Per-target checkpoint, backlog and lag, plus recent failures. */
  async status(): Promise<BucketSyncStatus> {
    return {
      bucket: this.resource.resource_id,
      mode: this.mode,
      running: this.#running,
      partitions: { held: this.replicator.epoch === undefined ? [] : [0], total: 1 },
      targets: await this.replicator.targets(),
      failed: this.#ctx.status.failed(),
      tombstones: this.#ctx.tombstones.size,
      journalRequests: [...this.journals.values()].reduce((n, j) => n + j.requests, 0),
    };
  }

  /** Tombstones not yet applied everywhere (key → deleted version id). */
  tombstones(): string[] {
    return [...this.#ctx.tombstones.keys()];
  }
}

/**
 * The sync plugin for `createPolycloud({ sync: createSync() })`: one engine per
 * replicated LogicalBucket of that instance (two or more bindings, mode `async` or
 * `sync`), created on first use. Options may differ per bucket (a function).
 */
export function createSync(options: SyncEngineOptions | ((bucket: LogicalBucket) => SyncEngineOptions) = {}): SyncFactory {
  if (typeof options !== 'function') {
    // Validate once, up front, so a typo surfaces at createPolycloud rather than at the first write.
    const parsed = SyncEngineOptionsSchema.safeParse(options);
    if (!parsed.success) throw errorFromIssues('invalid sync options', zodIssues(parsed.error, ['sync']));
  }
  return (host: SyncHost): SyncPlugin => {
    const engines = new Map<string, SyncEngine>();
    const engineOf = (bucket: LogicalBucket): SyncEngine => {
      let engine = engines.get(bucket.resource_id);
      if (!engine) engines.set(bucket.resource_id, (engine = new SyncEngine(bucket, host, typeof options === 'function' ? options(bucket) : options)));
      return engine;
    };
    return {
      pipeline: (bucket) => (needsReplication(bucket) ? engineOf(bucket).pipeline() : undefined),
      bucket: engineOf,
      async close() {
        await Promise.allSettled([...engines.values()].map((e) => e.stop()));
      },
    };
  };
}

/** The concrete engine behind `polycloud.sync(bucketId)` (for what the core interface does not carry: restarts, change sources, tombstones). */
export function syncEngine(replication: BucketReplication): SyncEngine {
  if (!(replication instanceof SyncEngine)) throw new PolycloudError('UNSUPPORTED', `the replication of ${replication.bucket} is not run by @polycloud/sync`, { context: { resource: replication.bucket } });
  return replication;
}
