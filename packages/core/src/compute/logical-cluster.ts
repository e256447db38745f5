import { z } from 'zod';
import { bindingEntry } from '../facade/lookup.js';
import type { ComputeAdapter, ComputeTarget, JobStatus } from '../adapter/compute-adapter.js';
import { TERMINAL_JOB_STATES } from '../adapter/compute-adapter.js';
import { sleep } from '../clock.js';
import type { ErrorCode } from '../errors/codes.js';
import { parseWithSchema } from '../errors/from-zod.js';
import { isPolycloudError, PolycloudError, toPolycloudError } from '../errors/polycloud-error.js';
import { AbortSignalSchema } from '../facade/call-schemas.js';
import { type CallOptions, execute, type ExecutionContext } from '../facade/execute.js';
import type { OperationKind, RouteExplanation, RouteRequest } from '../routing/router.js';
import type { Binding } from '../urm/binding.js';
import type { LogicalCluster } from '../urm/resources.js';
import { type JobEvent, type JobHandle, jobEventType } from './events.js';
import { type DataJob, deriveIdempotencyKey, IDEMPOTENCY_KEY, parseDataJob, toComputeJobRequest } from './spec.js';

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
   * How long the pre-submit lookup waits for each binding (ms, default 5000). A
   * binding that does not answer in time counts as not holding the job — the price
   * of failing over during an outage (see docs/compute.md, "Idempotency").
   */
  lookupTimeoutMs?: number;
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
  signal,
  timeoutMs: z.number().int().positive().max(24 * 3_600_000).optional(),
  idempotencyKey: z.string().regex(IDEMPOTENCY_KEY, 'a lowercase letter, then lowercase letters, digits and single hyphens, ending in a letter or digit, at most 63').optional(),
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

