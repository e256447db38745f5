import { randomUUID } from 'node:crypto';
import {
  type AdapterBody,
  type AppliedWrite,
  type Binding,
  type BucketReplication,
  type BucketSyncStatus as CoreBucketSyncStatus,
  type CloseReport,
  type CommitCall,
  complianceVerdict,
  type DrainOptions,
  errorFromIssues,
  hashBody,
  holdProcess,
  HybridLogicalClock,
  isPolycloudError,
  joinVectors,
  type LogicalBucket,
  type MergeFunction,
  needsReplication,
  newVersion,
  type ObjectReplicationStatus,
  type ObjectVersion,
  type PendingWrite,
  PolycloudError,
  type ReconcileOptions,
  type ReconcileReport,
  isReservedKey,
  RESERVED_KEY_PREFIX,
  type RunReport,
  sleep,
  type StampAttempt,
  type StampedWrite,
  type SyncFactory,
  type SyncHost,
  type SyncPlugin,
  toPolycloudError,
  toRecord,
  type VersionVector,
  versionFromMetadata,
  versionId,
  versionMetadata,
  type WritePipeline,
  zodIssues,
} from '@polycloud/core/spi';
import { z } from 'zod';
import type { ChangeHint, ChangeSource } from './change-source.js';
import type { CrashHook, SyncContext } from './context.js';
import { type JournalEntry, JournalWriter } from './journal.js';
import { createAdapterKvStore, enforcesConditions, type KvStore } from './kv-store.js';
import { partitionOf } from './membership.js';
import { migrateV1 } from './migrate.js';
import { reconcile } from './reconciler.js';
import { Replicator } from './replicator.js';
import { ByteBudget } from './budget.js';
import { type Bounded, bounded } from './deadline.js';
import { ChunkCache } from './state.js';
import { SyncStatusBook, type TargetStatus } from './status.js';
import { VersionCache } from './version-cache.js';

/** Change-feed hints kept at most between two `processHints` calls. */
const MAX_HINTS = 100_000;

/** Change records kept in memory at most when no journal takes them (a reconcile finds the rest). */
const MAX_UNJOURNALED = 100_000;

/** Journal source id of a custom `store` (journalPlacement `state` with a store of your own). */
const STORE_JOURNAL = '~store';

/** Prefix of the engine's own objects (journal, leases, state) in a data bucket. */
export const SYNC_RESERVED_PREFIX = RESERVED_KEY_PREFIX;

export const SyncEngineOptionsSchema = z.strictObject({
  /** Where leases and partition state live instead of a binding's bucket (tests, or a store of your own). */
  store: z.custom<KvStore>((v) => v === undefined || (typeof v === 'object' && v !== null && 'put' in v && 'list' in v)).optional(),
  /**
   * Physical bucket per binding id for the engine's own objects (journal, leases,
   * state) instead of the binding's data bucket, e.g. `{ aws: 'my-bucket-sync' }`.
   */
  stateBuckets: z.record(z.string(), z.string().min(1)).default({}),
  /** Binding whose bucket holds leases and partition state (default: the first whose store passes the conditional-write self-test). */
  stateBinding: z.string().min(1).optional(),
  /** `per-binding`: a write's change record goes to the journal in its own binding's bucket (default); `state`: to the state binding's. */
  journalPlacement: z.enum(['per-binding', 'state']).default('per-binding'),
  merge: z.custom<MergeFunction>((v) => v === undefined || typeof v === 'function', 'expected a function').optional(),
  /** Process id for leases and membership (default: a random UUID per engine). */
  owner: z.string().min(1).max(200).optional(),
  /** Partitions of the keyspace (fixed when the bucket's sync state is first created). */
  partitions: z.number().int().min(1).max(4096).default(64),
  /** Journal entries per partition per round. */
  batchSize: z.number().int().min(1).max(100_000).default(1000),
  concurrency: z.number().int().min(1).max(1024).default(16),
  maxAttempts: z.number().int().min(1).max(20).default(5),
  baseDelayMs: z.number().min(0).max(60_000).default(50),
  maxDelayMs: z.number().min(0).max(600_000).default(2000),
  leaseTtlMs: z.number().int().min(10).max(3_600_000).default(30_000),
  /** Tombstones are kept this long after every binding applied them (default 2 × leaseTtlMs). */
  tombstoneGraceMs: z.number().int().min(0).optional(),
  intervalMs: z.number().int().min(1).max(3_600_000).default(1000),
  /** A journal segment write is abandoned after this long (then the record goes to another binding's journal). */
  journalTimeoutMs: z.number().int().min(10).max(600_000).default(10_000),
  /** Segments younger than this are never deleted (ms), so a slow reader still finds them. */
  journalTruncateMinAgeMs: z.number().int().min(0).default(60_000),
  /** Keys whose last version this process remembers (the write path's context: no pre-read). */
  versionCacheSize: z.number().int().min(0).max(10_000_000).default(100_000),
  /** Bytes of objects being copied at once (a larger object goes alone): bounds replication memory by bytes. */
  maxBytesInFlight: z
    .number()
    .int()
    .min(1 << 20)
    .default(128 << 20),
  /** Bytes of partition state kept in memory (parsed chunks). */
  stateCacheBytes: z
    .number()
    .int()
    .min(1 << 20)
    .default(32 << 20),
  /** Start the background replicator on the first journaled write (async mode). */
  autoStart: z.boolean().default(true),
  /**
   * Accept a state store that does not enforce conditional writes (the self-test
   * failed): only safe when a single process ever replicates this bucket.
   */
  singleProcess: z.boolean().default(false),
  /**
   * Id of this engine's journal writer in segment names (default: random). Must be unique
   * among the processes writing to the bucket; tests set it for reproducible runs.
   */
  writerId: z
    .string()
    .regex(/^[0-9a-z]{1,32}$/)
    .optional(),
  /** Test hook: called at named steps; throwing `{simulatedCrash: true}` simulates a crash. */
  crash: z.custom<CrashHook>((v) => v === undefined || typeof v === 'function').optional(),
  /** Back-off sleep override (tests with a fake clock). */
  sleep: z.custom<(ms: number) => Promise<void>>((v) => v === undefined || typeof v === 'function').optional(),
});
export type SyncEngineOptions = z.input<typeof SyncEngineOptionsSchema>;
type Options = z.output<typeof SyncEngineOptionsSchema>;

