import { randomBytes } from 'node:crypto';
import type { JobHandle, LogicalClusterClient, Logger } from '@polycloud/core';
import { formatPath, isPolycloudError, PolycloudError, parseDataJob, redact, toPolycloudError } from '@polycloud/core/spi';
import { CONTROLLER_COMPONENT, DATAJOB_API_VERSION, DATAJOB_FINALIZER, DATAJOB_KIND } from './constants.js';
import { explanationText } from './explain-text.js';
import { idempotencyKeyForUid } from './idempotency.js';
import type { ControllerKubeApi } from './kube-api.js';
import { type DataJobObject, type DataJobStatus, dispatchingStatus, kubeTime, pendingStatus, refusedStatus, statusFromJob, TERMINAL_PHASES } from './status.js';

/** Thrown by a write attempted when this replica no longer leads: the reconcile stops there. */
export class NotLeading extends Error {}

/** The DataJob manifest core validates: the resource's name, labels and spec (server fields left out). */
function manifestOf(obj: DataJobObject, spec: Record<string, unknown> | undefined = obj.spec): object {
  const labels = obj.metadata.labels;
  return {
    apiVersion: DATAJOB_API_VERSION,
    kind: DATAJOB_KIND,
    metadata: { name: obj.metadata.name, ...(labels && Object.keys(labels).length ? { labels } : {}) },
    ...(spec === undefined ? {} : { spec }),
  };
}

