import { randomUUID } from 'node:crypto';
import type { ComputeAdapter, ComputeJobRequest, ComputeTarget, JobStatus } from '../adapter/compute-adapter.js';
import { sleep } from '../clock.js';
import type { ErrorCode } from '../errors/codes.js';
import { type ErrorContext, isPolycloudError, PolycloudError, toPolycloudError } from '../errors/polycloud-error.js';
import { admittedCandidates, type ExecutionContext } from '../facade/execute.js';
import { backoffDelay } from '../facade/retry.js';
import type { RouteRequest } from '../routing/router.js';
import type { ClaimEntry, ClaimRecord, ClaimStore } from './claims/claim-store.js';
import { type Deadline, withAttemptTimeout } from './deadline.js';

/** Codes that mean the provider refused the submit, so it certainly started nothing. */
export const DEFINITELY_REJECTED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'QUOTA_EXCEEDED',
  'RATE_LIMITED',
  'INVALID_ARGUMENT',
  'CONFIG_INVALID',
  'PERMISSION_DENIED',
  'UNSUPPORTED',
  'NOT_FOUND',
  'RESIDENCY_VIOLATION',
  'CONDITION_NOT_MET',
  'ALREADY_EXISTS',
  'CONFLICT',
]);

export interface ClaimedSubmitDeps {
  clusterId: string;
  exec: ExecutionContext;
  claims: ClaimStore;
  adapter(bindingId: string): ComputeAdapter;
  target(bindingId: string): ComputeTarget;
  /** Wait before trusting "not found" on a binding a submit may have reached (eventually consistent listings). */
  settleMs: number;
  /** Longest one provider or claim-store call may take before it counts as failed. */
  attemptTimeoutMs: number;
  /** How often a caller waiting on another holder re-reads the claim. */
  claimPollMs: number;
  /** How long after its holder's deadline a claim stays leased. */
  leaseGraceMs: number;
  /** Every binding of the cluster (for the best-effort look-up of jobs started without this claim store). */
  bindings: readonly string[];
  /** Longest wait for that look-up before the first submit. */
  sweepTimeoutMs: number;
}

export interface SubmitOutcome {
  binding: string;
  status: JobStatus;
  existing: boolean;
}

const RETRY: unique symbol = Symbol('retry');
const CONFLICTED: unique symbol = Symbol('conflicted');

/** Thrown inside {@link hold} when another caller now owns the claim: start over from reading it. */
class LostClaim extends Error {}

/**
 * Submits one key under its claim. The claim, created with create-if-absent in a
 * store every binding and host shares, pins the one binding the job may start on:
 *
 * - no claim → create it on the router's first candidate and become its holder;
 * - a claim with a job id → that job (`existing: true`), whatever state its binding is in;
 * - a claim whose holder is still working (lease) → wait for it, looking the key up
 *   on the pinned binding meanwhile; after the lease → take over (conditional update);
 * - the holder does the idempotency once, as find → create → find: it looks the key
 *   up on the pinned binding (and, for a fresh claim, on every other binding), asks the
 *   adapter to create the job there, and if the adapter answers ALREADY_EXISTS (the key's
 *   job is there already) looks it up again and returns it (`existing: true`). Adapters
 *   never look up inside `submit`. The holder records the job id on the claim. It moves
 *   the claim to the next candidate only when it knows nothing was sent to the pinned
 *   binding (the lookup failed, or the provider refused the submit); after an ambiguous
 *   failure, or ALREADY_EXISTS, it stays until the binding answers.
 */
export async function claimedSubmit(
  deps: ClaimedSubmitDeps,
  key: string,
  request: ComputeJobRequest,
  route: RouteRequest,
  deadline: Deadline,
): Promise<SubmitOutcome> {
  const run = new ClaimedSubmit(deps, key, request, route, deadline);
  return run.run();
}

class ClaimedSubmit {
  readonly me = randomUUID();
  readonly claimKey: string;
  readonly base: ErrorContext;
  lastError: PolycloudError | undefined;
  round = 0;
  attempts = 0;

  constructor(
    readonly deps: ClaimedSubmitDeps,
    readonly key: string,
    readonly request: ComputeJobRequest,
    readonly route: RouteRequest,
    readonly deadline: Deadline,
  ) {
    this.claimKey = `${deps.clusterId}/${key}`;
    this.base = { resource: deps.clusterId, operation: 'submit', key };
  }

  get clock() {
    return this.deps.exec.clock;
  }

  /** Attempt budget: the attempt timeout, but never past the deadline. */
  budget(): number {
    return Math.max(1, Math.min(this.deps.attemptTimeoutMs, this.deadline.remaining()));
  }

  lease(): number {
    return this.deadline.at + this.deps.leaseGraceMs;
  }

