import { z } from 'zod';
import { bindingEntry } from '../facade/lookup.js';
import type { ComputeAdapter, ComputeTarget, JobStatus } from '../adapter/compute-adapter.js';
import { TERMINAL_JOB_STATES } from '../adapter/compute-adapter.js';
import { sleep } from '../clock.js';
import { parseWithSchema } from '../errors/from-zod.js';
import { PolycloudError, toPolycloudError } from '../errors/polycloud-error.js';
import { registerSecrets } from '../errors/redact.js';
import { AbortSignalSchema, callOptionsShape } from '../facade/call-schemas.js';
import { admittedCandidates, type CallOptions, execute, type ExecutionContext } from '../facade/execute.js';
import { backoffDelay } from '../facade/retry.js';
import { claimedSubmit, type SubmitOutcome } from './claimed-submit.js';
import type { ClaimStore } from './claims/claim-store.js';
import { createMemoryClaimStore } from './claims/memory-claim-store.js';
import { verifyClaimStore } from './claims/verify.js';
import { bounded, Deadline } from './deadline.js';
import type { OperationKind, RouteExplanation, RouteRequest } from '../routing/router.js';
import type { Binding } from '../urm/binding.js';
import type { LogicalCluster } from '../urm/resources.js';
import { type JobEvent, type JobHandle, jobEventType } from './events.js';
import { type DataJob, deriveIdempotencyKey, IDEMPOTENCY_KEY, IDEMPOTENCY_SECRET_ENV, parseDataJob, toComputeJobRequest } from './spec.js';

export interface LogicalClusterOptions {
  /**
   * After a submit failed in a way that leaves it unknown whether the provider
   * accepted the job (timeout, connection lost), wait this long before looking the
   * job up, so an eventually consistent listing (AWS Batch ListJobs) can show it.
   * Default 1000 ms.
   */
  lookupSettleMs?: number;
  /** Default poll interval of `wait` / `watch`. Default 2000 ms. */
  pollIntervalMs?: number;
  /**
   * Longest one provider call (find, submit, status, cancel) or claim-store call may
   * take before the attempt is cut and the call fails over (or retries), whichever
   * router is plugged in. Never longer than what is left of the call's deadline.
   * Default: the instance's `attemptTimeoutMs`, else 10 000 ms.
   */
  attemptTimeoutMs?: number;
  /** @deprecated Use `attemptTimeoutMs` (taken as it when that is not given). */
  lookupTimeoutMs?: number;
  /**
   * Where "this key was submitted" is recorded: one claim per idempotency key, created
   * with create-if-absent. Default: an in-memory store shared by every cluster client
   * of this polycloud instance (one host). For several host processes pass one store
   * they share, e.g. `createStorageClaimStore({ adapter, bucket })`; a shared store
   * must pass a conditional-write self-test before the first submit.
   */
  claims?: ClaimStore;
  /**
   * Secret key of the idempotency key's HMAC (at least 16 characters), the same on
   * every host. Default: the `POLYCLOUD_IDEMPOTENCY_SECRET` environment variable.
   * Without one, the values of secret-looking env variables are left out of the key.
   */
  idempotencySecret?: string;
  /** How often a submit waiting for another caller's claim looks again. Default 250 ms. */
  claimPollMs?: number;
}

export interface SubmitOptions extends CallOptions {
  /** Overrides the derived key (`[a-z]`, then letters, digits, single hyphens; at most 63). */
  idempotencyKey?: string;
  /** Extra routing tags, merged over the cluster's and the job's. */
  tags?: Record<string, string>;
}

export interface WaitOptions {
  pollIntervalMs?: number;
  signal?: AbortSignal;
  /** Give up (TIMEOUT) after this long; the job keeps running. */
  timeoutMs?: number;
}

/** What `submit` returns: the handle plus the status the provider reported. */
export interface SubmittedJob extends JobHandle {
  status: JobStatus;
  /** True when a job with this idempotency key already existed, so nothing new was started. */
  existing: boolean;
}

export interface LogicalClusterDeps {
  resource: LogicalCluster;
  /** Adapter behind each binding id. */
  adapters: ReadonlyMap<string, ComputeAdapter>;
  exec: ExecutionContext;
  options?: LogicalClusterOptions;
}

