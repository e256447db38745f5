import { randomBytes } from 'node:crypto';
import { RESOURCE_TYPES, type ResourceType } from './resources.js';
import type { KubeObject, ObjectStore } from './store.js';

/** How the simulated job controller runs Jobs. */
export interface FakeJobRunnerOptions {
  /** After this long a created (unsuspended) Job becomes active, with a running pod. Default 20 ms. */
  startAfterMs?: number;
  /** After this long an active Job finishes with `exitCode`; `null` (default) = it stays active until a test hook finishes it. */
  completeAfterMs?: number | null;
  /** Exit code of automatically finished Jobs (0 = Complete, else Failed). Default 0. */
  exitCode?: number;
}

const JOBS = RESOURCE_TYPES.find((t) => t.plural === 'jobs')!;
const PODS = RESOURCE_TYPES.find((t) => t.plural === 'pods')!;
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

type Status = Record<string, unknown> & { conditions?: Record<string, unknown>[] };
const condition = (type: string, reason: string, message: string) => ({
  type,
  status: 'True',
  lastProbeTime: now(),
  lastTransitionTime: now(),
  reason,
  message,
});

/** True once the Job has a Complete or Failed condition. */
export const isFinished = (job: KubeObject) =>
  ((job['status'] as Status | undefined)?.conditions ?? []).some((c) => (c['type'] === 'Complete' || c['type'] === 'Failed') && c['status'] === 'True');

/**
 * The part of the Job controller the fake simulates: a created Job becomes active (one
 * pod, `status.active`, `startTime`), then Complete or Failed (conditions, `succeeded` /
 * `failed`, `completionTime`; the pod's container exit code), automatically after a delay
 * or when a test says so. `activeDeadlineSeconds` fails it with DeadlineExceeded;
 * `spec.suspend` stops it (Suspended condition, pods removed) and resumes it.
 */
export class FakeJobRunner {
  private readonly timers = new Map<string, NodeJS.Timeout[]>();

  constructor(
    private readonly store: ObjectStore,
    private readonly options: FakeJobRunnerOptions = {},
  ) {}

