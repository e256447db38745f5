import type { EventEmitter } from 'eventemitter3';
import type { StorageAdapter } from '../adapter/storage-adapter.js';
import type { Clock } from '../clock.js';
import type { PolycloudEvents } from '../events.js';
import type { WritePipeline } from '../facade/write-pipeline.js';
import type { ResidencyZones } from '../routing/residency.js';
import type { LogicalBucket, UrmDocument } from '../urm/resources.js';

/**
 * What `createPolycloud` hands a sync plugin (e.g. `@polycloud/sync`): the resources,
 * the clock, the event emitter, the residency zones and the storage adapter behind
 * every binding. Nothing else of the instance is reachable from the plugin.
 */
export interface SyncHost {
  readonly resources: readonly UrmDocument[];
  readonly clock: Clock;
  readonly events: EventEmitter<PolycloudEvents>;
  readonly residency: ResidencyZones;
  /**
   * The storage adapter serving `bindingId` of LogicalBucket `bucketId`. Unknown →
   * NOT_FOUND; a binding outside the bucket's own residency zone or classification →
   * RESIDENCY_VIOLATION (core's guard: the plugin can neither read from nor copy to it).
   */
  storageAdapter(bucketId: string, bindingId: string): StorageAdapter;
}

/** One replication round: what the replicator did. */
export interface RunReport {
  /** False if this process held no partition lease (nothing was done). */
  leased: boolean;
  /** Journal entries read. */
  entries: number;
  /** Keys brought in line. */
  keys: number;
  /** Bindings written or deleted. */
  writes: number;
  conflicts: number;
  /** Keys that failed on some binding (kept pending, retried next round). */
  failedKeys: string[];
  /** True if more work may be waiting past this round. */
  more: boolean;
  /** Journals that could not be read this round (their binding is down). */
  unreadable: string[];
  /** Partitions this process applied in this round. */
  partitions: number[];
}

export interface ReconcileOptions {
  /** Proceed even if more than `max_delete_fraction` of the bucket would be deleted. */
  allowMassDelete?: boolean;
  /** Keys synced at once. */
  concurrency?: number;
  /** Plan only: report what would change, change nothing. */
  dryRun?: boolean;
}

export interface ReconcileReport {
  /** `blocked`: the mass-delete guard stopped it; nothing was changed. */
  status: 'ok' | 'blocked';
  /** Objects listed per binding. */
  listed: Record<string, number>;
  /** Bindings whose listing failed (their changes are judged next time). */
  unavailable: string[];
  /** Keys whose state differs from the last synchronised state. */
  changed: number;
  /** Keys deleted outside polycloud on some binding. */
  outOfBandDeletes: number;
  /** Keys that would be deleted everywhere, and the synchronised total it is compared with. */
  wouldDelete: number;
  total: number;
  conflicts: number;
  failedKeys: string[];
}

/** Replication state as MinIO reports it: the origin shows PENDING/COMPLETED/FAILED, a copy REPLICA. */
export type ReplicationState = 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';

export interface BindingStatus {
  state: ReplicationState;
  /** Why it failed: `residency`, `classification`, `clock-skew`, `unavailable`, or an error code. */
  reason?: string;
}

/** Replication status of one object. */
export interface ObjectReplicationStatus {
  key: string;
  /** `<hlc>@<origin>` of the version being replicated. */
  version?: string;
  origin?: string;
  deleted?: boolean;
  /** Aggregate: COMPLETED once every compliant binding holds it. */
  state: 'PENDING' | 'COMPLETED' | 'FAILED';
  bindings: Record<string, BindingStatus>;
  updatedAt: number;
}

/** Replication progress of one target binding. */
export interface TargetStatus {
  binding: string;
  /** Journal changes not yet applied to it (as far as this process can tell). */
  backlog: number;
  /** Age (ms) of the oldest change not yet applied to it; 0 when caught up. */
  lagMs: number;
  /** Keys whose last attempt failed on it. */
  failed: number;
}

/** Replication status of one bucket. */
export interface BucketSyncStatus {
  bucket: string;
  mode: 'async' | 'sync' | 'none';
  running: boolean;
  targets: TargetStatus[];
  failed: ObjectReplicationStatus[];
  /** Partitions this process holds, of how many. */
  partitions: { held: number[]; total: number };
  /** Requests made to the journals by this process. */
  journalRequests: number;
}

export interface DrainOptions {
  /**
   * What to do when another process holds a partition's lease: `wait` (default) until
   * it is free or expired, or `throw` CONFLICT naming the holder and the expiry.
   */
  onLeased?: 'wait' | 'throw';
  /** Give up after this long (ms): TIMEOUT. Default: no limit. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface CloseReport {
  /** True when every journaled change was replicated before closing. */
  drained: boolean;
  /** Changes still pending (journaled, not yet everywhere), as far as this process knows. */
  pending: number;
}

/** The replication handle of one LogicalBucket (`polycloud.sync(bucketId)`). */
export interface BucketReplication {
  readonly bucket: string;
  readonly mode: 'async' | 'sync' | 'none';
  /** One replication round over the partitions this process holds. */
  runOnce(): Promise<RunReport>;
  /** Replicates until every journaled change is applied; throws on failure. */
  drain(options?: DrainOptions): Promise<RunReport[]>;
  /** Starts the background replicator. */
  start(): void;
  /** Stops it and releases its leases; reports whether everything journaled was replicated. */
  stop(): Promise<CloseReport>;
  /** Three-way reconcile of every binding's listing against the synchronised state. */
  reconcile(options?: ReconcileOptions): Promise<ReconcileReport>;
  status(): Promise<BucketSyncStatus>;
  /** Last known replication status of one object in this process. */
  objectStatus(key: string): ObjectReplicationStatus | undefined;
}

/** What a sync plugin gives `createPolycloud`. */
export interface SyncPlugin {
  /** The write pipeline of a bucket, or `undefined` for none (mode `none`, one binding). */
  pipeline(bucket: LogicalBucket): WritePipeline | undefined;
  /** The replication handle of a bucket (created on first use). */
  bucket(bucket: LogicalBucket): BucketReplication;
  /** Stops every engine (called by `polycloud.close()`). */
  close(): Promise<void>;
}

/** Builds the sync plugin of one polycloud instance; `createSync()` from `@polycloud/sync` returns one. */
export type SyncFactory = (host: SyncHost) => SyncPlugin;

/** True for a bucket the sync plugin must replicate: two or more bindings and mode `async` or `sync`. */
export function needsReplication(bucket: LogicalBucket): boolean {
  return bucket.replication.mode !== 'none' && bucket.providers.length > 1;
}