const signal = AbortSignalSchema;
const SubmitOptionsSchema = z.looseObject({
  ...callOptionsShape,
  idempotencyKey: z
    .string()
    .regex(IDEMPOTENCY_KEY, 'a lowercase letter, then lowercase letters, digits and single hyphens, ending in a letter or digit, at most 63')
    .optional(),
  tags: z.record(z.string().min(1), z.string()).optional(),
});
const WaitOptionsSchema = z.looseObject({
  signal,
  pollIntervalMs: z.number().int().min(1).max(3_600_000).optional(),
  timeoutMs: z.number().int().positive().optional(),
});
const CallOptionsSchema = z.looseObject({ signal, timeoutMs: z.number().int().positive().optional() });
const HandleSchema = z.looseObject({
  resource: z.string().min(1),
  binding: z.string().min(1),
  jobId: z.string().min(1),
  idempotencyKey: z.string().min(1),
});

const ms = z.number().int().min(0).max(3_600_000);
const ClusterOptionsSchema = z.strictObject({
  lookupSettleMs: ms.optional(),
  pollIntervalMs: z.number().int().min(1).max(3_600_000).optional(),
  attemptTimeoutMs: z.number().int().positive().max(3_600_000).optional(),
  lookupTimeoutMs: z.number().int().positive().max(3_600_000).optional(),
  claims: z
    .custom<ClaimStore>(
      (v) => typeof v === 'object' && v !== null && ['get', 'create', 'update'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
      'expected a ClaimStore (get, create, update)',
    )
    .optional(),
  idempotencySecret: z.string().min(16, 'at least 16 characters').optional(),
  claimPollMs: z.number().int().min(1).max(60_000).optional(),
});

/** The default claim store: one per polycloud instance (its execution context). */
const defaultClaims = new WeakMap<ExecutionContext, ClaimStore>();
/** Submits in flight per claim store and claim key: concurrent callers in this process share one. */
const inFlight = new WeakMap<ClaimStore, Map<string, Promise<SubmitOutcome>>>();

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string, path: string): T {
  return parseWithSchema(schema, value ?? {}, `invalid ${what}`, { code: 'INVALID_ARGUMENT', pathPrefix: [path] }) as T;
}

/**
 * The application's handle on a LogicalCluster: submits DataJobs through the
 * Router (price, load, region, residency), idempotently and with failover, and
 * follows them. A job is never started twice for one idempotency key. The client
 * does the idempotency once, as find → create → find: every binding is searched for
 * the key before the first create (the claimed binding only, once a claim pins one),
 * the adapter creates the job or refuses with ALREADY_EXISTS (then the job is looked
 * up again and returned as `existing`), and a create whose outcome is unknown
 * (timeout, lost connection) is looked up on that binding before anything is
 * submitted anywhere else. Adapters do not look up inside `submit`.
 */
export class LogicalClusterClient {
  readonly id: string;
  readonly resource: LogicalCluster;
  readonly #deps: LogicalClusterDeps;
  readonly #settleMs: number;
  readonly #pollMs: number;
  readonly #attemptTimeoutMs: number;
  readonly #claimPollMs: number;
  readonly #claims: ClaimStore;
  readonly #secret: string | undefined;
  /** The instance's execution context, with this cluster's attempt timeout for status / cancel. */
  readonly #exec: ExecutionContext;