  async run(): Promise<SubmitOutcome> {
    for (;;) {
      this.deadline.check(this.lastError);
      const entry = await this.claimCall('claim.get', (s) => this.deps.claims.get(this.claimKey, { signal: s }));
      if (entry === RETRY || entry === CONFLICTED) continue;
      try {
        if (!entry) {
          const candidates = this.candidates();
          const record: ClaimRecord = { v: 1, binding: candidates[0]!, holder: this.me, epoch: 1, leaseUntil: this.lease(), sent: false };
          const created = await this.claimCall('claim.create', (s) => this.deps.claims.create(this.claimKey, record, { signal: s }), ['ALREADY_EXISTS']);
          if (created === RETRY || created === CONFLICTED) continue;
          return await this.hold(created, candidates);
        }
        const r = entry.record;
        if (r.jobId !== undefined) return await this.existing(r);
        // Our own create or takeover whose answer was lost.
        if (r.holder === this.me) return await this.hold(entry);
        if (r.leaseUntil > this.clock.now()) {
          const found = await this.peek(r.binding);
          if (found) return { binding: r.binding, status: found, existing: true };
          await this.pause(this.deps.claimPollMs);
          continue;
        }
        // The holder is gone (lease over) or released it: take over. A lapsed lease
        // means the holder may have been cut mid-submit, so the binding stays pinned.
        const takeover: ClaimRecord = { ...r, holder: this.me, epoch: r.epoch + 1, leaseUntil: this.lease(), sent: r.leaseUntil === 0 ? r.sent : true };
        const taken = await this.claimCall('claim.update', (s) => this.deps.claims.update(this.claimKey, takeover, entry.version, { signal: s }), [
          'CONDITION_NOT_MET',
        ]);
        if (taken === RETRY || taken === CONFLICTED) continue;
        return await this.hold(taken);
      } catch (e) {
        if (e instanceof LostClaim) continue;
        throw e;
      }
    }
  }

  /** The router's candidates for this job (ids), in order. */
  candidates(): string[] {
    const decision = this.deps.exec.router.route(this.route);
    if (decision.candidates.length === 0)
      throw this.lastError ?? new PolycloudError('UNAVAILABLE', 'the router offered no binding for submit', { context: this.base });
    // Core's own check, whatever the router: no job is placed outside its residency.
    return admittedCandidates(this.deps.exec, this.route, decision).map((b) => b.id);
  }

  /** The claim holder's work: find, create (ALREADY_EXISTS → find again), record; move on only when nothing was sent. */
  async hold(start: ClaimEntry, firstCandidates?: string[]): Promise<SubmitOutcome> {
    let entry = start;
    let candidates = firstCandidates ?? this.candidates();
    /** Bindings where a submit of this call may have been accepted (its answer was lost or cut). */
    const ambiguous = new Set<string>();
    /** Bindings whose adapter refused a create with ALREADY_EXISTS: the job is there, only a find may follow. */
    const exists = new Set<string>();
    const settled = new Set<string>();
    const maxAttempts = this.deps.exec.retry.maxAttempts;
    // A fresh claim says nothing about jobs started without this store (an earlier
    // version, a process with a store of its own): look on the other bindings too.
    let sweep = firstCandidates ? this.sweep(entry.record.binding) : undefined;
    for (;;) {
      this.deadline.check(this.lastError);
      const b = entry.record.binding;
      const mayHoldJob = () => ambiguous.has(b) || exists.has(b) || entry.record.sent;
      if (mayHoldJob() && !settled.has(b) && this.deps.settleMs > 0) {
        settled.add(b);
        await this.pause(this.deps.settleMs);
        continue;
      }
      let found: JobStatus | undefined;
      try {
        found = await this.provider(b, 'find', (a, t, s) => a.find(t, this.key, { signal: s }));
      } catch (raw) {
        const error = this.fail(raw);
        if (!error.retryable) return this.release(entry, mayHoldJob(), error);
        if (mayHoldJob()) {
          // Cannot tell whether the job is there: nothing may start elsewhere.
          await this.backoff();
          continue;
        }
        if (++this.attempts >= maxAttempts) return this.release(entry, false, error);
        ({ entry, candidates } = await this.move(entry, candidates, error));
        continue;
      }
      if (found) return this.record(entry, b, found, !ambiguous.has(b));
      if (exists.has(b)) {
        // The provider said a job with this key exists but it does not list yet
        // (eventual consistency): look again, never create a second one.
        await this.backoff();
        continue;
      }
      if (sweep) {
        const elsewhere = await sweep;
        sweep = undefined;
        if (elsewhere)
          return this.record(
            { ...entry, record: { ...entry.record, binding: elsewhere.binding, epoch: entry.record.epoch + 1 } },
            elsewhere.binding,
            elsewhere.status,
            true,
          );
        this.deadline.check(this.lastError);
      }
      this.attempts++;
      let status: JobStatus;
      try {
        status = await this.provider(b, 'submit', (a, t, s) => a.submit(t, this.request, { signal: s }));
      } catch (raw) {
        const error = this.fail(raw);
        if (error.code === 'ALREADY_EXISTS') {
          // Create-or-fail: the key's job is on this binding already (another caller or
          // host, or this call's own earlier attempt whose answer was lost). Find it.
          exists.add(b);
          settled.add(b);
          continue;
        }
        if (!DEFINITELY_REJECTED.has(error.code)) ambiguous.add(b);
        // Capacity on one cloud says nothing about the next: always fail over on it.
        const retryable = error.retryable || error.code === 'QUOTA_EXCEEDED';
        if (!retryable || this.attempts >= maxAttempts) return this.release(entry, mayHoldJob(), error);
        if (mayHoldJob()) {
          // Outcome unknown: stay on this binding, look it up (after settling) and resubmit there.
          settled.delete(b);
          await this.backoff();
          continue;
        }
        ({ entry, candidates } = await this.move(entry, candidates, error));
        continue;
      }
      return this.record(entry, b, status, false);
    }
  }

