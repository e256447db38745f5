import type EventEmitter from 'eventemitter3';
import type { StorageAdapter } from '@polycloud/core';
import type { Clock } from '@polycloud/core';
import type { PolycloudEvents } from '@polycloud/core';
import type { ResidencyZones } from '@polycloud/core';
import type { Binding } from '@polycloud/core';
import type { LogicalBucket } from '@polycloud/core';
import type { HybridLogicalClock } from '@polycloud/core';
import type { MergeFunction } from '@polycloud/core';
import type { ResolverPolicy } from '@polycloud/core';
import type { SyncStatusBook } from './status.js';
import type { VersionRecord } from '@polycloud/core';

/** Last synchronised state of a key (the reconciler's "previous listing"). */
export interface BaseRecord {
  /** Encoded vector of the version every binding held. */
  vv: string;
  /** Version token per binding at that time. */
  tokens: Record<string, string>;
}

/** A delete not yet applied everywhere. */
export interface TombstoneRecord {
  version: VersionRecord;
  /** When every binding was first seen to have applied it (ms); dropped a grace period later. */
  appliedAt?: number;
}

/** Test hook: called at named steps; throwing simulates a crash there. */
export type CrashHook = (step: string) => void;

/** Everything the per-key merge needs. */
export interface SyncContext {
  bucket: LogicalBucket;
  bindings: readonly Binding[];
  adapterOf(bindingId: string): StorageAdapter;
  zones: ResidencyZones;
  policy: ResolverPolicy;
  merge?: MergeFunction;
  hlc: HybridLogicalClock;
  clock: Clock;
  events: EventEmitter<PolycloudEvents>;
  tombstones: Map<string, TombstoneRecord>;
  base: Map<string, BaseRecord>;
  status: SyncStatusBook;
  crash?: CrashHook;
  /**
   * How long a tombstone is kept after every binding applied it, so a stalled
   * replicator (a "zombie" past its lease) cannot bring the object back.
   */
  tombstoneGraceMs: number;
  /** Key prefix of the engine's own objects, never replicated. */
  reservedPrefix: string;
}
