import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { JobHandle, LogicalClusterClient } from '@polycloud/core';
import { backoffDelay, formatPath, isPolycloudError, PolycloudError, parseDataJob, redact, registerSecrets, toPolycloudError } from '@polycloud/core/spi';
import { CONTROLLER_COMPONENT, DATAJOB_API_VERSION, DATAJOB_FINALIZER, DATAJOB_KIND } from './constants.js';
import { explanationText } from './explain-text.js';
import { idempotencyKeyForUid } from './idempotency.js';
import { DataJobInformer } from './informer.js';
import { createControllerKubeApi } from './kube-api.js';
import { LeaderElector } from './leader-elector.js';
import { type DataJobControllerOptions, parseControllerOptions, resolveKubeConfig } from './options.js';
import { type DataJobObject, type DataJobStatus, dispatchingStatus, kubeTime, pendingStatus, refusedStatus, statusFromJob, TERMINAL_PHASES } from './status.js';

/** A running DataJob controller (see {@link createDataJobController}). */
export interface DataJobController {
  /** This replica's identity in the leader election (the Lease's holderIdentity). */
  readonly identity: string;
  /** True while this replica may dispatch (it holds the Lease, or election is off and it is started). */
  readonly leading: boolean;
  /** Starts watching and campaigning. Resolves once the watches are set up (not when the first list is in). */
  start(): Promise<void>;
  /**
   * Stops watching, dispatching and polling; work in flight is finished or abandoned
   * (never half-written: every status write is conditional). With `releaseLease`
   * (default true) a held Lease is released so another replica takes over at once;
   * `false` behaves like a crash as far as the other replicas can tell.
   */
  stop(options?: { releaseLease?: boolean }): Promise<void>;
}

class NotLeading extends Error {}

interface WorkState {
  running?: Promise<void>;
  dirty: boolean;
  failures: number;
  retry?: NodeJS.Timeout;
}

/** Resource versions compare as numbers when both are (etcd's are); otherwise the newer write cannot be told, the later one wins. */
function newer(a: DataJobObject, b: DataJobObject): boolean {
  const x = a.metadata.resourceVersion;
  const y = b.metadata.resourceVersion;
  if (x && y && /^\d+$/.test(x) && /^\d+$/.test(y)) return BigInt(x) >= BigInt(y);
  return true;
}

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

/**
 * The DataJob controller: watches `batch.mcp/v1` DataJob resources and dispatches
 * each through one LogicalCluster of `polycloud` (`spec.cloud` pins a binding or
 * cloud; otherwise the router places it by price, region, load, health and the
 * job's residency tags), recording progress on the status subresource, the routing
 * explanation as a `Scheduled` Event, and cancelling the provider job when the
 * DataJob is deleted (a finalizer holds the object until then).
 *
 * Exactly-once start, across restarts and replicas: the job is submitted under an
 * idempotency key derived from the DataJob's uid; the chosen binding is written to
 * the status (conditionally, on the object's resourceVersion) *before* the submit,
 * and a DataJob found with a binding but no provider job id is submitted again on
 * that binding only, under the same key, where the adapter finds the job or refuses
 * a second create. Only the holder of the Lease reconciles (see docs/decisions.md).
 */