/**
 * The placement options a bucket's `replication` section gives (`state_binding`,
 * `journal_placement`, `state_buckets`: config files and URM documents), under the
 * options given in code, which win.
 */
function withBucketPlacement(bucket: LogicalBucket, options: SyncEngineOptions): SyncEngineOptions {
  const r = bucket.replication;
  if (r.state_binding === undefined && r.journal_placement === undefined && r.state_buckets === undefined) return options;
  return {
    ...(r.state_binding === undefined ? {} : { stateBinding: r.state_binding }),
    ...(r.journal_placement === undefined ? {} : { journalPlacement: r.journal_placement }),
    ...options,
    ...(r.state_buckets || options.stateBuckets ? { stateBuckets: { ...r.state_buckets, ...options.stateBuckets } } : {}),
  };
}

/** Replication status of one bucket: per target and recent failures. */
export interface BucketSyncStatus extends CoreBucketSyncStatus {
  targets: TargetStatus[];
  /** Processes replicating the bucket (membership), this one included. */
  members: number;
  /**
   * Bindings outside the bucket's own residency zone or classification: never read,
   * written, journaled to or used for state (core refuses their adapter). Omitted when none.
   */
  excluded?: { binding: string; reason: 'residency' | 'classification'; detail: string }[];
}

interface InFlight {
  entry: JournalEntry;
  record: Promise<boolean>;
}

/**
 * The sync engine of one LogicalBucket: the write pipeline (versions stamped from
 * what this process last saw, change records written alongside the data), the
 * partitioned replicator, the reconciler and the status.
 */
export class SyncEngine implements BucketReplication {
  readonly resource: LogicalBucket;
  readonly #host: SyncHost;
  readonly #options: Options;
  readonly #ctx: SyncContext;
  readonly #owner: string;
  readonly #writerId: string;
  readonly #versions: VersionCache;
  readonly #attempts = new WeakMap<PendingWrite, ObjectVersion[]>();
  readonly #inflight = new Map<string, InFlight>();
  /** Change records no journal accepted within their call's deadline: retried by the background loop. */
  readonly #unjournaled: JournalEntry[] = [];
  readonly #writers = new Map<string, JournalWriter>();
  readonly #cache: ChunkCache;
  /** Bindings refused by the bucket's own tags (residency, classification): left out of replication. */
  readonly #excluded: NonNullable<BucketSyncStatus['excluded']>;
  #stateKv: KvStore | undefined;
  #stateBinding: string | undefined;
  #ready: Promise<void> | undefined;
  #replicator: Replicator | undefined;
  #running = false;
  #sources: ChangeSource[] = [];
  #hints = new Set<string>();
  #generation = 0;