  /**
   * Best effort: the key looked up on every other binding at once, within
   * `sweepTimeoutMs`; a binding that fails or hangs is skipped (the claim store, not
   * this look-up, is what keeps callers that share it from starting a job twice).
   */
  sweep(except: string): Promise<{ binding: string; status: JobStatus } | undefined> {
    const others = this.deps.bindings.filter((b) => b !== except);
    if (others.length === 0) return Promise.resolve(undefined);
    const budget = Math.max(1, Math.min(this.budget(), this.deps.sweepTimeoutMs));
    return new Promise((resolve) => {
      let pending = others.length;
      let done = false;
      const settle = (value: { binding: string; status: JobStatus } | undefined) => {
        if (done) return;
        done = true;
        this.clock.clearTimeout(timer);
        resolve(value);
      };
      const timer = this.clock.setTimeout(() => settle(undefined), budget);
      for (const b of others) {
        this.provider(b, 'find', (a, t, s) => a.find(t, this.key, { signal: s }), false)
          .then((found) => found && settle({ binding: b, status: found }))
          .catch(() => undefined)
          .finally(() => {
            if (--pending === 0) settle(undefined);
          });
      }
    });
  }

  /** Moves the claim to the next candidate (nothing was sent to the current one). */
  async move(entry: ClaimEntry, candidates: string[], error: PolycloudError): Promise<{ entry: ClaimEntry; candidates: string[] }> {
    const from = entry.record.binding;
    let list = candidates;
    let next = list[list.indexOf(from) + 1];
    if (next === undefined) {
      await this.backoff();
      list = this.candidates();
      next = list[0]!;
      if (next === from) return { entry, candidates: list };
    }
    this.emit('failover', { ...this.base, from, to: next, error });
    const moved: ClaimRecord = { ...entry.record, binding: next, epoch: entry.record.epoch + 1, leaseUntil: this.lease(), sent: false };
    for (;;) {
      const updated = await this.claimCall('claim.update', (s) => this.deps.claims.update(this.claimKey, moved, entry.version, { signal: s }), [
        'CONDITION_NOT_MET',
      ]);
      if (updated === RETRY) {
        // Did the update land before its answer was lost? Read and compare.
        const now = await this.claimCall('claim.get', (s) => this.deps.claims.get(this.claimKey, { signal: s }));
        if (now === RETRY || now === CONFLICTED) continue;
        if (!now || now.record.holder !== this.me) throw new LostClaim();
        if (now.version !== entry.version) return { entry: now, candidates: list };
        continue;
      }
      if (updated === CONFLICTED) {
        const now = await this.claimCall('claim.get', (s) => this.deps.claims.get(this.claimKey, { signal: s }));
        if (now === RETRY || now === CONFLICTED || !now || now.record.holder !== this.me || now.record.epoch !== moved.epoch) throw new LostClaim();
        return { entry: now, candidates: list };
      }
      return { entry: updated, candidates: list };
    }
  }

  /** Records the job id on the claim (best effort: a later caller finds it on the pinned binding anyway). */
  async record(entry: ClaimEntry, binding: string, status: JobStatus, existing: boolean): Promise<SubmitOutcome> {
    const done: ClaimRecord = { ...entry.record, jobId: status.jobId, state: status.state, sent: true, leaseUntil: 0 };
    await this.quietly((s) => this.deps.claims.update(this.claimKey, done, entry.version, { signal: s }));
    return { binding, status, existing };
  }

  /** Gives the claim up (so the next caller need not wait for the lease), then throws `error`. */
  async release(entry: ClaimEntry, sent: boolean, error: PolycloudError): Promise<never> {
    const released: ClaimRecord = { ...entry.record, leaseUntil: 0, sent };
    await this.quietly((s) => this.deps.claims.update(this.claimKey, released, entry.version, { signal: s }));
    throw error;
  }