/** Codes that mean the provider refused the submit, so it certainly started nothing. */
const DEFINITELY_REJECTED = new Set<ErrorCode>([
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

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string, path: string): T {
  return parseWithSchema(schema, value ?? {}, `invalid ${what}`, { code: 'INVALID_ARGUMENT', pathPrefix: [path] }) as T;
}

/**
 * The application's handle on a LogicalCluster: submits DataJobs through the
 * Router (price, load, region, residency), idempotently and with failover, and
 * follows them. A job is never started twice for one idempotency key: every
 * binding is searched for the key before the first submit, and a submit whose
 * outcome is unknown (timeout, lost connection) is looked up on that binding
 * before anything is submitted anywhere else.
 */
export class LogicalClusterClient {
  readonly id: string;
  readonly resource: LogicalCluster;
  readonly #deps: LogicalClusterDeps;
  readonly #settleMs: number;
  readonly #pollMs: number;
  readonly #lookupTimeoutMs: number;

  constructor(deps: LogicalClusterDeps) {
    this.#deps = deps;
    this.resource = deps.resource;
    this.id = deps.resource.resource_id;
    this.#settleMs = deps.options?.lookupSettleMs ?? 1000;
    this.#pollMs = deps.options?.pollIntervalMs ?? 2000;
    this.#lookupTimeoutMs = deps.options?.lookupTimeoutMs ?? 5000;
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
    return deriveIdempotencyKey(parseDataJob(job));
  }

  /** Bindings this job may go to: `spec.cloud` (a binding id or cloud label) and each adapter's size limits. */
  eligibleBindings(job: DataJob): string[] {
    let bindings = this.resource.providers;
    if (job.cloud !== undefined) {
      bindings = bindings.filter((b) => b.id === job.cloud || b.cloud === job.cloud);
      if (bindings.length === 0) {
        throw new PolycloudError('CONFIG_INVALID', `spec.cloud "${job.cloud}" names no binding of cluster ${this.id} (bindings: ${this.resource.providers.map((b) => b.id).join(', ')})`, {
          context: { resource: this.id, path: ['spec', 'cloud'], issues: [{ path: ['spec', 'cloud'], message: `no binding "${job.cloud}"` }] },
          retryable: false,
        });
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
   * Submits a DataJob (YAML / JSON text, manifest object or parsed DataJob). Returns
   * the existing job if one with the same idempotency key is found on any binding.
   * A retryable or capacity failure (QUOTA_EXCEEDED, UNAVAILABLE, RATE_LIMITED…)
   * fails over to the router's next candidate.
   */
  async submit(input: string | object | DataJob, options: SubmitOptions = {}): Promise<SubmittedJob> {
    const opts = parse(SubmitOptionsSchema, options, 'submit options', 'options');
    const job = parseDataJob(input);
    const key = opts.idempotencyKey ?? deriveIdempotencyKey(job);
    const request = toComputeJobRequest(job, key);
    const routeRequest = this.#routeRequest(job, key, opts.tags);
    // Placement must be lawful before anything is looked up or started.
    this.#deps.exec.router.route(routeRequest);

    const previous = await this.#findAnywhere(key, opts.signal);
    if (previous) return this.#submitted(previous.binding, key, previous.status, true);

    const ambiguous = new Set<string>();
    const settled = new Set<string>();
    const verify = async (bindingId: string, s: AbortSignal) => {
      const settle = !settled.has(bindingId);
      settled.add(bindingId);
      return this.#verify(bindingId, key, s, settle);
    };
    const outcome = await execute(
      this.#deps.exec,
      routeRequest,
      opts,
      async ({ binding, signal: attemptSignal }) => {
        for (const other of ambiguous) {
          const found = await verify(other, attemptSignal);
          if (found) return { binding: other, status: found, existing: false };
        }
        const adapter = this.adapter(binding.id);
        const target = this.target(binding);
        const prior = await adapter.find(target, key, { signal: attemptSignal });
        if (prior) return { binding: binding.id, status: prior, existing: true };
        try {
          return { binding: binding.id, status: await adapter.submit(target, request, { signal: attemptSignal }), existing: false };
        } catch (raw) {
          const error = toPolycloudError(raw, { resource: this.id, binding: binding.id, provider: adapter.type, operation: 'submit', key });
          if (!DEFINITELY_REJECTED.has(error.code)) {
            ambiguous.add(binding.id);
            if (!attemptSignal.aborted) {
              const found = await verify(binding.id, attemptSignal).catch(() => undefined);
              if (found) return { binding: binding.id, status: found, existing: false };
            }
          }
          // Capacity on one cloud says nothing about the next: always fail over on it.
          if (error.code === 'QUOTA_EXCEEDED' && !error.retryable) {
            throw new PolycloudError(error.code, error.message, { cause: error.cause, context: error.context, retryable: true });
          }
          throw error;
        }
      },
      { provider: (b) => this.adapter(b.id).type },
    );
    return this.#submitted(outcome.binding, key, outcome.status, outcome.existing);
  }

  /**
   * Why a job would go where it goes: the router's explanation (verdicts, weights,
   * the chosen binding) for this job's tags, size and `spec.cloud`, without submitting.
   */
  explain(input: string | object | DataJob, options: Pick<SubmitOptions, 'idempotencyKey' | 'tags'> = {}): RouteExplanation {
    const opts = parse(SubmitOptionsSchema, options, 'explain options', 'options');
    const job = parseDataJob(input);
    return this.#deps.exec.router.explain(this.#routeRequest(job, opts.idempotencyKey ?? deriveIdempotencyKey(job), opts.tags));
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
    for (;;) {
      const status = await this.status(h, opts.signal ? { signal: opts.signal } : {});
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
      const remaining = deadline === undefined ? pollMs : deadline - clock.now();
      if (remaining <= 0) {
        throw new PolycloudError('TIMEOUT', `job ${h.jobId} did not finish within ${opts.timeoutMs} ms (it keeps running)`, {
          context: { resource: this.id, binding: h.binding, operation: 'wait', key: h.idempotencyKey },
          retryable: true,
        });
      }
      // The system clock's timers are unref'd; a process whose only work is waiting for a
      // job must not exit between polls, so hold a referenced timer while sleeping.
      const keepAlive = setInterval(() => {}, 1 << 30);
      try {
        await sleep(clock, Math.min(pollMs, remaining), opts.signal);
      } catch (e) {
        throw new PolycloudError('ABORTED', 'wait was aborted', { cause: e, context: { resource: this.id, operation: 'wait', key: h.idempotencyKey }, retryable: false });
      } finally {
        clearInterval(keepAlive);
      }
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
      throw new PolycloudError('INVALID_ARGUMENT', `handle belongs to ${h.resource}, not ${this.id}`, { context: { path: ['handle', 'resource'] }, retryable: false });
    }
    this.binding(h.binding);
    return { resource: h.resource, binding: h.binding, jobId: h.jobId, idempotencyKey: h.idempotencyKey };
  }

  #onBinding<T>(operation: OperationKind, h: JobHandle, opts: CallOptions, run: (adapter: ComputeAdapter, target: ComputeTarget, signal: AbortSignal) => Promise<T>): Promise<T> {
    return execute(
      this.#deps.exec,
      { resource: this.resource, operation, key: h.idempotencyKey, tags: {}, only: [h.binding] },
      opts,
      ({ binding, signal: s }) => run(this.adapter(binding.id), this.target(binding), s),
      { provider: (b) => this.adapter(b.id).type },
    );
  }

  #submitted(binding: string, key: string, status: JobStatus, existing: boolean): SubmittedJob {
    const handle: JobHandle = { resource: this.id, binding, jobId: status.jobId, idempotencyKey: key };
    const event: JobEvent = { ...handle, type: 'submitted', status, existing };
    this.#deps.exec.events.emit('job', event);
    return { ...handle, status, existing };
  }

  /** Looks the key up on every binding (a crashed or timed-out earlier submit may have placed it anywhere). Unreachable bindings are skipped. */
  async #findAnywhere(key: string, userSignal?: AbortSignal): Promise<{ binding: string; status: JobStatus } | undefined> {
    // Bounded by lookupTimeoutMs on the instance's clock, so a hanging binding cannot
    // stall every submit; the caller's signal still aborts it.
    const controller = new AbortController();
    const clock = this.#deps.exec.clock;
    const timer = clock.setTimeout(() => controller.abort(Object.assign(new Error('lookup timed out'), { name: 'TimeoutError' })), this.#lookupTimeoutMs);
    const onAbort = () => controller.abort(userSignal?.reason);
    if (userSignal?.aborted) onAbort();
    else userSignal?.addEventListener('abort', onAbort, { once: true });
    const timedOut = new Promise<undefined>((resolve) => controller.signal.addEventListener('abort', () => resolve(undefined), { once: true }));
    try {
      const results = await Promise.all(
        this.resource.providers.map(async (b) => {
          try {
            const found = await Promise.race([this.adapter(b.id).find(this.target(b), key, { signal: controller.signal }), timedOut]);
            return found && { binding: b.id, status: found };
          } catch (e) {
            if (isPolycloudError(e, 'ABORTED') && userSignal?.aborted) throw toPolycloudError(e, { resource: this.id, operation: 'submit', key });
            return undefined;
          }
        }),
      );
      if (userSignal?.aborted) throw new PolycloudError('ABORTED', 'submit was aborted', { context: { resource: this.id, operation: 'submit', key } });
      return results.find((r) => r !== undefined);
    } finally {
      clock.clearTimeout(timer);
      userSignal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Looks up a key on a binding whose submit outcome is unknown, after the settle
   * delay. If the binding cannot answer, nothing may be submitted elsewhere: throws
   * UNAVAILABLE (retryable), so the executor backs off and asks again.
   */
  async #verify(bindingId: string, key: string, s: AbortSignal, settle: boolean): Promise<JobStatus | undefined> {
    if (settle && this.#settleMs > 0) await sleep(this.#deps.exec.clock, this.#settleMs, s);
    const binding = this.binding(bindingId);
    try {
      return await this.adapter(bindingId).find(this.target(binding), key, { signal: s });
    } catch (e) {
      throw new PolycloudError('UNAVAILABLE', `cannot tell whether binding ${bindingId} accepted job ${key}; not submitting elsewhere until it answers`, {
        cause: e,
        context: { resource: this.id, binding: bindingId, operation: 'submit', key },
        retryable: true,
      });
    }
  }
}