  constructor(bucket: LogicalBucket, host: SyncHost, options: SyncEngineOptions = {}) {
    const parsed = SyncEngineOptionsSchema.safeParse(withBucketPlacement(bucket, options));
    if (!parsed.success) throw errorFromIssues('invalid sync engine options', zodIssues(parsed.error, ['sync']));
    this.#options = parsed.data;
    this.#owner = parsed.data.owner ?? randomUUID();
    this.#writerId = parsed.data.writerId ?? randomUUID().replace(/-/g, '').slice(0, 12);
    this.resource = bucket;
    this.#host = host;
    const policy = bucket.replication;
    if (policy.conflict === 'custom' && !this.#options.merge) {
      throw new PolycloudError('CONFIG_INVALID', `bucket ${bucket.resource_id} uses conflict: custom but no merge function was given`, {
        context: { resource: bucket.resource_id, path: ['replication', 'conflict'] },
      });
    }
    // Replication runs on the bindings the bucket's own residency and classification allow;
    // the others are reported (status().excluded), never read or written.
    const resident: Binding[] = [];
    this.#excluded = [];
    for (const b of bucket.providers) {
      const verdict = complianceVerdict(b, bucket.tags, host.residency);
      if (verdict.ok) resident.push(b);
      else this.#excluded.push({ binding: b.id, reason: verdict.reason, detail: verdict.detail });
    }
    if (this.#options.stateBinding && this.#excluded.some((x) => x.binding === this.#options.stateBinding)) {
      throw new PolycloudError(
        'RESIDENCY_VIOLATION',
        `stateBinding "${this.#options.stateBinding}" of ${bucket.resource_id} is outside the bucket's residency or classification: it may not hold its replication state`,
        {
          context: { resource: bucket.resource_id, binding: this.#options.stateBinding, path: ['sync', 'stateBinding'] },
          retryable: false,
        },
      );
    }
    if (this.#options.stateBinding && !bucket.providers.some((b) => b.id === this.#options.stateBinding)) {
      throw new PolycloudError('CONFIG_INVALID', `stateBinding "${this.#options.stateBinding}" is not a binding of ${bucket.resource_id}`, {
        context: { resource: bucket.resource_id, path: ['sync', 'stateBinding'] },
      });
    }
    if (this.#options.journalPlacement === 'state' && !this.#options.stateBinding && !this.#options.store) {
      throw new PolycloudError(
        'CONFIG_INVALID',
        `journalPlacement "state" needs stateBinding (or a store) for ${bucket.resource_id}: records are written before the state store is chosen`,
        { context: { resource: bucket.resource_id, path: ['sync', 'journalPlacement'] } },
      );
    }
    this.#versions = new VersionCache(this.#options.versionCacheSize);
    this.#cache = new ChunkCache(this.#options.stateCacheBytes);
    this.#ctx = {
      bucket,
      bindings: resident,
      adapterOf: (id) => host.storageAdapter(bucket.resource_id, id),
      zones: host.residency,
      policy: { conflict: policy.conflict, deleteWins: policy.delete_wins, ...(policy.priority ? { priority: policy.priority } : {}) },
      ...(this.#options.merge ? { merge: this.#options.merge } : {}),
      hlc: new HybridLogicalClock(() => host.clock.now(), policy.max_clock_skew_ms),
      clock: host.clock,
      events: host.events,
      status: new SyncStatusBook(),
      ...(this.#options.crash ? { crash: this.#options.crash } : {}),
      tombstoneGraceMs: this.#options.tombstoneGraceMs ?? 2 * this.#options.leaseTtlMs,
      bytes: new ByteBudget(this.#options.maxBytesInFlight),
    };
  }

  /** The LogicalBucket's resource id. */
  get bucket(): string {
    return this.resource.resource_id;
  }

  get mode(): 'async' | 'sync' | 'none' {
    return this.resource.replication.mode;
  }

  /** The process id this engine leases partitions under. */
  get owner(): string {
    return this.#owner;
  }

  #storeOn(b: Binding): KvStore {
    return createAdapterKvStore(
      this.#ctx.adapterOf(b.id),
      this.#options.stateBuckets[b.id] ?? b.physical_id,
      `${SYNC_RESERVED_PREFIX}${this.resource.resource_id}/`,
    );
  }

  /** The journal writer of a binding (where a write accepted by it is recorded). */
  #writer(bindingId: string, own = false): JournalWriter {
    const toState = this.#options.journalPlacement === 'state' && !own;
    const target = toState ? (this.#options.store ? STORE_JOURNAL : this.#options.stateBinding!) : bindingId;
    let w = this.#writers.get(target);
    if (!w) {
      const kv = target === STORE_JOURNAL ? this.#options.store! : this.#storeOn(this.#ctx.bindings.find((p) => p.id === target)!);
      w = new JournalWriter(kv, this.#writerId, this.#host.clock);
      w.onWritten = (name, entries) => this.#replicator?.remember(target, name, entries);
      this.#writers.set(target, w);
    }
    return w;
  }

  /**
   * Picks the state store (checked to enforce conditional writes, not trusted from the
   * declared capability), migrates a bucket synchronised by an earlier version, and
   * creates the replicator. Runs once, on first use of the replicator.
   */
  async #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      const bucketId = this.resource.resource_id;
      if (this.#ctx.bindings.length === 0) {
        throw new PolycloudError(
          'RESIDENCY_VIOLATION',
          `no binding of ${bucketId} may hold its data: ${this.#excluded.map((x) => `${x.binding}: ${x.reason} (${x.detail})`).join('; ')}`,
          {
            context: { resource: bucketId },
            retryable: false,
          },
        );
      }
      let kv = this.#options.store;
      if (!kv) {
        const candidates = this.#options.stateBinding ? this.#ctx.bindings.filter((b) => b.id === this.#options.stateBinding) : this.#ctx.bindings;
        const tried: string[] = [];
        const failures: string[] = [];
        for (const b of candidates) {
          const store = this.#storeOn(b);
          let ok = false;
          const test = bounded(this.#host.clock, this.#options.journalTimeoutMs, 'self-test timed out');
          try {
            ok = await enforcesConditions(store, test.signal);
          } catch (e) {
            // Never fall through to the next binding on an error: every process must pick the same store
            // (the first in order that passes), or two would keep leases and state apart. Try again later.
            failures.push(`${b.id}: ${toPolycloudError(e).code}`);
            break;
          } finally {
            test.done();
          }
          if (ok || this.#options.singleProcess) {
            kv = store;
            this.#stateBinding = b.id;
            if (!ok)
              this.#host.events.emit('error', {
                resource: bucketId,
                operation: 'sync-state',
                error: new PolycloudError(
                  'UNSUPPORTED',
                  `${b.id} does not enforce conditional writes: replicating ${bucketId} from a single process only (singleProcess)`,
                  { retryable: false, context: { resource: bucketId, binding: b.id } },
                ),
              });
            break;
          }
          tried.push(`${b.id}: conditional writes not enforced`);
        }
        if (!kv && failures.length) {
          this.#ready = undefined;
          throw new PolycloudError(
            'UNAVAILABLE',
            `could not check the stores of ${bucketId} for its replication state (${failures.join('; ')}); retried on the next round`,
            { retryable: true, context: { resource: bucketId } },
          );
        }
        if (!kv) {
          this.#ready = undefined;
          throw new PolycloudError(
            'UNSUPPORTED',
            `no binding of ${bucketId} can hold its replication leases and state (${[...tried, ...failures].join('; ')}): they need a store that enforces conditional writes — give \`stateBinding\` (or \`stateBuckets\`) on one that does, or \`singleProcess: true\` if only one process ever replicates this bucket`,
            { retryable: true, context: { resource: bucketId, path: ['sync', 'stateBinding'] } },
          );
        }
      } else this.#stateBinding = this.#options.stateBinding ?? this.#ctx.bindings[0]!.id;
      // Every binding's journal is read, whatever the placement: a record whose own journal
      // failed is written to another binding's.
      const journals = new Map<string, KvStore>();
      for (const b of this.#ctx.bindings) journals.set(b.id, this.#storeOn(b));
      if (this.#options.store) journals.set(STORE_JOURNAL, this.#options.store);
      let partitions: number;
      try {
        partitions = await migrateV1(kv, this.#ctx, this.#options.partitions, [...journals.values()]);
      } catch (e) {
        this.#ready = undefined;
        throw toPolycloudError(e);
      }
      this.#replicator = new Replicator(this.#ctx, kv, journals, (b) => this.#writer(b), this.#cache, {
        partitions,
        batchSize: this.#options.batchSize,
        concurrency: this.#options.concurrency,
        maxAttempts: this.#options.maxAttempts,
        baseDelayMs: this.#options.baseDelayMs,
        maxDelayMs: this.#options.maxDelayMs,
        leaseTtlMs: this.#options.leaseTtlMs,
        intervalMs: this.#options.intervalMs,
        owner: this.#owner,
        truncateMinAgeMs: this.#options.journalTruncateMinAgeMs,
        seed: this.#generation,
        ...(this.#options.sleep ? { sleep: this.#options.sleep } : {}),
        beforeRound: () => this.#flushUnjournaled(),
      });
      this.#stateKv = kv;
    })();
    return this.#ready;
  }

  /** The replicator (after {@link SyncEngine.ready}). */
  get replicator(): Replicator {
    if (!this.#replicator)
      throw new PolycloudError('UNEXPECTED', `the replicator of ${this.bucket} is not ready yet (await ready())`, { context: { resource: this.bucket } });
    return this.#replicator;
  }

  /** Chooses and checks the state store and creates the replicator (idempotent). */
  async ready(): Promise<void> {
    await this.#prepare();
  }

  /** The store holding leases and partition state (after `ready()`). */
  get store(): KvStore | undefined {
    return this.#stateKv;
  }

  /**
   * Simulates a process restart of the replicator: forgets everything in memory and
   * reloads from the store on the next round, as a new member with new epochs.
   */
  restartReplicator(): void {
    const wasRunning = this.#running;
    this.#running = false;
    this.#replicator?.abandon();
    this.#replicator = undefined;
    this.#ready = undefined;
    this.#generation++;
    if (wasRunning) this.start();
  }

  /** The write pipeline the LogicalBucket facade calls (undefined in mode `none`). */
  pipeline(): WritePipeline | undefined {
    if (this.mode === 'none') return undefined;
    return { stamp: (w, b, body, attempt) => this.#stamp(w, b, body, attempt), commit: (w, call) => this.#commit(w, call) };
  }

  /**
   * One attempt of a write: the version's causal context comes from what this process
   * last saw of the key (no read), joined with any earlier attempt of the same write
   * whose outcome is unknown; the key is read only when nothing is known (a stream
   * that cannot be replayed, a store that cannot compare-and-set) or after a lost
   * race. The change record is started now, concurrently with the data request.
   */
  async #stamp(write: PendingWrite, binding: Binding, body: AdapterBody | undefined, attempt: StampAttempt): Promise<StampedWrite> {
    const adapter = this.#ctx.adapterOf(binding.id);
    const key = write.key;
    const known = this.#versions.get(key);
    const earlier = this.#attempts.get(write) ?? [];
    let context: VersionVector = known?.vv ?? {};
    let token = known?.tokens[binding.id];
    let present = known ? (token !== undefined ? true : known.deleted ? false : undefined) : undefined;
    const cas = write.op === 'delete' ? adapter.capabilities.conditionalDelete : adapter.capabilities.conditionalWrite;
    const stream = body !== undefined && !(body instanceof Uint8Array);
    // Known to be stored on another binding (this one may hold a replica we have no token for): read first.
    // Known only from attempts of unknown outcome: a conditional create settles it without a read.
    const storedElsewhere = known !== undefined && Object.keys(known.tokens).length > 0;
    // A read-modify-write (the caller's own If-Match) replaces the version it read: its context must include that version.
    const callerRead = write.ifMatch !== undefined && token !== write.ifMatch;
    // A delete is read first unless it can be conditional on a token this process holds: "I deleted it last"
    // says nothing of what another process wrote since, and a blind delete would remove that unseen.
    // A store that cannot compare-and-set is always read first.
    const needRead =
      attempt.race > 0 ||
      callerRead ||
      !cas ||
      (write.op === 'delete' ? !(present === true && token !== undefined) : present === undefined && (stream || storedElsewhere));
    if (needRead) {
      try {
        const cur = await adapter.head(binding.physical_id, key, { signal: attempt.signal });
        const v = versionFromMetadata(cur.metadata);
        if (v) context = joinVectors(context, v.vv);
        token = cur.versionToken;
        present = true;
      } catch (e) {
        if (!isPolycloudError(e, 'NOT_FOUND')) throw e;
        token = undefined;
        present = false;
      }
    }
    for (const a of earlier) context = joinVectors(context, a.vv);
    const residency = write.tags['residency'];
    const classification = write.tags['classification'];
    const version = newVersion(this.#ctx.hlc, binding.id, context, {
      ...(residency ? { residency } : {}),
      ...(classification ? { classification } : {}),
      ...(write.op === 'delete' ? { deleted: true } : {}),
    });
    const hashed = write.op === 'put' && body ? hashBody(body) : undefined;
    if (hashed && !stream) version.hash = hashed.digest()!;
    this.#attempts.set(write, [...earlier, version]);
    // Whatever this attempt leaves, later writes of the key include it in their context.
    this.#versions.touch(key, version.vv);
    const entry: JournalEntry = {
      key,
      op: write.op,
      version: toRecord(version),
      binding: binding.id,
      at: this.#host.clock.now(),
      // Written alongside the data: its effect may show only later, and never if the call fails.
      until: attempt.deadline + this.#options.journalTimeoutMs,
      ...(earlier.length ? { unknown: earlier.map((v) => ({ binding: v.origin, version: toRecord(v) })) } : {}),
    };
    // A put's record goes out with its data (it counts once the data shows). A delete's is written once the
    // delete succeeded: a delete can be refilled by a replica before its record is read, so "the key is still
    // there" cannot tell a failed delete from a done one — its record must be a fact.
    if (write.op === 'put') this.#startRecord(entry, attempt.signal);
    else delete entry.until;
    this.#host.events.emit('stamped', { bucket: this.bucket, key, op: write.op, binding: binding.id, record: entry.version });
    const conditions = !cas ? {} : present === true && token !== undefined ? { ifMatch: token } : write.op === 'put' ? { ifNoneMatch: '*' as const } : {};
    if (write.op === 'delete') return { metadata: versionMetadata(version), ...conditions };
    return {
      metadata: { ...write.metadata, ...versionMetadata(version) },
      ...(hashed ? { body: hashed.body, digest: hashed.digest } : {}),
      ...conditions,
    };
  }

  /** Starts writing a change record (to the journal of the write's binding), bounded by the journal timeout and the attempt. */
  #startRecord(entry: JournalEntry, signal: AbortSignal): void {
    const record = this.#append(this.#writer(entry.binding), entry, signal).then(
      () => true,
      () => false,
    );
    const id = `${entry.version.hlc}@${entry.version.origin}`;
    this.#inflight.set(id, { entry, record });
    // An attempt that fails never reaches commit: forget it once its record settles.
    void record.then(() => setTimeoutUnref(() => this.#inflight.get(id)?.record === record && this.#inflight.delete(id), 60_000));
  }

  #append(writer: JournalWriter, entry: JournalEntry, signal?: AbortSignal): Promise<void> {
    const b = bounded(this.#host.clock, this.#options.journalTimeoutMs, 'journal append timed out', signal);
    return writer.append(entry, b.signal).finally(() => b.done());
  }

  /** The signal of the rest of a call: its deadline, or the caller's own signal. */
  #callSignal(call: CommitCall): Bounded {
    return bounded(this.#host.clock, Math.max(1, call.deadline - this.#host.clock.now()), 'deadline', call.signal);
  }

  /** Appends a record to one journal within the rest of the call; true once it is durable. */
  async #appendWithin(writer: JournalWriter, entry: JournalEntry, call: CommitCall): Promise<boolean> {
    const b = this.#callSignal(call);
    try {
      await this.#append(writer, entry, b.signal);
      return true;
    } catch {
      return false;
    } finally {
      b.done();
    }
  }