export function createDataJobController(options: DataJobControllerOptions): DataJobController {
  const o = parseControllerOptions(options);
  const cluster: LogicalClusterClient = o.polycloud.cluster(o.cluster);
  const kubeConfig = resolveKubeConfig(o.kubeConfig);
  // The bearer token (and any password) must never appear in an error, log line, Event or status.
  const user = kubeConfig.getCurrentUser();
  if (user)
    registerSecrets([
      user.token,
      user.password,
      user.keyData,
      (user as { authProvider?: { config?: Record<string, string> } }).authProvider?.config?.['access-token'],
    ]);
  const api = createControllerKubeApi(kubeConfig, { requestTimeoutMs: o.requestTimeoutMs, watchTimeoutMs: o.watchTimeoutMs });
  const namespaces: (string | undefined)[] = o.namespace === undefined ? [undefined] : Array.isArray(o.namespace) ? o.namespace : [o.namespace];
  const identity = o.leaderElection.identity ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const log = o.logger;
  const objects = new Map<string, DataJobObject>();
  const work = new Map<string, WorkState>();
  let started = false;
  let stopped = false;
  let resync: NodeJS.Timeout | undefined;

  const elector = o.leaderElection.enabled
    ? new LeaderElector({
        api,
        namespace: o.leaderElection.namespace ?? namespaces[0] ?? 'default',
        name: o.leaderElection.name,
        identity,
        leaseDurationMs: o.leaderElection.leaseDurationMs,
        renewDeadlineMs: o.leaderElection.renewDeadlineMs,
        retryPeriodMs: o.leaderElection.retryPeriodMs,
        onChange(leading) {
          log?.info({ identity, leading }, leading ? 'DataJob controller: leading' : 'DataJob controller: not leading any more');
          if (leading) enqueueAll();
        },
        onError: (e) => log?.warn({ identity, code: e.code }, redact(`DataJob controller: leader election: ${e.message}`)),
      })
    : undefined;
  const isLeader = () => started && !stopped && (elector ? elector.leading : true);
  const assertLeading = () => {
    if (!isLeader()) throw new NotLeading();
  };

  const remember = (obj: DataJobObject) => {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    obj.apiVersion ??= DATAJOB_API_VERSION;
    obj.kind ??= DATAJOB_KIND;
    const current = objects.get(uid);
    if (!current || newer(obj, current)) objects.set(uid, obj);
  };

  const informers = namespaces.map(
    (namespace) =>
      new DataJobInformer({
        api,
        namespace,
        retry: o.retry,
        onUpsert(obj) {
          remember(obj);
          enqueue(obj.metadata.uid);
        },
        onDelete(obj) {
          objects.delete(obj.metadata.uid);
          const st = work.get(obj.metadata.uid);
          if (st?.retry) clearTimeout(st.retry);
          if (!st?.running) work.delete(obj.metadata.uid);
        },
        onError: (e) => log?.warn({ code: e.code, namespace: namespace ?? '*' }, redact(`DataJob controller: ${e.message}`)),
      }),
  );

  function enqueueAll(): void {
    for (const [uid, obj] of objects) {
      const done = obj.status?.phase !== undefined && TERMINAL_PHASES.has(obj.status.phase);
      if (!done || obj.metadata.finalizers?.includes(DATAJOB_FINALIZER)) enqueue(uid);
    }
  }

  function enqueue(uid: string): void {
    if (stopped || !isLeader()) return;
    let st = work.get(uid);
    if (!st) work.set(uid, (st = { dirty: false, failures: 0 }));
    if (st.running) {
      st.dirty = true;
      return;
    }
    if (st.retry) {
      clearTimeout(st.retry);
      st.retry = undefined;
    }
    const state = st;
    state.running = (async () => {
      let conflicts = 0;
      do {
        state.dirty = false;
        const obj = objects.get(uid);
        if (!obj || !isLeader()) break;
        try {
          await reconcile(obj);
          state.failures = 0;
        } catch (raw) {
          if (raw instanceof NotLeading) break;
          const e = toPolycloudError(raw, { operation: 'reconcile', key: `${obj.metadata.namespace ?? ''}/${obj.metadata.name}` });
          if (isPolycloudError(e, 'CONFLICT') && conflicts++ < 5) {
            // A write lost to a newer version: read it and go again.
            try {
              const fresh = await api.getDataJob(obj.metadata.namespace ?? 'default', obj.metadata.name);
              objects.set(uid, { ...fresh, apiVersion: fresh.apiVersion ?? DATAJOB_API_VERSION, kind: fresh.kind ?? DATAJOB_KIND });
            } catch (g) {
              if (isPolycloudError(g, 'NOT_FOUND')) {
                objects.delete(uid);
                break;
              }
            }
            state.dirty = true;
            continue;
          }
          state.failures++;
          log?.warn({ code: e.code, datajob: obj.metadata.name }, redact(`DataJob controller: ${e.message}`));
          const delay = backoffDelay(state.failures, { maxAttempts: 1_000_000, ...o.retry }, Math.random);
          state.retry = setTimeout(() => {
            state.retry = undefined;
            enqueue(uid);
          }, delay);
          break;
        }
      } while (state.dirty && !stopped);
    })().finally(() => {
      state.running = undefined;
      if (state.dirty && !stopped) enqueue(uid);
    });
  }

  const namespaceOf = (obj: DataJobObject) => obj.metadata.namespace ?? 'default';

  async function writeStatus(obj: DataJobObject, status: DataJobStatus): Promise<DataJobObject> {
    assertLeading();
    const out = await api.replaceDataJobStatus({ ...obj, apiVersion: DATAJOB_API_VERSION, kind: DATAJOB_KIND, status });
    remember(out);
    return objects.get(obj.metadata.uid) ?? out;
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
    let manifest = manifestOf(obj);
    try {
      cluster.eligibleBindings(parseDataJob(manifest));
    } catch (raw) {
      const e = toPolycloudError(raw);
      if (INVALID_CODES.has(e.code) || e.code === 'UNSUPPORTED') {
        await refuse(obj, e.code === 'UNSUPPORTED' ? 'Unschedulable' : 'Invalid', problems(e));
        return;
      }
      throw e;
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
      obj = await writeStatus(obj, statusFromJob(status, submitted.status, obj.metadata.generation, new Date()));
      await event(
        obj,
        'Normal',
        submitted.existing ? 'Adopted' : 'Dispatched',
        `${submitted.existing ? 'found existing' : 'started'} job ${submitted.jobId} on binding ${binding} (idempotency key ${key})`,
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

  return {
    identity,
    get leading() {
      return isLeader();
    },
    async start() {
      if (started) return;
      started = true;
      stopped = false;
      for (const i of informers) i.start();
      elector?.start();
      resync = setInterval(() => {
        if (isLeader()) enqueueAll();
      }, o.resyncMs);
      if (!elector) enqueueAll();
    },
    async stop(options = {}) {
      if (stopped || !started) return;
      stopped = true;
      if (resync) clearInterval(resync);
      for (const i of informers) i.stop();
      for (const st of work.values()) if (st.retry) clearTimeout(st.retry);
      await Promise.all([...work.values()].map((st) => st.running?.catch(() => undefined)));
      await Promise.all(informers.map((i) => i.idle()));
      // After the work in flight: the Lease is released only once nothing of ours can still write.
      await elector?.stop({ release: options.releaseLease ?? true });
    },
  };
}
