/**
 * The leader election's decisions, pure: what a candidate does with the Lease it just
 * read. The runner (leader-elector.ts) performs the write with the Lease's
 * resourceVersion (compare-and-swap), so two candidates acting on one read cannot
 * both succeed.
 *
 * Time is each candidate's own monotonic clock, never the Lease's timestamps (clocks
 * of different hosts disagree): a candidate takes a Lease held by another only after
 * it has seen the same resourceVersion, unchanged, for `leaseDurationMs`; the holder
 * counts itself leader only until `renewDeadlineMs` after it *sent* its last
 * successful renewal. Since the other saw that renewal after it was sent,
 * renewDeadline < leaseDuration means the holder stops before anyone may take over.
 */

/** The fields of a coordination.k8s.io/v1 Lease the election reads. */
export interface LeaseRecord {
  resourceVersion: string;
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  leaseTransitions?: number;
  acquireTime?: string;
}

/** What a candidate remembers between reads of the Lease. */
export interface ObservedLease {
  resourceVersion: string;
  /** Monotonic time (ms) at which this resourceVersion was first seen. */
  seenAt: number;
}

export type LeaseStep =
  | { action: 'create' }
  | { action: 'renew'; transitions: number; acquireTime?: string }
  | { action: 'takeover'; transitions: number }
  | { action: 'wait'; holder: string; expiresInMs: number };

export interface LeaseTimings {
  /** How long a Lease not renewed is respected by the others. */
  leaseDurationMs: number;
}

/**
 * What to do with the Lease just read (`undefined`: it does not exist). `observed` is
 * what this candidate saw before; the caller replaces it with {@link observe}.
 */
export function nextLeaseStep(
  lease: LeaseRecord | undefined,
  observed: ObservedLease | undefined,
  identity: string,
  now: number,
  timings: LeaseTimings,
): LeaseStep {
  if (!lease) return { action: 'create' };
  const transitions = lease.leaseTransitions ?? 0;
  if (lease.holderIdentity === identity) return { action: 'renew', transitions, ...(lease.acquireTime ? { acquireTime: lease.acquireTime } : {}) };
  // Released (empty holder): free to take at once.
  if (!lease.holderIdentity) return { action: 'takeover', transitions: transitions + 1 };
  const since = observed && observed.resourceVersion === lease.resourceVersion ? observed.seenAt : now;
  // The holder's own duration, when longer, is respected too.
  const duration = Math.max(timings.leaseDurationMs, (lease.leaseDurationSeconds ?? 0) * 1000);
  const expiresInMs = since + duration - now;
  if (expiresInMs <= 0) return { action: 'takeover', transitions: transitions + 1 };
  return { action: 'wait', holder: lease.holderIdentity, expiresInMs };
}

/** The observation to keep after reading `lease` at `now`. */
export function observe(lease: LeaseRecord | undefined, observed: ObservedLease | undefined, now: number): ObservedLease | undefined {
  if (!lease) return undefined;
  if (observed && observed.resourceVersion === lease.resourceVersion) return observed;
  return { resourceVersion: lease.resourceVersion, seenAt: now };
}

/** Whether a holder whose last successful renewal was sent at `renewSentAt` still leads at `now`. */
export function stillLeading(renewSentAt: number | undefined, now: number, renewDeadlineMs: number): boolean {
  return renewSentAt !== undefined && now - renewSentAt < renewDeadlineMs;
}