  /**
   * After the data is stored: waits for the change record; if its journal failed, the
   * record goes to another binding's journal, within the call's deadline. A stored
   * write is never reported as failed for the engine's own bookkeeping: a record that
   * no journal took is kept and retried in the background (and reported).
   */
  async #commit(write: AppliedWrite, call: CommitCall): Promise<void> {
    const version = versionFromMetadata(write.metadata);
    if (!version) throw new PolycloudError('UNEXPECTED', `write of ${write.key} was not stamped`, { context: { resource: this.bucket, key: write.key } });
    const id = versionId(version);
    const inflight = this.#inflight.get(id);
    this.#inflight.delete(id);
    const entry: JournalEntry = inflight?.entry ?? {
      key: write.key,
      op: write.op,
      version: toRecord(version),
      binding: write.binding.id,
      at: this.#host.clock.now(),
    };
    if (write.size !== undefined) entry.size = write.size;
    if (write.contentHash && !entry.version.hash) entry.version = { ...entry.version, hash: write.contentHash };
    let recorded = inflight ? await inflight.record : await this.#recordOwn(entry, call);
    if (!recorded) recorded = await this.#recordElsewhere(entry, call);
    if (!recorded) {
      this.#unjournaled.push(entry);
      // Bounded: past it the oldest records are left to a reconcile (their writes are on the clouds, stamped).
      if (this.#unjournaled.length > MAX_UNJOURNALED) this.#unjournaled.splice(0, this.#unjournaled.length - MAX_UNJOURNALED);
      this.#host.events.emit('error', {
        resource: this.bucket,
        operation: 'journal-append',
        key: write.key,
        error: new PolycloudError(
          'UNAVAILABLE',
          `no journal of ${this.bucket} took the change record of ${write.key} in time: the write is stored and acknowledged; the record is retried in the background (a reconcile finds it otherwise)`,
          {
            retryable: true,
            context: { resource: this.bucket, key: write.key },
          },
        ),
      });
    }
    // What this process now knows of the key: the context of its next write.
    if (write.op === 'delete') this.#versions.set(write.key, { vv: version.vv, tokens: {}, deleted: true });
    else this.#versions.set(write.key, { vv: version.vv, tokens: write.result ? { [write.binding.id]: write.result.versionToken } : {} });
    this.#ctx.status.set({
      key: write.key,
      version: id,
      origin: version.origin,
      ...(write.op === 'delete' ? { deleted: true } : {}),
      state: 'PENDING',
      bindings: Object.fromEntries(this.#ctx.bindings.map((b) => [b.id, { state: 'PENDING' as const }])),
      updatedAt: this.#host.clock.now(),
    });
    this.#host.events.emit('journaled', { bucket: this.bucket, key: write.key, op: write.op, binding: write.binding.id, record: entry.version });
    if (this.mode === 'sync') await this.#syncNow(write, version, call);
    else if (this.#options.autoStart && !this.#running) this.start();
  }

  /** Writes a record to the journal of its own binding now, within the call's deadline. */
  #recordOwn(entry: JournalEntry, call: CommitCall): Promise<boolean> {
    return this.#appendWithin(this.#writer(entry.binding), entry, call);
  }

  /** The write's own journal failed (or timed out): the other bindings' journals first (the state binding's leading), its own last. */
  async #recordElsewhere(entry: JournalEntry, call: CommitCall): Promise<boolean> {
    const own = this.#writer(entry.binding);
    const others = [...new Set([...(this.#stateBinding ? [this.#stateBinding] : []), ...this.#ctx.bindings.map((b) => b.id)])]
      .filter((b) => b !== entry.binding)
      .map((b) => this.#writer(b, true));
    for (const w of new Set([...others.filter((w) => w !== own), own])) {
      if (call.signal?.aborted || this.#host.clock.now() >= call.deadline) return false;
      if (await this.#appendWithin(w, entry, call)) return true;
    }
    return false;
  }

  /** Mode `sync`: the write is acknowledged once every compliant binding holds it. */
  async #syncNow(write: AppliedWrite, version: ObjectVersion, call: CommitCall): Promise<void> {
    try {
      await this.#prepare();
    } catch (e) {
      throw toPolycloudError(e).withContext({ key: write.key, stored: true });
    }
    const b = this.#callSignal(call);
    try {
      const outcome = await this.replicator.syncWithRetry(
        write.key,
        write.op === 'delete' ? { tombstones: [version] } : { source: write.binding.id },
        undefined,
        b.signal,
      );
      const failed = Object.entries(outcome.bindings).filter(([, b]) => !b.ok && b.reason !== 'residency' && b.reason !== 'classification');
      if (failed.length) {
        throw new PolycloudError(
          'UNAVAILABLE',
          `sync replication of ${write.key} incomplete on ${failed.map(([id]) => id).join(', ')} (stored on ${write.binding.id} and journaled; the replicator will finish it)`,
          {
            retryable: true,
            context: { resource: this.bucket, key: write.key, stored: true, bindings: failed.map(([id, b]) => ({ id, reason: b.reason })) },
          },
        );
      }
    } finally {
      b.done();
    }
  }

  #flushing: Promise<void> | undefined;

  /** Retries change records no journal took in time (one flush at a time; the background loop calls it each round). */
  #flushUnjournaled(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    if (!this.#unjournaled.length) return Promise.resolve();
    const flush = (async () => {
      for (const entry of [...this.#unjournaled]) {
        const ok = await this.#recordElsewhere(entry, { deadline: this.#host.clock.now() + this.#options.journalTimeoutMs * this.#ctx.bindings.length });
        if (!ok) return;
        const i = this.#unjournaled.indexOf(entry);
        if (i >= 0) this.#unjournaled.splice(i, 1);
      }
    })();
    this.#flushing = flush;
    // Cleared once settled (assigned first: a flush that settles at once must not stay cached).
    void flush.finally(() => {
      if (this.#flushing === flush) this.#flushing = undefined;
    });
    return flush;
  }

  /** One replication round over the partitions this process holds. */
  async runOnce(): Promise<RunReport> {
    await this.#prepare();
    return this.replicator.runOnce();
  }

  /**
   * Replicates until everything journaled in the partitions assigned to this process
   * is applied. Waits for a partition lease another process holds (or throws CONFLICT
   * with `onLeased: 'throw'`), keeps the process alive while it works, and throws
   * UNAVAILABLE when changes could not be applied everywhere (they stay pending; a
   * later round retries them).
   */
  async drain(options: DrainOptions = {}): Promise<RunReport[]> {
    const release = holdProcess();
    const clock = this.#host.clock;
    const deadline = options.timeoutMs === undefined ? Infinity : clock.now() + options.timeoutMs;
    try {
      await this.#prepare();
      const reports: RunReport[] = [];
      for (;;) {
        if (options.signal?.aborted)
          throw new PolycloudError('ABORTED', `drain of ${this.bucket} was aborted`, { context: { resource: this.bucket }, cause: options.signal.reason });
        await this.replicator.rebalance(true);
        const blocked = await this.replicator.blockedBy();
        if (!blocked.length) {
          const batch = await this.replicator.drain();
          reports.push(...batch);
          // Done only when every partition assigned here was held and drained (a store that failed to give one is retried).
          if (batch.every((r) => r.leased) && !this.replicator.unheld().length && !(await this.replicator.blockedBy()).length) {
            const failed = [...new Set(batch[batch.length - 1]?.failedKeys ?? [])];
            if (failed.length) {
              throw new PolycloudError(
                'UNAVAILABLE',
                `${failed.length} change(s) of ${this.bucket} could not be replicated everywhere (kept pending; retried by the next rounds)`,
                {
                  retryable: true,
                  context: { resource: this.bucket, keys: failed.slice(0, 20), reasons: failed.slice(0, 20).map((k) => this.#ctx.status.get(k)?.bindings) },
                },
              );
            }
            if (this.#unjournaled.length) await this.#flushUnjournaled();
            if (this.#unjournaled.length)
              throw new PolycloudError('UNAVAILABLE', `${this.#unjournaled.length} change record(s) of ${this.bucket} could not be journaled yet`, {
                retryable: true,
                context: { resource: this.bucket },
              });
            return reports;
          }
          if (batch.some((r) => r.leased) && !this.replicator.unheld().length) continue;
          if (!(await this.replicator.blockedBy()).length) {
            // Not held by anyone: the store did not give the lease this time. Try again shortly.
            if (clock.now() >= deadline)
              throw new PolycloudError('TIMEOUT', `drain of ${this.bucket} could not take its partitions within ${options.timeoutMs} ms`, {
                retryable: true,
                context: { resource: this.bucket, partitions: this.replicator.unheld() },
              });
            await (this.#options.sleep ?? ((ms: number) => sleep(clock, ms, options.signal)))(Math.min(1000, this.#options.leaseTtlMs / 10));
            continue;
          }
        }
        const first = blocked[0] ?? { partition: -1, owner: 'unknown', expiresAt: clock.now() + this.#options.leaseTtlMs / 3 };
        if (options.onLeased === 'throw') {
          throw new PolycloudError(
            'CONFLICT',
            `another process (${first.owner}) holds partition ${first.partition} of ${this.bucket} until ${new Date(first.expiresAt).toISOString()}`,
            {
              retryable: true,
              context: { resource: this.bucket, owner: first.owner, expiresAt: first.expiresAt, partitions: blocked.map((b) => b.partition) },
            },
          );
        }
        if (clock.now() >= deadline)
          throw new PolycloudError('TIMEOUT', `drain of ${this.bucket} did not get its partitions within ${options.timeoutMs} ms (held by ${first.owner})`, {
            retryable: true,
            context: { resource: this.bucket, owner: first.owner },
          });
        const wait = Math.max(
          1,
          Math.min(this.#options.leaseTtlMs / 3, Math.min(...blocked.map((b) => b.expiresAt)) - clock.now() + 1, deadline - clock.now()),
        );
        await (this.#options.sleep ?? ((ms: number) => sleep(clock, ms, options.signal)))(wait);
      }
    } finally {
      release();
    }
  }

  /** Starts the background replicator. */
  start(): void {
    this.#running = true;
    void this.#prepare().then(
      () => {
        if (!this.#running) return;
        this.replicator.start();
      },
      (e) => {
        this.#running = false;
        this.#host.events.emit('error', { resource: this.bucket, operation: 'replicate', error: toPolycloudError(e) });
      },
    );
  }

  /** Stops the background replicator, releases its leases; says whether everything journaled here was replicated. */
  async stop(): Promise<CloseReport> {
    this.#running = false;
    let pending = this.#unjournaled.length;
    let known = true;
    if (this.#replicator) {
      // Bounded: a hung store must not keep close() from returning (the leases then simply expire).
      const b = bounded(this.#host.clock, this.#options.journalTimeoutMs, 'stop took too long');
      try {
        pending += (await this.#replicator.measure(100_000, b.signal)).reduce((n, t) => Math.max(n, t.backlog), 0);
        if (b.signal.aborted) known = false;
      } catch {
        known = false;
      }
      await this.#replicator.stop(b.signal);
      b.done();
    } else if (this.#ready) known = false;
    await Promise.all(this.#sources.map((s) => s.stop()));
    return { drained: known && pending === 0, pending };
  }

  /** Three-way reconcile of every binding's listing against the synchronised state (partitions held by this process). */
  async reconcile(options: ReconcileOptions = {}): Promise<ReconcileReport> {
    const release = holdProcess();
    try {
      await this.#prepare();
      return await reconcile(this.#ctx, this.replicator, (b) => this.#writer(b), options);
    } finally {
      release();
    }
  }

  /** Feeds a native change source's hints into the engine (processed by `processHints`). */
  async addSource(source: ChangeSource): Promise<void> {
    this.#sources.push(source);
    await source.start((hints: ChangeHint[]) => {
      // A feed reports every object of the bucket: the engine's own are not data (never replicated, never adopted).
      for (const h of hints) if (typeof h.key === 'string' && !isReservedKey(h.key) && this.#hints.size < MAX_HINTS) this.#hints.add(h.key);
    });
  }

  /** Merges every hinted key now (in the partitions this process holds); returns how many were processed. */
  async processHints(): Promise<number> {
    await this.#prepare();
    await this.replicator.rebalance();
    const held = new Set(this.replicator.held);
    // Keys of partitions another process holds are its work (its feed and reconciles see them): dropped here.
    const keys = [...this.#hints].filter((k) => held.has(partitionOf(k, this.#options.partitions)));
    this.#hints.clear();
    for (const k of keys) {
      const state = this.replicator.partitionState(partitionOf(k, this.#options.partitions))!;
      const outcome = await this.replicator.syncWithRetry(k, {}, await state.get(k));
      state.set(k, outcome.record);
    }
    await this.replicator.runOnce();
    return keys.length;
  }

  /** Replication status of one object (last known in this process), or undefined. */
  objectStatus(key: string): ObjectReplicationStatus | undefined {
    return this.#ctx.status.get(key);
  }

  /** Per-target backlog and lag (as of this process's last round), recent failures, partitions held. */
  async status(): Promise<BucketSyncStatus> {
    await this.#prepare().catch(() => undefined);
    const r = this.#replicator;
    return {
      bucket: this.bucket,
      mode: this.mode,
      running: this.#running,
      targets: r ? await r.measure() : this.#ctx.bindings.map((b) => ({ binding: b.id, backlog: 0, lagMs: 0, failed: 0 })),
      failed: this.#ctx.status.failed(),
      partitions: { held: r?.held ?? [], total: this.#options.partitions },
      members: r?.members.length ?? 0,
      journalRequests: [...this.#writers.values()].reduce((n, w) => n + w.requests, 0),
      ...(this.#excluded.length ? { excluded: this.#excluded.map((x) => ({ ...x })) } : {}),
    };
  }
}

function setTimeoutUnref(fn: () => void, ms: number): void {
  const t = setTimeout(fn, ms);
  t.unref?.();
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

/** The concrete engine behind `polycloud.sync(bucketId)` (for what the core interface does not carry: restarts, change sources). */
export function syncEngine(replication: BucketReplication): SyncEngine {
  if (!(replication instanceof SyncEngine))
    throw new PolycloudError('UNSUPPORTED', `the replication of ${replication.bucket} is not run by @polycloud/sync`, {
      context: { resource: replication.bucket },
    });
  return replication;
}
