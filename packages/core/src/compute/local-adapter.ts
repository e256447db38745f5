import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { SUPERVISOR_SOURCE } from './local-supervisor.js';
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
  inheritEnv: z
    .union([z.boolean(), z.array(z.string().min(1))])
    .default(['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'TEMP', 'TMP', 'SystemRoot', 'COMSPEC']),
  /** Commands standing in for images when a job has no `command` (`{'data-processor:v1': ['node', 'process.js']}`). */
  images: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({}),
  /** After SIGTERM to the job's process group (timeout or cancel), SIGKILL follows after this many ms. */
  killGraceMs: z.number().int().min(0).max(600_000).default(2000),
  /** Largest job accepted, for routing (the local adapter records but does not enforce cpu/memory). */
  maxCpu: z.number().positive().default(64),
  maxMemoryMiB: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
});
export type LocalComputeAdapterOptions = z.input<typeof LocalComputeAdapterOptionsSchema>;

/** A local job's status also records what it asked for and what ran. */
export interface LocalJobStatus extends JobStatus {
  cpu: number;
  memoryMiB: number;
  /** The argv that was started (image ignored). */
  argv: string[];
  /** Pid of the job's supervisor (the leader of its process group's parent). */
  pid?: number;
}

/** What is kept on disk per job: `<logDir>/<physical id>/<key>.json`, created exclusively. */
interface JobRecord {
  v: 1;
  jobId: string;
  runId: string;
  name: string;
  argv: string[];
  cpu: number;
  memoryMiB: number;
  timeoutSeconds?: number;
  logLocation: string;
  exitFile: string;
  submittedAt: number;
  /** Pid of the supervisor, once started. */
  pid?: number;
}

interface ExitRecord {
  exitCode?: number | null;
  signal?: string | null;
  error?: string;
  stopping?: 'timeout' | 'cancel' | null;
  finishedAt: number;
}

interface LocalJob {
  record: JobRecord;
  /** Set while this adapter instance is the supervisor's parent. */
  child?: ChildProcess;
  done?: Promise<void>;
}

/** A record without a pid this old means its host died before starting the job. */
const START_GRACE_MS = 30_000;

/**
 * Runs each job's `command` + `args` as a child process on this machine — for
 * development, tests and the demo. The image is ignored (or looked up in `images`);
 * cpu and memory are recorded in the status, not enforced.
 *
 * Each job runs under a small supervisor (a Node.js process in its own process
 * group) that starts the command in a new process group, enforces `spec.timeout`
 * itself, ends the whole group on timeout, cancel or exit (SIGTERM, then SIGKILL
 * after `killGraceMs`), and writes the result to disk. A job is recorded on disk
 * (`<logDir>/<physical id>/<key>.json`, created exclusively) before it starts, so a
 * restarted host — or another process on the machine — adopts it (status, wait,
 * cancel) instead of starting it again. Each run logs to its own file,
 * `<key>-<run id>.log`. `close()` cancels the jobs still running.
 */