  /** A claim with a job id: that job, with a fresh status if its binding answers in time. */
  async existing(r: ClaimRecord): Promise<SubmitOutcome> {
    const jobId = r.jobId!;
    try {
      const status = await this.provider(r.binding, 'status', (a, t, s) => a.status(t, jobId, { signal: s }), false);
      return { binding: r.binding, status, existing: true };
    } catch {
      return { binding: r.binding, status: { jobId, idempotencyKey: this.key, state: r.state ?? 'PENDING' }, existing: true };
    }
  }

  /** While another caller holds the claim: is the job already on the pinned binding? (read-only) */
  async peek(binding: string): Promise<JobStatus | undefined> {
    try {
      return await this.provider(binding, 'find', (a, t, s) => a.find(t, this.key, { signal: s }), false);
    } catch (raw) {
      this.fail(raw);
      return undefined;
    }
  }

  /** One provider call under the attempt timeout, with router feedback and an `operation` event. */
  async provider<T>(bindingId: string, op: string, fn: (a: ComputeAdapter, t: ComputeTarget, s: AbortSignal) => Promise<T>, report = true): Promise<T> {
    const adapter = this.deps.adapter(bindingId);
    const where = { ...this.base, binding: bindingId, provider: adapter.type, operation: op };
    const router = this.deps.exec.router;
    const started = this.clock.now();
    if (report) router.onStart?.(this.deps.clusterId, bindingId);
    try {
      const result = await withAttemptTimeout(this.clock, this.deadline.signal, this.budget(), where, (s) => fn(adapter, this.deps.target(bindingId), s));
      const durationMs = this.clock.now() - started;
      if (report) this.notify(() => router.report(this.deps.clusterId, bindingId, { ok: true, latencyMs: durationMs }));
      if (this.deps.exec.events.listenerCount('operation') > 0) this.emit('operation', { ...where, ok: true, durationMs, attempt: this.attempts + 1 });
      return result;
    } catch (raw) {
      if (this.deadline.signal.aborted) throw this.deadline.error(this.lastError ?? raw);
      const error = toPolycloudError(raw, where);
      if (report) this.notify(() => router.report(this.deps.clusterId, bindingId, { ok: false, latencyMs: this.clock.now() - started, error }));
      this.emit('operation', { ...where, ok: false, durationMs: this.clock.now() - started, attempt: this.attempts + 1, error });
      throw error;
    }
  }

  /** One claim-store call: RETRY after a retryable failure (backed off), CONFLICTED on an expected conflict code. */
  async claimCall<T>(op: string, fn: (s: AbortSignal) => Promise<T>, conflicts: ErrorCode[] = []): Promise<T | typeof RETRY | typeof CONFLICTED> {
    try {
      return await withAttemptTimeout(this.clock, this.deadline.signal, this.budget(), { ...this.base, operation: op }, fn);
    } catch (raw) {
      if (this.deadline.signal.aborted) throw this.deadline.error(this.lastError ?? raw);
      const error = toPolycloudError(raw, { ...this.base, operation: op });
      if (conflicts.some((c) => isPolycloudError(error, c))) return CONFLICTED;
      this.lastError = error;
      if (!error.retryable) throw error;
      await this.backoff();
      return RETRY;
    }
  }

  fail(raw: unknown): PolycloudError {
    const error = toPolycloudError(raw, this.base);
    this.lastError = error;
    return error;
  }

  async backoff(): Promise<void> {
    const delayMs = backoffDelay(++this.round, this.deps.exec.retry, this.deps.exec.random);
    if (this.lastError) this.emit('retry', { ...this.base, attempt: this.attempts + 1, delayMs, error: this.lastError });
    await this.pause(delayMs);
  }

  /** Sleeps on the instance's clock, but never past the deadline (then TIMEOUT / ABORTED). */
  async pause(ms: number): Promise<void> {
    try {
      await sleep(this.clock, Math.min(ms, this.deadline.remaining()), this.deadline.signal);
    } catch {
      throw this.deadline.error(this.lastError);
    }
    this.deadline.check(this.lastError);
  }

  async quietly(fn: (s: AbortSignal) => Promise<unknown>): Promise<void> {
    try {
      await withAttemptTimeout(this.clock, this.deadline.signal, this.budget(), this.base, fn);
    } catch {
      // best effort
    }
  }

  emit(event: 'failover' | 'retry' | 'operation', payload: object): void {
    this.notify(() => (this.deps.exec.events.emit as (e: string, p: object) => void)(event, payload));
  }

  notify(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      try {
        this.deps.exec.events.emit('listenerError', { error });
      } catch {
        // nothing more to tell
      }
    }
  }
}
