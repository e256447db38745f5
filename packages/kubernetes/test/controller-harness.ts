/* eslint-disable @typescript-eslint/no-explicit-any -- API objects are read as loose JSON in assertions */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { createLocalComputeAdapter, createPolycloud, type Logger, type Polycloud } from '@polycloud/core';
import type { ComputeAdapter } from '@polycloud/core/spi';
import { createRouter } from '@polycloud/router';
import { createDataJobController, createKubernetesComputeAdapter, type DataJobController, type DataJobControllerOptions } from '@polycloud/kubernetes';
import { type FakeKubernetesApiServer, startFakeKubernetesApiServer } from '@polycloud/kubernetes/testing';
import { parse } from 'yaml';

export const NS = 'batch-jobs';
const CRD = { group: 'batch.mcp', version: 'v1', plural: 'datajobs' };

/** A job command that runs `ms` milliseconds and prints a line. */
export const sleepCommand = (ms: number) => [process.execPath, '-e', `setTimeout(() => console.log('cleaned 3 rows'), ${ms})`];

/** What happened at one simulated cloud (a local adapter shared by every controller replica, as a real cloud is). */
export interface CloudRecord {
  /** Idempotency keys of the jobs actually started (a refused second create is not counted). */
  starts: string[];
  /** Submits attempted, by replica label. */
  submitsBy: Record<string, number>;
  cancels: string[];
}

export interface Harness {
  server: FakeKubernetesApiServer;
  kubeConfig: KubeConfig;
  custom: CustomObjectsApi;
  clouds: Record<'CLOUD_A' | 'CLOUD_B', CloudRecord>;
  /** Every log line of every controller, redacted by core as the controller writes it. */
  logs: string[];
  /** A controller replica with its own polycloud instance (its own in-memory claim store) over the shared clouds. */
  controller(label: string, options?: Partial<DataJobControllerOptions>): { controller: DataJobController; polycloud: Polycloud };
  /** A polycloud instance over the shared clouds (to submit "by hand", as a crashed controller would have). */
  polycloud(label: string): Polycloud;
  apply(manifest: string | Record<string, unknown>): Promise<{ uid: string; name: string }>;
  get(name: string): Record<string, any> | undefined;
  events(name: string): Record<string, any>[];
  close(): Promise<void>;
}

/** Polls until `check` returns a value (not undefined / false), or fails after `timeoutMs` (generous: the machine is shared). */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Short, test-sized leader election and polling (configurable in the controller: defaults are 15 s / 10 s / 2 s / 5 s). */
export const FAST = {
  leaderElection: { leaseDurationMs: 2_500, renewDeadlineMs: 1_500, retryPeriodMs: 200 },
  resyncMs: 200,
  requestTimeoutMs: 5_000,
  watchTimeoutMs: 3_000,
  retry: { baseDelayMs: 50, maxDelayMs: 1_000 },
} satisfies Partial<DataJobControllerOptions>;