/** `spec.resources.memory: …; spec.image: …` — every problem with its field path. */
function problems(e: PolycloudError): string {
  const issues = e.context.issues;
  if (issues?.length) return redact(issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '));
  const path = e.context.path;
  return redact(path?.length ? `${formatPath(path)}: ${e.message}` : e.message);
}

const INVALID_CODES = new Set(['CONFIG_INVALID', 'INVALID_ARGUMENT']);
/** Refusals that started nothing and will not change by retrying on that binding. */
const REJECTED_CODES = new Set(['UNSUPPORTED', 'PERMISSION_DENIED', 'NOT_FOUND']);
/** Refusals that started nothing and may go away elsewhere: the placement is made again. */
const REPLACE_CODES = new Set(['QUOTA_EXCEEDED', 'RATE_LIMITED']);

export interface ReconcilerDeps {
  api: ControllerKubeApi;
  cluster: LogicalClusterClient;
  identity: string;
  log?: Logger | undefined;
  /** Throws {@link NotLeading} unless this replica leads now (checked before every submit and write). */
  assertLeading(): void;
  /** Records an object the API server returned. */
  remember(obj: DataJobObject): void;
  /** The cached object of a uid (the newest seen). */
  current(uid: string): DataJobObject | undefined;
}

/**
 * Brings one DataJob one step nearer its goal (see docs/decisions.md for the order of
 * writes): the finalizer, validation, the placement written before the submit, the
 * submit pinned to it, provider status, cancellation on deletion. Every write is
 * conditional on the object's resourceVersion (CONFLICT when stale: the caller re-reads
 * and calls again).
 */
export function createReconciler(deps: ReconcilerDeps): (obj: DataJobObject) => Promise<void> {
  const { api, cluster, identity, log, assertLeading, remember } = deps;
  const namespaceOf = (obj: DataJobObject) => obj.metadata.namespace ?? 'default';

  async function writeStatus(obj: DataJobObject, status: DataJobStatus): Promise<DataJobObject> {
    assertLeading();
    const out = await api.replaceDataJobStatus({ ...obj, apiVersion: DATAJOB_API_VERSION, kind: DATAJOB_KIND, status });
    remember(out);
    return deps.current(obj.metadata.uid) ?? out;
  }

  async function setFinalizer(obj: DataJobObject, present: boolean): Promise<DataJobObject> {
    assertLeading();
    const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== DATAJOB_FINALIZER);
    if (present) finalizers.push(DATAJOB_FINALIZER);
    const { finalizers: _old, ...metadata } = obj.metadata;
    const body: DataJobObject = {
      ...obj,
      apiVersion: DATAJOB_API_VERSION,
      kind: DATAJOB_KIND,
      metadata: { ...metadata, ...(finalizers.length ? { finalizers } : {}) },
    };
    if (!present && !finalizers.length) body.metadata.finalizers = [];
    const out = await api.replaceDataJob(body);
    remember(out);
    return out;
  }

  async function event(obj: DataJobObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = kubeTime(new Date());
    const text = redact(message);
    try {
      await api.createEvent(namespaceOf(obj), {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: {
          name: `${obj.metadata.name}.${Date.now().toString(16)}${randomBytes(4).toString('hex')}`.slice(-253).replace(/^[^a-z0-9]+/, ''),
          namespace: namespaceOf(obj),
        },
        involvedObject: {
          apiVersion: DATAJOB_API_VERSION,
          kind: DATAJOB_KIND,
          name: obj.metadata.name,
          namespace: namespaceOf(obj),
          uid: obj.metadata.uid,
          ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
        },
        reason,
        message: text.length > 1024 ? `${text.slice(0, 1021)}...` : text,
        type,
        source: { component: CONTROLLER_COMPONENT },
        reportingComponent: CONTROLLER_COMPONENT,
        reportingInstance: identity.slice(0, 128),
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
    } catch (e) {
      // Events are for people reading `kubectl describe`: a failed one does not stop the work.
      const err = toPolycloudError(e, { operation: 'create event' });
      log?.warn({ code: err.code, datajob: obj.metadata.name }, redact(`DataJob controller: ${err.message}`));
    }
  }

  const handleOf = (status: DataJobStatus, key: string, jobId: string): JobHandle => ({
    resource: cluster.id,
    binding: status.binding!,
    jobId,
    idempotencyKey: key,
  });

  /** Cancels the provider job of a DataJob being deleted (found by its key when its id was never recorded). */
  async function cancelProviderJob(obj: DataJobObject, key: string): Promise<void> {
    const status = obj.status ?? {};
    if (!status.binding || (status.phase && TERMINAL_PHASES.has(status.phase))) return;
    let jobId = status.providerJobId;
    if (!jobId) {
      const adapter = cluster.adapter(status.binding);
      const found = await adapter.find(cluster.target(cluster.binding(status.binding)), key);
      if (!found) return;
      jobId = found.jobId;
    }
    try {
      await cluster.cancel(handleOf(status, key, jobId));
      await event(obj, 'Normal', 'Cancelled', `cancelled job ${jobId} on binding ${status.binding}`);
    } catch (e) {
      if (!isPolycloudError(e, 'NOT_FOUND')) throw e;
    }
  }

  /** The job of a DataJob placed but with no job id recorded, when it was started (found by its key on the binding): recorded. */
  async function adoptStarted(obj: DataJobObject, key: string): Promise<DataJobObject | undefined> {
    const status = obj.status ?? {};
    if (!status.binding || status.providerJobId) return undefined;
    const found = await cluster.adapter(status.binding).find(cluster.target(cluster.binding(status.binding)), key);
    if (!found) return undefined;
    const next = await writeStatus(obj, statusFromJob(status, found, obj.metadata.generation, new Date()));
    await event(next, 'Normal', 'Adopted', `found existing job ${found.jobId} on binding ${status.binding} (idempotency key ${key})`);
    return next;
  }

  async function refuse(obj: DataJobObject, reason: 'Invalid' | 'Unschedulable' | 'Rejected', message: string): Promise<void> {
    const next = await writeStatus(obj, refusedStatus(obj.status ?? {}, reason, message, obj.metadata.generation, new Date()));
    await event(next, 'Warning', reason, message);
    if (next.metadata.finalizers?.includes(DATAJOB_FINALIZER)) await setFinalizer(next, false);
  }

  async function reconcile(input: DataJobObject): Promise<void> {
    let obj = input;
    const key = idempotencyKeyForUid(obj.metadata.uid);
    const hasFinalizer = !!obj.metadata.finalizers?.includes(DATAJOB_FINALIZER);
    if (obj.metadata.deletionTimestamp) {
      if (!hasFinalizer) return;
      assertLeading();
      await cancelProviderJob(obj, key);
      await setFinalizer(obj, false);
      return;
    }
    const phase = obj.status?.phase;
    if (phase && TERMINAL_PHASES.has(phase)) {
      if (hasFinalizer) await setFinalizer(obj, false);
      return;
    }
    if (!hasFinalizer) obj = await setFinalizer(obj, true);

    // Validate: the spec as core reads it, and against this cluster's bindings (spec.cloud, sizes).
    // Not once its job is started: a spec edited since cannot refuse (mark Failed, drop the finalizer of) a running job.
    let manifest = manifestOf(obj);
    if (!obj.status?.providerJobId) {
      try {
        cluster.eligibleBindings(parseDataJob(manifest));
      } catch (raw) {
        const e = toPolycloudError(raw);
        if (INVALID_CODES.has(e.code) || e.code === 'UNSUPPORTED') {
          // A recorded placement may have a job already (a crash after the submit): the spec edited since cannot refuse it.
          obj = (await adoptStarted(obj, key)) ?? obj;
          if (obj.status?.providerJobId) return;
          await refuse(obj, e.code === 'UNSUPPORTED' ? 'Unschedulable' : 'Invalid', problems(e));
          return;
        }
        throw e;
      }
    }

    let status = obj.status ?? {};
    if (!status.binding) {
      assertLeading();
      const explanation = cluster.explain(manifest, { idempotencyKey: key });
      const text = explanationText(explanation);
      const chosen = explanation.chosen ? explanation.candidates.find((c) => c.binding === explanation.chosen) : undefined;
      if (!chosen) {
        const waiting = explanation.candidates.some((c) => c.verdict === 'unhealthy');
        if (!waiting) {
          await refuse(obj, 'Unschedulable', text);
          return;
        }
        if (status.phase !== 'Pending') {
          obj = await writeStatus(obj, pendingStatus(status, 'NoHealthyBinding', text, obj.metadata.generation, new Date()));
          await event(obj, 'Warning', 'NoHealthyBinding', text);
        }
        throw new PolycloudError('UNAVAILABLE', `no healthy binding for DataJob ${obj.metadata.name} yet`, { retryable: true });
      }
      // The placement is recorded before anything is submitted: after a crash the job is looked for, and submitted, only there.
      obj = await writeStatus(
        obj,
        dispatchingStatus(status, { binding: chosen.binding, cloud: chosen.cloud, message: text }, obj.metadata.generation, new Date()),
      );
      await event(obj, 'Normal', 'Scheduled', text);
      status = obj.status ?? {};
    }

    const binding = status.binding!;
    if (!status.providerJobId) {
      assertLeading();
      // Pinned to the recorded binding (spec.cloud accepts a binding id); the router's hard rules (residency) still apply.
      manifest = manifestOf(obj, { ...(obj.spec ?? {}), cloud: binding });
      let submitted;
      try {
        submitted = await cluster.submit(manifest, { idempotencyKey: key });
      } catch (raw) {
        const e = toPolycloudError(raw);
        if (INVALID_CODES.has(e.code)) return refuse(obj, 'Invalid', problems(e));
        if (e.code === 'RESIDENCY_VIOLATION') return refuse(obj, 'Unschedulable', problems(e));
        if (REJECTED_CODES.has(e.code)) return refuse(obj, 'Rejected', problems(e));
        if (REPLACE_CODES.has(e.code)) {
          // Refused before anything started: place it again (maybe elsewhere) after the back-off.
          obj = await writeStatus(obj, pendingStatus(status, 'Rejected', problems(e), obj.metadata.generation, new Date()));
          await event(obj, 'Warning', 'Rejected', `binding ${binding}: ${problems(e)}`);
        }
        throw e;
      }
      // Core's claim on the key may hold the job to an earlier placement (a binding that refused it before and has
      // room now): the job is where core put it, and is polled and cancelled there.
      const placed = submitted.binding === binding ? status : { ...status, binding: submitted.binding, cloud: cluster.binding(submitted.binding).cloud };
      obj = await writeStatus(obj, statusFromJob(placed, submitted.status, obj.metadata.generation, new Date()));
      await event(
        obj,
        'Normal',
        submitted.existing ? 'Adopted' : 'Dispatched',
        `${submitted.existing ? 'found existing' : 'started'} job ${submitted.jobId} on binding ${submitted.binding} (idempotency key ${key})`,
      );
    } else {
      const job = await cluster.status(handleOf(status, key, status.providerJobId));
      const next = statusFromJob(status, job, obj.metadata.generation, new Date());
      if (next.phase !== status.phase || JSON.stringify(next.conditions) !== JSON.stringify(status.conditions)) obj = await writeStatus(obj, next);
    }
    const done = obj.status?.phase;
    if (done && TERMINAL_PHASES.has(done)) {
      const completed = obj.status?.conditions?.find((c) => c.type === 'Completed');
      await event(obj, done === 'Succeeded' ? 'Normal' : 'Warning', done === 'Succeeded' ? 'Completed' : done, completed?.message ?? done);
      await setFinalizer(obj, false);
    }
  }

  return reconcile;
}