function inherited(which: boolean | string[]): NodeJS.ProcessEnv {
  if (which === true) return process.env;
  if (which === false) return {};
  return Object.fromEntries(which.filter((n) => process.env[n] !== undefined).map((n) => [n, process.env[n]]));
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Writes `value` to `path` only if `path` does not exist (write a temp file, then link: atomic, exclusive). */
function createExclusive(path: string, value: unknown): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function replaceJson(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, path);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function createLocalComputeAdapter(options: LocalComputeAdapterOptions = {}, context: Partial<AdapterContext> = {}): ComputeAdapter {
  const opts = parseWithSchema(LocalComputeAdapterOptionsSchema, options, 'invalid options for the local compute adapter');
  const logDir = resolve(opts.logDir ?? join(tmpdir(), 'polycloud-jobs'));
  const jobs = new Map<string, LocalJob>();
  const id = (target: ComputeTarget, jobId: string) => `${target.physicalId}\u0000${jobId}`;
  const dirOf = (target: ComputeTarget) => join(logDir, target.physicalId.replace(/[^A-Za-z0-9._-]+/g, '_'));
  const capabilities: ComputeCapabilities = Object.freeze({
    cancel: true,
    idempotentSubmit: true,
    exitCode: true,
    logs: true,
    maxCpu: opts.maxCpu,
    maxMemoryMiB: opts.maxMemoryMiB,
  });
  const errorContext = (operation: string, key?: string) => ({ provider: 'local', operation, ...(key ? { key } : {}) });

  /** The job's status, read from its records (the supervisor's result file is the truth). */
  function statusOf(job: LocalJob): LocalJobStatus {
    const r = job.record;
    const base: LocalJobStatus = {
      jobId: r.jobId,
      idempotencyKey: r.jobId,
      state: 'RUNNING',
      logLocation: r.logLocation,
      submittedAt: new Date(r.submittedAt),
      cpu: r.cpu,
      memoryMiB: r.memoryMiB,
      argv: [...r.argv],
      ...(r.pid === undefined ? {} : { pid: r.pid, startedAt: new Date(r.submittedAt) }),
    };
    const exit = readJson<ExitRecord>(r.exitFile);
    if (exit) return { ...base, ...terminal(r, exit) };
    if (r.pid === undefined) {
      if (Date.now() - r.submittedAt < START_GRACE_MS) return { ...base, state: 'PENDING' };
      return { ...base, state: 'FAILED', reason: 'the host stopped before the job was started', finishedAt: new Date(r.submittedAt + START_GRACE_MS) };
    }
    if (alive(r.pid)) return base;
    // Gone without a result: re-read once (it may have just been written).
    const late = readJson<ExitRecord>(r.exitFile);
    if (late) return { ...base, ...terminal(r, late) };
    // Cancelled before the supervisor could handle the signal (it had not started the job yet).
    if (existsSync(`${r.exitFile}.cancel`)) return { ...base, state: 'CANCELLED', reason: 'cancelled' };
    return { ...base, state: 'FAILED', reason: 'the job supervisor ended without a result (killed?)' };
  }

  function terminal(r: JobRecord, exit: ExitRecord): Partial<LocalJobStatus> {
    const finishedAt = new Date(exit.finishedAt);
    const code = exit.exitCode === null || exit.exitCode === undefined ? {} : { exitCode: exit.exitCode };
    if (exit.error !== undefined) return { state: 'FAILED', reason: redact(`could not start ${r.argv[0]}: ${exit.error}`), finishedAt };
    if (exit.stopping === 'cancel') return { state: 'CANCELLED', reason: 'cancelled', ...code, finishedAt };
    if (exit.stopping === 'timeout') return { state: 'FAILED', reason: `timed out after ${r.timeoutSeconds} s`, ...code, finishedAt };
    if (exit.exitCode === 0) return { state: 'SUCCEEDED', exitCode: 0, finishedAt };
    if (exit.exitCode === null || exit.exitCode === undefined) return { state: 'FAILED', reason: `killed by ${exit.signal}`, finishedAt };
    return { state: 'FAILED', exitCode: exit.exitCode, reason: `exit code ${exit.exitCode}`, finishedAt };
  }

  const running = (job: LocalJob) => {
    const s = statusOf(job).state;
    return s === 'PENDING' || s === 'RUNNING';
  };

  /** A job of this key recorded on disk (by this or an earlier host process), adopted. */
  function adopt(target: ComputeTarget, key: string): LocalJob | undefined {
    const record = readJson<JobRecord>(join(dirOf(target), `${key}.json`));
    if (!record) return undefined;
    const job: LocalJob = { record };
    jobs.set(id(target, key), job);
    return job;
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
    const dir = dirOf(target);
    mkdirSync(dir, { recursive: true });
    const key = request.idempotencyKey;
    const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const record: JobRecord = {
      v: 1,
      jobId: key,
      runId,
      name: request.name,
      argv,
      cpu: request.cpu,
      memoryMiB: request.memoryMiB,
      ...(request.timeoutSeconds === undefined ? {} : { timeoutSeconds: request.timeoutSeconds }),
      logLocation: join(dir, `${key}-${runId}.log`),
      exitFile: join(dir, `${key}-${runId}.exit.json`),
      submittedAt: Date.now(),
    };
    const recordPath = join(dir, `${key}.json`);
    // The exclusive create is the local adapter's idempotency: one run per key, across processes.
    if (!createExclusive(recordPath, record)) return adopt(target, key)!;
    const job: LocalJob = { record };
    const env = {
      ...inherited(opts.inheritEnv),
      ...request.env,
      POLYCLOUD_JOB_NAME: request.name,
      POLYCLOUD_JOB_ID: key,
      POLYCLOUD_JOB_CPU: String(request.cpu),
      POLYCLOUD_JOB_MEMORY_MIB: String(request.memoryMiB),
    };
    const config = {
      argv,
      exitFile: record.exitFile,
      graceMs: opts.killGraceMs,
      ...(request.timeoutSeconds === undefined ? {} : { timeoutMs: request.timeoutSeconds * 1000 }),
    };
    const fd = openSync(record.logLocation, 'a');
    try {
      const child = spawn(process.execPath, ['-e', SUPERVISOR_SOURCE, JSON.stringify(config)], {
        env,
        stdio: ['ignore', fd, fd],
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
      job.child = child;
      job.done = new Promise((resolveDone) => {
        child.once('error', (err) => {
          replaceJson(record.exitFile, { error: err.message, finishedAt: Date.now() } satisfies ExitRecord);
          job.child = undefined;
          resolveDone();
        });
        child.once('close', () => {
          job.child = undefined;
          resolveDone();
        });
      });
      if (child.pid !== undefined) {
        record.pid = child.pid;
        replaceJson(recordPath, record);
      }
    } finally {
      closeSync(fd);
    }
    return job;
  }

  const lookup = (target: ComputeTarget, jobId: string, operation: string): LocalJob => {
    const job = jobs.get(id(target, jobId)) ?? (IDEMPOTENCY_KEY.test(jobId) ? adopt(target, jobId) : undefined);
    if (!job) {
      throw new PolycloudError('NOT_FOUND', `no local job "${jobId}" on ${target.physicalId}`, { context: errorContext(operation, jobId), retryable: false });
    }
    return job;
  };

  const aborted = (signal: AbortSignal | undefined, operation: string) => {
    if (signal?.aborted) throw new PolycloudError('ABORTED', `${operation} was aborted`, { context: errorContext(operation), retryable: false });
  };

  /** Asks the supervisor to end the job's group (it records CANCELLED), and waits for the result. */
  async function stop(job: LocalJob): Promise<void> {
    if (!running(job)) return;
    const pid = job.record.pid;
    writeFileSync(`${job.record.exitFile}.cancel`, '');
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    if (job.done) {
      await job.done;
      return;
    }
    const until = Date.now() + opts.killGraceMs + 5_000;
    while (running(job) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  }

  const fsError = (e: unknown, key: string): PolycloudError => {
    if (isPolycloudError(e)) return e;
    const code = (e as NodeJS.ErrnoException).code;
    return new PolycloudError(
      code === 'EACCES' || code === 'EPERM' ? 'PERMISSION_DENIED' : 'UNEXPECTED',
      `local job ${key} could not start: ${(e as Error).message}`,
      {
        cause: e,
        context: errorContext('submit', key),
        retryable: false,
      },
    );
  };

  const alreadyExists = (key: string, job: LocalJob): PolycloudError =>
    new PolycloudError('ALREADY_EXISTS', `a local job with idempotency key ${key} already exists (${job.record.jobId})`, {
      context: errorContext('submit', key),
      retryable: false,
    });

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
      try {
        // Create-or-fail: a job of this key (live or left by an earlier process) refuses the create.
        const existing = jobs.get(id(target, request.idempotencyKey)) ?? adopt(target, request.idempotencyKey);
        if (existing) throw alreadyExists(request.idempotencyKey, existing);
        const job = start(target, request);
        jobs.set(id(target, request.idempotencyKey), job);
        return statusOf(job);
      } catch (e) {
        throw fsError(e, request.idempotencyKey);
      }
    },
    async find(target, key, o = {}) {
      aborted(o.signal, 'find');
      if (!IDEMPOTENCY_KEY.test(key)) return undefined;
      const job = jobs.get(id(target, key)) ?? adopt(target, key);
      return job && statusOf(job);
    },
    async status(target, jobId, o = {}) {
      aborted(o.signal, 'status');
      return statusOf(lookup(target, jobId, 'status'));
    },
    async cancel(target, jobId, o = {}) {
      aborted(o.signal, 'cancel');
      await stop(lookup(target, jobId, 'cancel'));
    },
    async probe() {},
    async close() {
      await Promise.all([...jobs.values()].filter(running).map(stop));
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