export async function startHarness(): Promise<Harness> {
  const server = await startFakeKubernetesApiServer({ namespace: NS, bookmarkIntervalMs: 300 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions(server.kubeconfig());
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const logDir = mkdtempSync(join(tmpdir(), 'polycloud-controller-'));
  const inner: Record<string, ComputeAdapter> = {};
  const clouds = {} as Harness['clouds'];
  for (const cloud of ['CLOUD_A', 'CLOUD_B'] as const) {
    inner[cloud] = createLocalComputeAdapter({ logDir, images: { 'data-processor:v1': sleepCommand(1_000) }, killGraceMs: 200 });
    clouds[cloud] = { starts: [], submitsBy: {}, cancels: [] };
  }
  // The Kubernetes cluster itself as a third binding (batch/v1 Jobs on the same fake API server), dearest of the three.
  const k8s = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig() });
  const k8sView: ComputeAdapter = {
    type: k8s.type,
    name: k8s.name,
    capabilities: k8s.capabilities,
    submit: (t, r, o) => k8s.submit(t, r, o),
    find: (t, k, o) => k8s.find(t, k, o),
    status: (t, id, o) => k8s.status(t, id, o),
    cancel: (t, id, o) => k8s.cancel(t, id, o),
  };
  const instances: Polycloud[] = [];
  const logs: string[] = [];

  /** The shared cloud seen through one replica: counts what reaches it; close() is not forwarded (the cloud outlives a replica). */
  const view = (cloud: 'CLOUD_A' | 'CLOUD_B', label: string): ComputeAdapter => {
    const a = inner[cloud]!;
    const rec = clouds[cloud];
    return {
      type: a.type,
      name: `${a.name}-${label}`,
      capabilities: a.capabilities,
      async submit(target, request, o) {
        rec.submitsBy[label] = (rec.submitsBy[label] ?? 0) + 1;
        const status = await a.submit(target, request, o);
        rec.starts.push(request.idempotencyKey);
        return status;
      },
      find: (t, k, o) => a.find(t, k, o),
      status: (t, id, o) => a.status(t, id, o),
      async cancel(t, id, o) {
        rec.cancels.push(id);
        return a.cancel(t, id, o);
      },
    } as ComputeAdapter;
  };

  const polycloud = (label: string) => {
    const pc = createPolycloud({
      router: createRouter({ seed: 7 }),
      residency: { eu: ['europe-*'] },
      retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 200 },
      timeoutMs: 20_000,
      providers: [
        { name: 'local-a', adapter: view('CLOUD_A', label) },
        { name: 'local-b', adapter: view('CLOUD_B', label) },
        { name: 'k8s', adapter: k8sView },
      ],
      resources: [
        {
          resource_id: 'lc-k8s',
          type: 'LogicalCluster',
          providers: [
            { cloud: 'CLOUD_A', provider: 'local-a', physical_id: 'pool-a', region: 'us-east-1', price: { vcpu_hour: 0.04, memory_gib_hour: 0.004 } },
            { cloud: 'CLOUD_B', provider: 'local-b', physical_id: 'pool-b', region: 'europe-west1', price: { vcpu_hour: 0.08, memory_gib_hour: 0.008 } },
            { cloud: 'K8S', provider: 'k8s', physical_id: NS, region: 'us-east-1', price: { vcpu_hour: 0.2, memory_gib_hour: 0.02 } },
          ],
        },
      ],
    });
    instances.push(pc);
    return pc;
  };

  const logger = (label: string): Logger => {
    const log = (level: string) => (fields: Record<string, unknown>, message: string) =>
      void logs.push(`${label} ${level} ${message} ${JSON.stringify(fields ?? {})}`);
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  };

  const controllers: DataJobController[] = [];
  return {
    server,
    kubeConfig,
    custom,
    clouds,
    logs,
    polycloud,
    controller(label, options = {}) {
      const pc = polycloud(label);
      const controller = createDataJobController({
        polycloud: pc,
        cluster: 'lc-k8s',
        kubeConfig,
        namespace: NS,
        ...FAST,
        logger: logger(label),
        ...options,
        leaderElection: { ...FAST.leaderElection, identity: label, ...(options.leaderElection ?? {}) },
      });
      controllers.push(controller);
      return { controller, polycloud: pc };
    },
    async apply(manifest) {
      const body = typeof manifest === 'string' ? (parse(manifest) as Record<string, unknown>) : manifest;
      const created = (await custom.createNamespacedCustomObject({ ...CRD, namespace: NS, body })) as { metadata: { uid: string; name: string } };
      return { uid: created.metadata.uid, name: created.metadata.name };
    },
    get: (name) => server.get('datajobs', NS, name) as Record<string, any> | undefined,
    events: (name) => server.list('events', NS).filter((e) => (e as Record<string, any>)['involvedObject']?.name === name) as Record<string, any>[],
    async close() {
      await Promise.all(controllers.map((c) => c.stop({ releaseLease: false }).catch(() => undefined)));
      await Promise.all(instances.map((p) => p.close().catch(() => undefined)));
      await Promise.all([...Object.values(inner), k8s].map((a) => (a as { close?: () => Promise<void> }).close?.().catch(() => undefined)));
      await server.close();
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}
