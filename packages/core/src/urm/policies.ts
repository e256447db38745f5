import { z } from 'zod';

/**
 * Routing policy of a logical resource. Read by core's default router and by
 * @polycloud/router; unknown keys are refused so typos surface.
 */
export const RoutingPolicySchema = z.strictObject({
  /**
   * `sticky`: writes of a key go to the same binding (weighted rendezvous hashing);
   * `primary`: everything to the first healthy binding in priority order;
   * `balanced`: reads spread by weighted power-of-two-choices.
   */
  strategy: z.enum(['primary', 'sticky', 'balanced']).default('primary'),
  /** Gray release: a stable `percent` of keys to `binding`. */
  canary: z
    .strictObject({
      binding: z.string().min(1),
      percent: z.number().min(0).max(100),
      salt: z.string().optional(),
    })
    .optional(),
  /** Active health probes (the original design's `healthCheck: {interval}`). */
  health_check: z
    .strictObject({
      interval_ms: z.number().int().min(50).max(3_600_000).default(250),
      timeout_ms: z.number().int().min(10).max(60_000).default(500),
    })
    .optional(),
  /** The caller's region, for distance and egress. */
  caller_region: z.string().min(1).optional(),
});

export type RoutingPolicy = z.output<typeof RoutingPolicySchema>;

/** Replication and conflict policy of a LogicalBucket (see docs/sync.md). */
export const ReplicationPolicySchema = z.strictObject({
  /** `async` (journal + background replicator), `sync` (ack once every compliant binding holds it), `none`. */
  mode: z.enum(['async', 'sync', 'none']).default('async'),
  /** How concurrent writes are resolved. `custom` needs a merge function given in code. */
  conflict: z.enum(['lww', 'priority', 'keep-both', 'custom']).default('lww'),
  /** Binding ids, winner first, for `conflict: priority`. */
  priority: z.array(z.string().min(1)).optional(),
  /** Whether a delete concurrent with an update wins (default: the update wins). */
  delete_wins: z.boolean().default(false),
  /** A timestamp further ahead of local time than this is quarantined. */
  max_clock_skew_ms: z.number().int().min(0).default(60_000),
  /** A reconcile deleting more than this share of a bucket stops and asks. */
  max_delete_fraction: z.number().min(0).max(1).default(0.5),
  /** Objects written before this lag (ms) count against the lag objective. */
  lag_objective_ms: z
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
  /**
   * Binding id whose bucket holds the replication engine's leases and partition state
   * (@polycloud/sync's `stateBinding`): one that enforces conditional writes.
   */
  state_binding: z.string().min(1).optional(),
  /**
   * Where a write's change record goes (@polycloud/sync's `journalPlacement`):
   * `per-binding` (the default: the journal in its own binding's bucket) or `state`
   * (the state binding's journal; needs `state_binding`).
   */
  journal_placement: z.enum(['per-binding', 'state']).optional(),
  /** Physical bucket per binding id for the engine's own objects instead of the data bucket (@polycloud/sync's `stateBuckets`). */
  state_buckets: z.record(z.string(), z.string().min(1).max(1024)).optional(),
});

export type ReplicationPolicy = z.output<typeof ReplicationPolicySchema>;