  private key = (ns: string, name: string) => `${ns}/${name}`;
  private schedule(ns: string, name: string, ms: number, fn: () => void) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    const k = this.key(ns, name);
    this.timers.set(k, [...(this.timers.get(k) ?? []), t]);
  }
  private clear(ns: string, name: string) {
    for (const t of this.timers.get(this.key(ns, name)) ?? []) clearTimeout(t);
    this.timers.delete(this.key(ns, name));
  }

  private write(ns: string, name: string, change: (job: KubeObject) => void): KubeObject | undefined {
    const previous = this.store.get(JOBS, ns, name);
    if (!previous) return undefined;
    const job = structuredClone(previous);
    change(job);
    return this.store.update(JOBS, job, previous);
  }

  private pods(ns: string, name: string): KubeObject[] {
    return this.store.list(PODS, ns).filter((p) => (p.metadata['labels'] as Record<string, string> | undefined)?.['batch.kubernetes.io/job-name'] === name);
  }

  onCreated(job: KubeObject): void {
    const ns = String(job.metadata['namespace']);
    const name = String(job.metadata['name']);
    if ((job['spec'] as { suspend?: boolean }).suspend) {
      // like the real job controller, asynchronously after the create
      this.schedule(ns, name, this.options.startAfterMs ?? 20, () => {
        const current = this.store.get(JOBS, ns, name);
        if (!current || !(current['spec'] as { suspend?: boolean }).suspend) return;
        this.write(ns, name, (j) => {
          const status = (j['status'] ?? {}) as Status;
          if ((status.conditions ?? []).some((c) => c['type'] === 'Suspended')) return;
          j['status'] = { ...status, conditions: [...(status.conditions ?? []), condition('Suspended', 'JobSuspended', 'Job suspended')] };
        });
      });
      return;
    }
    this.schedule(ns, name, this.options.startAfterMs ?? 20, () => void this.start(ns, name));
  }

  onUpdated(previous: KubeObject, job: KubeObject): void {
    const ns = String(job.metadata['namespace']);
    const name = String(job.metadata['name']);
    const was = Boolean((previous['spec'] as { suspend?: boolean }).suspend);
    const is = Boolean((job['spec'] as { suspend?: boolean }).suspend);
    if (was === is || isFinished(job)) return;
    this.clear(ns, name);
    if (is) {
      for (const pod of this.pods(ns, name)) this.store.remove(PODS, pod);
      this.write(ns, name, (j) => {
        const status = (j['status'] ?? {}) as Status;
        const conditions = (status.conditions ?? []).filter((c) => c['type'] !== 'Suspended');
        j['status'] = { ...status, active: 0, ready: 0, conditions: [...conditions, condition('Suspended', 'JobSuspended', 'Job suspended')] };
        delete (j['status'] as Status)['startTime'];
      });
    } else {
      this.write(ns, name, (j) => {
        const status = (j['status'] ?? {}) as Status;
        j['status'] = {
          ...status,
          conditions: (status.conditions ?? []).map((c) =>
            c['type'] === 'Suspended' ? { ...c, status: 'False', reason: 'JobResumed', message: 'Job resumed', lastTransitionTime: now() } : c,
          ),
        };
      });
      this.schedule(ns, name, this.options.startAfterMs ?? 20, () => void this.start(ns, name));
    }
  }

  /** The Job was deleted: its timers stop; with propagation other than Orphan its pods go too. */
  onDeleted(job: KubeObject, propagationPolicy: string | undefined): void {
    const ns = String(job.metadata['namespace']);
    const name = String(job.metadata['name']);
    this.clear(ns, name);
    if (propagationPolicy !== 'Orphan') for (const pod of this.pods(ns, name)) this.store.remove(PODS, pod);
  }

  /** Makes the Job active now (a no-op if it is active, finished, suspended or gone). */
  start(ns: string, name: string): boolean {
    const current = this.store.get(JOBS, ns, name);
    const spec = (current?.['spec'] ?? {}) as { suspend?: boolean; activeDeadlineSeconds?: number; template?: { spec?: { containers?: { name: string }[] } } };
    if (!current || isFinished(current) || spec.suspend || ((current['status'] as Status | undefined)?.['active'] as number) > 0) return false;
    const podName = `${name}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const labels = { 'batch.kubernetes.io/job-name': name, 'job-name': name, 'batch.kubernetes.io/controller-uid': String(current.metadata['uid']) };
    this.store.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace: ns,
        labels,
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: current.metadata['uid'], controller: true, blockOwnerDeletion: true }],
      },
      spec: structuredClone(spec.template?.spec ?? {}),
      status: {
        phase: 'Running',
        startTime: now(),
        containerStatuses: (spec.template?.spec?.containers ?? []).map((c) => ({ name: c.name, state: { running: { startedAt: now() } } })),
      },
    });
    this.write(ns, name, (j) => {
      j['status'] = { ...((j['status'] ?? {}) as Status), active: 1, ready: 1, startTime: now() };
    });
    if (typeof spec.activeDeadlineSeconds === 'number') {
      this.schedule(ns, name, spec.activeDeadlineSeconds * 1000, () => void this.finish(ns, name, { exitCode: 137, deadline: true }));
    }
    const after = this.options.completeAfterMs;
    if (after !== null && after !== undefined) this.schedule(ns, name, after, () => void this.finish(ns, name, { exitCode: this.options.exitCode ?? 0 }));
    return true;
  }

  /**
   * Finishes an active Job: exit code 0 → Complete; else Failed (BackoffLimitExceeded, or
   * DeadlineExceeded for `deadline`). False if the Job is gone, not active or finished.
   */
  finish(ns: string, name: string, outcome: { exitCode: number; deadline?: boolean; message?: string }): boolean {
    const current = this.store.get(JOBS, ns, name);
    if (!current || isFinished(current) || !(((current['status'] as Status | undefined)?.['active'] as number) > 0)) return false;
    this.clear(ns, name);
    const ok = outcome.exitCode === 0 && !outcome.deadline;
    for (const pod of this.pods(ns, name)) {
      const previous = structuredClone(pod);
      const containers = ((pod['spec'] as { containers?: { name: string }[] }).containers ?? []).map((c) => c.name);
      const reason = outcome.deadline ? 'DeadlineExceeded' : ok ? 'Completed' : 'Error';
      pod['status'] = {
        ...((pod['status'] ?? {}) as Status),
        phase: ok ? 'Succeeded' : 'Failed',
        containerStatuses: containers.map((c) => ({ name: c, state: { terminated: { exitCode: outcome.exitCode, reason, finishedAt: now() } } })),
      };
      this.store.update(PODS, pod, previous);
    }
    const backoffLimit = ((current['spec'] as { backoffLimit?: number }).backoffLimit ?? 6) as number;
    this.write(ns, name, (j) => {
      const status = (j['status'] ?? {}) as Status;
      const conditions = status.conditions ?? [];
      if (ok) {
        j['status'] = {
          ...status,
          active: 0,
          ready: 0,
          succeeded: 1,
          completionTime: now(),
          conditions: [
            ...conditions,
            condition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods'),
            condition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods'),
          ],
        };
      } else {
        const [reason, message] = outcome.deadline
          ? ['DeadlineExceeded', 'Job was active longer than specified deadline']
          : ['BackoffLimitExceeded', outcome.message ?? 'Job has reached the specified backoff limit'];
        j['status'] = {
          ...status,
          active: 0,
          ready: 0,
          failed: outcome.deadline ? 1 : backoffLimit + 1,
          conditions: [...conditions, condition('FailureTarget', reason, message), condition('Failed', reason, message)],
        };
      }
    });
    return true;
  }

  close(): void {
    for (const k of [...this.timers.keys()]) {
      const [ns, name] = k.split('/') as [string, string];
      this.clear(ns, name);
    }
  }
}

export const JOB_TYPE: ResourceType = JOBS;
