import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { IDEMPOTENCY_KEY } from './spec.js';
import type { ComputeCapabilities } from '../adapter/capabilities.js';
import type { ComputeAdapter, ComputeJobRequest, ComputeTarget, JobStatus } from '../adapter/compute-adapter.js';
import type { AdapterContext, ComputeAdapterFactory } from '../adapter/registry.js';
import { parseWithSchema } from '../errors/from-zod.js';
import { isPolycloudError, PolycloudError } from '../errors/polycloud-error.js';
import { redact } from '../errors/redact.js';

export const LocalComputeAdapterOptionsSchema = z.strictObject({
  /** Directory for job log files; default `<os tmpdir>/polycloud-jobs`. */
  logDir: z.string().min(1).optional(),
  /**
   * Which of this process's environment variables a job inherits under its own
   * `env`: a list of names (default: PATH, HOME, USER, LANG, LC_ALL, TZ, TMPDIR and
   * the Windows basics — never the host's cloud credentials), `true` for all, `false`
   * for none.
   */
  inheritEnv: z.union([z.boolean(), z.array(z.string().min(1))]).default(['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'TEMP', 'TMP', 'SystemRoot', 'COMSPEC']),
  /** Commands standing in for images when a job has no `command` (`{'data-processor:v1': ['node', 'process.js']}`). */
  images: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({}),
  /** After SIGTERM (timeout or cancel), SIGKILL follows after this many ms. */
  killGraceMs: z.number().int().min(0).max(600_000).default(2000),
  /** Largest job accepted, for routing (the local adapter records but does not enforce cpu/memory). */
  maxCpu: z.number().positive().default(64),
  maxMemoryMiB: z.number().int().positive().default(1024 * 1024),
});
export type LocalComputeAdapterOptions = z.input<typeof LocalComputeAdapterOptionsSchema>;

/** A local job's status also records what it asked for and what ran. */
export interface LocalJobStatus extends JobStatus {
  cpu: number;
  memoryMiB: number;
  /** The argv that was started (image ignored). */
  argv: string[];
  pid?: number;
}

interface LocalJob {
  status: LocalJobStatus;
  child?: ChildProcess;
  timer?: ReturnType<typeof setTimeout>;
  killTimer?: ReturnType<typeof setTimeout>;
  stopping?: 'timeout' | 'cancel';
  done: Promise<void>;
}

/**
 * Runs each job's `command` + `args` as a child process on this machine — for
 * development, tests and the demo. The image is ignored (or looked up in `images`);
 * cpu and memory are recorded in the status, not enforced. Timeout and cancel send
 * SIGTERM, then SIGKILL after `killGraceMs`. stdout and stderr go to one log file
 * whose path is the status's `logLocation`. Jobs live as long as this adapter:
 * `close()` kills the ones still running.
 */
function inherited(which: boolean | string[]): NodeJS.ProcessEnv {
  if (which === true) return process.env;
  if (which === false) return {};
  return Object.fromEntries(which.filter((n) => process.env[n] !== undefined).map((n) => [n, process.env[n]]));
}

export function createLocalComputeAdapter(options: LocalComputeAdapterOptions = {}, context: Partial<AdapterContext> = {}): ComputeAdapter {
  const opts = parseWithSchema(LocalComputeAdapterOptionsSchema, options, 'invalid options for the local compute adapter');
  const logDir = resolve(opts.logDir ?? join(tmpdir(), 'polycloud-jobs'));
  const jobs = new Map<string, LocalJob>();
  const id = (target: ComputeTarget, jobId: string) => `${target.physicalId}\u0000${jobId}`;
  const snapshot = (job: LocalJob): LocalJobStatus => ({ ...job.status, argv: [...job.status.argv] });
  const capabilities: ComputeCapabilities = Object.freeze({
    cancel: true,
    idempotentSubmit: true,
    exitCode: true,
    logs: true,
    maxCpu: opts.maxCpu,
    maxMemoryMiB: opts.maxMemoryMiB,
  });
  const errorContext = (operation: string, key?: string) => ({ provider: 'local', operation, ...(key ? { key } : {}) });

  function finish(job: LocalJob, update: Partial<JobStatus>) {
    if (job.status.state !== 'PENDING' && job.status.state !== 'RUNNING') return;
    clearTimeout(job.timer);
    clearTimeout(job.killTimer);
    job.status = { ...job.status, ...update, finishedAt: new Date() };
  }

  function stop(job: LocalJob, why: 'timeout' | 'cancel') {
    if (!job.child || job.stopping) return;
    job.stopping = why;
    job.child.kill('SIGTERM');
    job.killTimer = setTimeout(() => job.child?.kill('SIGKILL'), opts.killGraceMs);
    job.killTimer.unref?.();
  }

  function start(target: ComputeTarget, request: ComputeJobRequest): LocalJob {
    const entry = request.command ?? opts.images[request.image];
    if (!entry && !request.args?.length) {
      throw new PolycloudError('INVALID_ARGUMENT', `the local adapter needs spec.command (or an "images" entry for ${request.image}): it does not run images`, {
        context: { ...errorContext('submit', request.idempotencyKey), path: ['spec', 'command'] },
        retryable: false,
      });
    }
    const argv = [...(entry ?? []), ...(request.args ?? [])];
    const dir = join(logDir, target.physicalId.replace(/[^A-Za-z0-9._-]+/g, '_'));
    mkdirSync(dir, { recursive: true });
    const logLocation = join(dir, `${request.idempotencyKey}.log`);
    const fd = openSync(logLocation, 'a');
    const status: LocalJobStatus = {
      jobId: request.idempotencyKey,
      idempotencyKey: request.idempotencyKey,
      state: 'RUNNING',
      logLocation,
      submittedAt: new Date(),
      startedAt: new Date(),
      cpu: request.cpu,
      memoryMiB: request.memoryMiB,
      argv,
    };
    let resolveDone!: () => void;
    const job: LocalJob = { status, done: new Promise((r) => (resolveDone = r)) };
    const env = {
      ...inherited(opts.inheritEnv),
      ...request.env,
      POLYCLOUD_JOB_NAME: request.name,
      POLYCLOUD_JOB_ID: request.idempotencyKey,
      POLYCLOUD_JOB_CPU: String(request.cpu),
      POLYCLOUD_JOB_MEMORY_MIB: String(request.memoryMiB),
    };
    try {
      const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', fd, fd], windowsHide: true });
      job.child = child;
      if (child.pid !== undefined) status.pid = child.pid;
      child.once('error', (err) => {
        finish(job, { state: 'FAILED', reason: redact(`could not start ${argv[0]}: ${err.message}`) });
        resolveDone();
      });
      child.once('close', (code, signal) => {
        if (job.stopping === 'cancel') finish(job, { state: 'CANCELLED', reason: 'cancelled', ...(code === null ? {} : { exitCode: code }) });
        else if (job.stopping === 'timeout') {
          finish(job, { state: 'FAILED', reason: `timed out after ${request.timeoutSeconds} s`, ...(code === null ? {} : { exitCode: code }) });
        } else if (code === 0) finish(job, { state: 'SUCCEEDED', exitCode: 0 });
        else finish(job, { state: 'FAILED', ...(code === null ? { reason: `killed by ${signal}` } : { exitCode: code, reason: `exit code ${code}` }) });
        job.child = undefined;
        resolveDone();
      });
      if (request.timeoutSeconds !== undefined) {
        job.timer = setTimeout(() => stop(job, 'timeout'), request.timeoutSeconds * 1000);
        job.timer.unref?.();
      }
    } finally {
      closeSync(fd);
    }
    return job;
  }

  const lookup = (target: ComputeTarget, jobId: string, operation: string): LocalJob => {
    const job = jobs.get(id(target, jobId));
    if (!job) {
      throw new PolycloudError('NOT_FOUND', `no local job "${jobId}" on ${target.physicalId}`, { context: errorContext(operation, jobId), retryable: false });
    }
    return job;
  };

  const aborted = (signal: AbortSignal | undefined, operation: string) => {
    if (signal?.aborted) throw new PolycloudError('ABORTED', `${operation} was aborted`, { context: errorContext(operation), retryable: false });
  };

  return {
    type: 'local',
    name: context.name ?? 'local',
    capabilities,
    async submit(target, request, o = {}) {
      aborted(o.signal, 'submit');
      if (!IDEMPOTENCY_KEY.test(request.idempotencyKey)) {
        // It names the log file: anything else could write outside logDir.
        throw new PolycloudError('INVALID_ARGUMENT', `idempotency key "${request.idempotencyKey}" must match ${IDEMPOTENCY_KEY}`, {
          retryable: false,
          context: { ...errorContext('submit', request.idempotencyKey), path: ['idempotencyKey'] },
        });
      }
      const existing = jobs.get(id(target, request.idempotencyKey));
      if (existing) return snapshot(existing);
      let job: LocalJob;
      try {
        job = start(target, request);
      } catch (e) {
        if (isPolycloudError(e)) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        throw new PolycloudError(code === 'EACCES' || code === 'EPERM' ? 'PERMISSION_DENIED' : 'UNEXPECTED', `local job ${request.idempotencyKey} could not start: ${(e as Error).message}`, {
          cause: e,
          context: errorContext('submit', request.idempotencyKey),
          retryable: false,
        });
      }
      jobs.set(id(target, request.idempotencyKey), job);
      return snapshot(job);
    },
    async find(target, key, o = {}) {
      aborted(o.signal, 'find');
      const job = jobs.get(id(target, key));
      return job && snapshot(job);
    },
    async status(target, jobId, o = {}) {
      aborted(o.signal, 'status');
      return snapshot(lookup(target, jobId, 'status'));
    },
    async cancel(target, jobId, o = {}) {
      aborted(o.signal, 'cancel');
      const job = lookup(target, jobId, 'cancel');
      if (job.status.state !== 'PENDING' && job.status.state !== 'RUNNING') return;
      stop(job, 'cancel');
      await job.done;
    },
    async probe() {},
    async close() {
      const running = [...jobs.values()].filter((j) => j.child);
      for (const j of running) stop(j, 'cancel');
      await Promise.all(running.map((j) => j.done));
    },
  };
}

/** Registry factory for `type: local`. */
export const localComputeAdapterFactory: ComputeAdapterFactory<z.output<typeof LocalComputeAdapterOptionsSchema>> = {
  kind: 'compute',
  type: 'local',
  optionsSchema: LocalComputeAdapterOptionsSchema,
  create: (options, context) => createLocalComputeAdapter(options, context),
};
