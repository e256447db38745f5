import { z } from 'zod';
import type { JobState } from '../../adapter/compute-adapter.js';

/**
 * What a claim says about one idempotency key of one LogicalCluster: the binding the
 * job may be started on (and nowhere else), who is allowed to start it, and — once
 * known — the provider's job id. It never holds the job's env or any value of it.
 */
export const ClaimRecordSchema = z.strictObject({
  v: z.literal(1),
  /** The binding the job is pinned to. Only a holder that knows nothing was sent there may move it. */
  binding: z.string().min(1),
  /** Random token of the submit call that may act on the claim (create, move, record the job). */
  holder: z.string().min(1),
  /** Incremented by every takeover or move (a fencing counter). */
  epoch: z.number().int().positive(),
  /** Epoch ms until which the holder is working on it; after that another caller may take over. 0 = released. */
  leaseUntil: z.number().int().min(0),
  /** A submit may have reached `binding` (so the claim must not move off it until the provider answers). */
  sent: z.boolean(),
  /** The provider's job id, once the job is known to exist. */
  jobId: z.string().min(1).optional(),
  /** The job's state when it was recorded (what a caller gets back if the binding cannot answer). */
  state: z.enum(['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']).optional(),
});

export type ClaimRecord = z.output<typeof ClaimRecordSchema> & { state?: JobState };

/** A claim as read from the store, with the version a conditional update must name. */
export interface ClaimEntry {
  record: ClaimRecord;
  /** Opaque version token: pass it to `update`. */
  version: string;
}

/**
 * The single source of truth for "this key was submitted", shared by every binding
 * and — for a store with `shared: true` — every host process. It needs exactly two
 * atomic primitives: create-if-absent and update-if-version-matches.
 *
 * - `get`: the claim, or `undefined` when there is none. Never throws NOT_FOUND.
 * - `create`: stores the claim only if the key has none; otherwise ALREADY_EXISTS.
 *   A retried create whose first try succeeded may also report ALREADY_EXISTS: read
 *   the claim and compare `holder`.
 * - `update`: replaces the claim only if its current version is `version`; otherwise
 *   CONDITION_NOT_MET (also when the claim is gone).
 *
 * Every method throws only PolycloudError; availability problems are retryable.
 */
export interface ClaimStore {
  /** For messages: `memory`, `storage:<adapter>/<bucket>`… */
  readonly name: string;
  /** True when other host processes see the same claims (then the start-up self-test must pass). */
  readonly shared: boolean;
  get(key: string, options?: { signal?: AbortSignal }): Promise<ClaimEntry | undefined>;
  create(key: string, record: ClaimRecord, options?: { signal?: AbortSignal }): Promise<ClaimEntry>;
  update(key: string, record: ClaimRecord, version: string, options?: { signal?: AbortSignal }): Promise<ClaimEntry>;
  /** Removes a claim (used only to clean up the self-test's probe). */
  delete?(key: string, options?: { signal?: AbortSignal }): Promise<void>;
}