  constructor(deps: LogicalClusterDeps) {
    this.#deps = deps;
    this.resource = deps.resource;
    this.id = deps.resource.resource_id;
    const o = parse(ClusterOptionsSchema, deps.options, 'cluster options', 'options');
    this.#settleMs = o.lookupSettleMs ?? 1000;
    this.#pollMs = o.pollIntervalMs ?? 2000;
    this.#attemptTimeoutMs = o.attemptTimeoutMs ?? o.lookupTimeoutMs ?? deps.exec.attemptTimeoutMs ?? 10_000;
    this.#claimPollMs = o.claimPollMs ?? 250;
    let claims = o.claims ?? defaultClaims.get(deps.exec);
    if (!claims) defaultClaims.set(deps.exec, (claims = createMemoryClaimStore()));
    this.#claims = claims;
    const envSecret = process.env[IDEMPOTENCY_SECRET_ENV];
    this.#secret = o.idempotencySecret ?? (envSecret !== undefined && envSecret.length >= 16 ? envSecret : undefined);
    if (this.#secret) registerSecrets([this.#secret]);
    this.#exec = { ...deps.exec, attemptTimeoutMs: deps.exec.attemptTimeoutMs ?? this.#attemptTimeoutMs };
  }

  /** The claim store this cluster records submissions in. */
  get claims(): ClaimStore {
    return this.#claims;
  }

  /** The adapter serving a binding of this cluster. */
  adapter(bindingId: string): ComputeAdapter {
    return bindingEntry((id) => this.#deps.adapters.get(id), 'cluster', this.id, bindingId);
  }

  binding(bindingId: string): Binding {
    return bindingEntry((id) => this.resource.providers.find((p) => p.id === id), 'cluster', this.id, bindingId);
  }

  /** The adapter-level target of a binding. */
  target(binding: Binding): ComputeTarget {
    return { physicalId: binding.physical_id, ...(binding.region ? { region: binding.region } : {}), options: binding.options ?? {} };
  }

  /** The idempotency key `submit` would use for this job. */
  idempotencyKey(job: string | object | DataJob): string {
    return deriveIdempotencyKey(parseDataJob(job), this.#secret);
  }

  /** Bindings this job may go to: `spec.cloud` (a binding id or cloud label) and each adapter's size limits. */
  eligibleBindings(job: DataJob): string[] {
    let bindings = this.resource.providers;
    if (job.cloud !== undefined) {
      bindings = bindings.filter((b) => b.id === job.cloud || b.cloud === job.cloud);
      if (bindings.length === 0) {
        throw new PolycloudError(
          'CONFIG_INVALID',
          `spec.cloud "${job.cloud}" names no binding of cluster ${this.id} (bindings: ${this.resource.providers.map((b) => b.id).join(', ')})`,
          {
            context: { resource: this.id, path: ['spec', 'cloud'], issues: [{ path: ['spec', 'cloud'], message: `no binding "${job.cloud}"` }] },
            retryable: false,
          },
        );
      }
    }
    const fitting = bindings.filter((b) => {
      const caps = this.adapter(b.id).capabilities;
      return job.cpu <= caps.maxCpu && job.memoryMiB <= caps.maxMemoryMiB;
    });
    if (fitting.length === 0) {
      throw new PolycloudError('UNSUPPORTED', `no binding of cluster ${this.id} takes ${job.cpu} vCPU / ${job.memoryMiB} MiB`, {
        context: { resource: this.id, operation: 'submit', path: ['spec', 'resources'] },
        retryable: false,
      });
    }
    return fitting.map((b) => b.id);
  }

  /**
   * Submits a DataJob (YAML / JSON text, manifest object or parsed DataJob). Every
   * submit of a key reads or creates the key's claim before touching a provider, so
   * the job starts on one binding at most, whichever binding, caller or host submits
   * it; `existing` is false only for the caller whose submit started it. A retryable
   * or capacity failure (QUOTA_EXCEEDED, UNAVAILABLE, a hung binding cut at the
   * attempt timeout…) fails over to the router's next candidate when nothing was sent.
   */
  async submit(input: string | object | DataJob, options: SubmitOptions = {}): Promise<SubmittedJob> {
    const opts = parse(SubmitOptionsSchema, options, 'submit options', 'options');
    const job = parseDataJob(input);
    const key = opts.idempotencyKey ?? deriveIdempotencyKey(job, this.#secret);
    const request = toComputeJobRequest(job, key);
    const routeRequest = this.#routeRequest(job, key, opts.tags);
    // Placement must be lawful before anything is looked up or started, whatever the router.
    admittedCandidates(this.#deps.exec, routeRequest, this.#deps.exec.router.route(routeRequest));
    const exec = this.#deps.exec;
    const deadline = new Deadline(exec.clock, opts.timeoutMs ?? exec.timeoutMs, opts.signal, { resource: this.id, operation: 'submit', key });
    try {
      const outcome = await this.#submitOnce(key, request, routeRequest, deadline);
      return this.#submitted(outcome.binding, key, outcome.status, outcome.existing);
    } catch (e) {
      const error = toPolycloudError(e, { resource: this.id, operation: 'submit', key });
      try {
        exec.events.emit('error', { resource: this.id, operation: 'submit', key, error });
      } catch {
        // a throwing listener does not change the outcome
      }
      throw error;
    } finally {
      deadline.dispose();
    }
  }

  /** Joins a submit of the same key already in flight in this process, or runs one under the claim. */
  async #submitOnce(key: string, request: ReturnType<typeof toComputeJobRequest>, route: RouteRequest, deadline: Deadline): Promise<SubmitOutcome> {
    const claims = this.#claims;
    for (let round = 1; claims.shared; round++) {
      try {
        await bounded(verifyClaimStore(claims, { signal: deadline.signal }), deadline.signal);
        break;
      } catch (raw) {
        if (deadline.signal.aborted) throw deadline.error(raw);
        const e = toPolycloudError(raw, { resource: this.id, operation: 'claim.self-test', path: ['claims'] });
        // ABORTED here is another caller's signal ending the shared self-test: try again.
        if (!(e.retryable || e.code === 'ABORTED')) throw e;
        // The store could not be reached: the self-test is retried, never skipped.
        try {
          await sleep(
            this.#deps.exec.clock,
            Math.min(backoffDelay(round, this.#deps.exec.retry, this.#deps.exec.random), deadline.remaining()),
            deadline.signal,
          );
        } catch {
          throw deadline.error(e);
        }
      }
    }
    let running = inFlight.get(claims);
    if (!running) inFlight.set(claims, (running = new Map()));
    const claimKey = `${this.id}/${key}`;
    const leader = running.get(claimKey);
    if (leader) {
      try {
        const outcome = await bounded(leader, deadline.signal);
        return { ...outcome, existing: true };
      } catch (e) {
        if (deadline.signal.aborted) throw deadline.error(e);
        // The leader failed (its own deadline, a refusal): try ourselves, under the claim.
      }
    }
    const mine = claimedSubmit(
      {
        clusterId: this.id,
        exec: this.#deps.exec,
        claims,
        adapter: (id) => this.adapter(id),
        target: (id) => this.target(this.binding(id)),
        settleMs: this.#settleMs,
        attemptTimeoutMs: this.#attemptTimeoutMs,
        claimPollMs: this.#claimPollMs,
        leaseGraceMs: 1000,
        bindings: this.resource.providers.map((b) => b.id),
        sweepTimeoutMs: Math.min(this.#attemptTimeoutMs, 2000),
      },
      key,
      request,
      route,
      deadline,
    );
    running.set(claimKey, mine);
    try {
      return await mine;
    } finally {
      if (running.get(claimKey) === mine) running.delete(claimKey);
    }
  }

  /**
   * Why a job would go where it goes: the router's explanation (verdicts, weights,
   * the chosen binding) for this job's tags, size and `spec.cloud`, without submitting.
   */
  explain(input: string | object | DataJob, options: Pick<SubmitOptions, 'idempotencyKey' | 'tags'> = {}): RouteExplanation {
    const opts = parse(SubmitOptionsSchema, options, 'explain options', 'options');
    const job = parseDataJob(input);
    return this.#deps.exec.router.explain(this.#routeRequest(job, opts.idempotencyKey ?? deriveIdempotencyKey(job, this.#secret), opts.tags));
  }

  #routeRequest(job: DataJob, key: string, tags: Record<string, string> | undefined): RouteRequest {
    return {
      resource: this.resource,
      operation: 'submit',
      key,
      tags: { ...this.resource.tags, ...job.tags, ...(tags ?? {}) },
      job: { cpu: job.cpu, memoryMiB: job.memoryMiB },
      only: this.eligibleBindings(job),
    };
  }

  /** Current status of a job (on the binding it was placed on; retried on transient errors). */
  async status(handle: JobHandle, options: CallOptions = {}): Promise<JobStatus> {
    const h = this.#handle(handle);
    const opts = parse(CallOptionsSchema, options, 'status options', 'options');
    return this.#onBinding('status', h, opts, (adapter, target, s) => adapter.status(target, h.jobId, { signal: s }));
  }

  /** Stops a job. Idempotent: a finished or already cancelled job is success. */
  async cancel(handle: JobHandle, options: CallOptions = {}): Promise<void> {
    const h = this.#handle(handle);
    const opts = parse(CallOptionsSchema, options, 'cancel options', 'options');
    const adapter = this.adapter(h.binding);
    if (!adapter.capabilities.cancel) {
      throw new PolycloudError('UNSUPPORTED', `the ${adapter.type} adapter of binding ${h.binding} cannot cancel jobs`, {
        context: { resource: this.id, binding: h.binding, operation: 'cancel' },
        retryable: false,
      });
    }
    await this.#onBinding('cancel', h, opts, (a, target, s) => a.cancel(target, h.jobId, { signal: s }));
  }

  /**
   * Polls the job and yields a `job` event on each state change (`running`,
   * `succeeded`, `failed`, `cancelled`), also emitted on the Polycloud emitter;
   * ends after a terminal state. TIMEOUT after `timeoutMs`, ABORTED on `signal`.
   */
  async *watch(handle: JobHandle, options: WaitOptions = {}): AsyncGenerator<JobEvent, JobStatus, void> {
    const h = this.#handle(handle);
    const opts = parse(WaitOptionsSchema, options, 'watch options', 'options');
    const clock = this.#deps.exec.clock;
    const pollMs = opts.pollIntervalMs ?? this.#pollMs;
    const deadline = opts.timeoutMs === undefined ? undefined : clock.now() + opts.timeoutMs;
    let last: JobStatus['state'] | undefined;
    let lastError: PolycloudError | undefined;
    const timedOut = (cause?: unknown) =>
      new PolycloudError('TIMEOUT', `job ${h.jobId} did not finish within ${opts.timeoutMs} ms (it keeps running)`, {
        ...(cause === undefined ? {} : { cause }),
        context: { resource: this.id, binding: h.binding, operation: 'wait', key: h.idempotencyKey },
        retryable: true,
      });
    const aborted = (cause: unknown) =>
      new PolycloudError('ABORTED', 'wait was aborted', { cause, context: { resource: this.id, operation: 'wait', key: h.idempotencyKey }, retryable: false });
    for (;;) {
      let status: JobStatus | undefined;
      // Each status call is bounded by what is left of the wait; a transient failure
      // (outage, hung call cut by its deadline) is polled through until the timeout.
      const left = deadline === undefined ? undefined : deadline - clock.now();
      if (left !== undefined && left <= 0) throw timedOut(lastError);
      try {
        status = await this.status(h, {
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(left === undefined ? {} : { timeoutMs: Math.max(1, Math.ceil(left)) }),
        });
        lastError = undefined;
      } catch (e) {
        if (opts.signal?.aborted) throw aborted(e);
        const error = toPolycloudError(e, { resource: this.id, binding: h.binding, operation: 'wait', key: h.idempotencyKey });
        if (deadline !== undefined && clock.now() >= deadline) throw timedOut(error);
        if (!error.retryable) throw error;
        lastError = error;
      }
      if (status === undefined) {
        await this.#pause(pollMs, deadline, opts.signal, aborted);
        continue;
      }
      if (status.state !== last) {
        last = status.state;
        const type = jobEventType(status.state);
        if (type) {
          const event: JobEvent = { ...h, type, status };
          this.#deps.exec.events.emit('job', event);
          yield event;
        }
      }
      if (TERMINAL_JOB_STATES.has(status.state)) return status;
      if (deadline !== undefined && deadline - clock.now() <= 0) throw timedOut();
      await this.#pause(pollMs, deadline, opts.signal, aborted);
    }
  }

  /** Sleeps until the next poll (never past the deadline), holding the process alive. */
  async #pause(pollMs: number, deadline: number | undefined, signal: AbortSignal | undefined, aborted: (cause: unknown) => PolycloudError): Promise<void> {
    const clock = this.#deps.exec.clock;
    const remaining = deadline === undefined ? pollMs : Math.max(0, deadline - clock.now());
    // The system clock's timers are unref'd; a process whose only work is waiting for a
    // job must not exit between polls, so hold a referenced timer while sleeping.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      await sleep(clock, Math.min(pollMs, remaining), signal);
    } catch (e) {
      throw aborted(e);
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Resolves with the terminal status (SUCCEEDED, FAILED or CANCELLED). */
  async wait(handle: JobHandle, options: WaitOptions = {}): Promise<JobStatus> {
    const it = this.watch(handle, options);
    for (;;) {
      const next = await it.next();
      if (next.done) return next.value;
    }
  }

  #handle(handle: JobHandle): JobHandle {
    const h = parse(HandleSchema, handle, 'job handle', 'handle');
    if (h.resource !== this.id) {
      throw new PolycloudError('INVALID_ARGUMENT', `handle belongs to ${h.resource}, not ${this.id}`, {
        context: { path: ['handle', 'resource'] },
        retryable: false,
      });
    }
    this.binding(h.binding);
    return { resource: h.resource, binding: h.binding, jobId: h.jobId, idempotencyKey: h.idempotencyKey };
  }

  #onBinding<T>(
    operation: OperationKind,
    h: JobHandle,
    opts: CallOptions,
    run: (adapter: ComputeAdapter, target: ComputeTarget, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return execute(
      this.#exec,
      { resource: this.resource, operation, key: h.idempotencyKey, tags: {}, only: [h.binding] },
      opts,
      // Raced against the attempt's signal: an adapter that ignores it cannot hold the call.
      ({ binding, signal: s }) => bounded(run(this.adapter(binding.id), this.target(binding), s), s),
      { provider: (b) => this.adapter(b.id).type },
    );
  }

  #submitted(binding: string, key: string, status: JobStatus, existing: boolean): SubmittedJob {
    const handle: JobHandle = { resource: this.id, binding, jobId: status.jobId, idempotencyKey: key };
    const event: JobEvent = { ...handle, type: 'submitted', status, existing };
    this.#deps.exec.events.emit('job', event);
    return { ...handle, status, existing };
  }
}
