import type { EventEmitter } from 'eventemitter3';
import type {
  Binding,
  Clock,
  HybridLogicalClock,
  LogicalBucket,
  MergeFunction,
  PolycloudEvents,
  ResidencyZones,
  ResolverPolicy,
  StorageAdapter,
} from '@polycloud/core/spi';
import type { ByteBudget } from './budget.js';
import type { SyncStatusBook } from './status.js';

/** Test hook: called at named steps; throwing `{ simulatedCrash: true }` simulates a crash there. */
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
  status: SyncStatusBook;
  crash?: CrashHook;
  /**
   * How long a tombstone is kept after every binding applied it, so a stalled
   * replicator (a "zombie" past its lease) cannot bring the object back.
   */
  tombstoneGraceMs: number;
  /** Every request of the work this context belongs to carries it (a round ends when its lease would). */
  signal?: AbortSignal;
  /** Bytes of object copies in flight (large-object memory bound). */
  bytes?: ByteBudget;
}
