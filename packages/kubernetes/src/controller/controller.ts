import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { LogicalClusterClient } from '@polycloud/core';
import { backoffDelay, isPolycloudError, redact, registerSecrets, toPolycloudError } from '@polycloud/core/spi';
import { DATAJOB_API_VERSION, DATAJOB_FINALIZER, DATAJOB_KIND } from './constants.js';
import { DataJobInformer } from './informer.js';
import { createControllerKubeApi } from './kube-api.js';
import { LeaderElector } from './leader-elector.js';
import { createReconciler, NotLeading } from './reconciler.js';
import { type DataJobControllerOptions, parseControllerOptions, resolveKubeConfig } from './options.js';
import { type DataJobObject, TERMINAL_PHASES } from './status.js';

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

/** Where this process runs when in a pod: `POD_NAMESPACE` (downward API), else the service account's namespace file. */
const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
function ownNamespace(): string | undefined {
  const fromEnv = process.env['POD_NAMESPACE']?.trim();
  if (fromEnv) return fromEnv;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

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
        namespace: o.leaderElection.namespace ?? ownNamespace() ?? namespaces[0] ?? 'default',
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

  const reconcile = createReconciler({ api, cluster, identity, log, assertLeading, remember, current: (uid) => objects.get(uid) });

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
