import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { createPolycloud, type Polycloud } from '@polycloud/core';
import type { ComputeAdapter } from '@polycloud/core/spi';
import { createMemoryComputeAdapter } from '@polycloud/core/testing';
import { createRouter } from '@polycloud/router';
import { PolycloudError, redact } from '@polycloud/core/spi';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataJobController, idempotencyKeyForUid } from '@polycloud/kubernetes';
import type { ControllerKubeApi, WatchEvent } from '../src/controller/kube-api.js';
import { DataJobInformer } from '../src/controller/informer.js';
import { type Harness, NS, sleepCommand, startHarness, waitFor } from './controller-harness.js';

const CRD = { group: 'batch.mcp', version: 'v1', plural: 'datajobs' };
const job = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'batch.mcp/v1',
  kind: 'DataJob',
  metadata: { name },
  spec: { image: 'data-processor:v1', command: sleepCommand(300), resources: { cpu: 1, memory: '1Gi' }, ...spec },
});
const phase = (h: Harness, name: string) => h.get(name)?.['status']?.phase as string | undefined;

describe('review: DataJob controller regressions', { timeout: 90_000 }, () => {
  let h: Harness;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    h = await startHarness();
    const { controller } = h.controller('review');
    await controller.start();
    stop = () => controller.stop();
    await waitFor('the replica to lead', () => controller.leading);
  });
  afterAll(async () => {
    await stop?.();
    await h?.close();
  });

  it('a spec edited while its job runs (spec.cloud now names no binding) does not mark it Failed nor drop the finalizer; delete still cancels', async () => {
    const { uid, name } = await h.apply(job('edited-while-running', { cloud: 'K8S' }));
    const key = idempotencyKeyForUid(uid);
    await waitFor('the job to run', () => phase(h, name) === 'Running' && h.get(name)?.['status']?.providerJobId === key);
    const current = h.get(name)!;
    await h.custom.replaceNamespacedCustomObject({ ...CRD, namespace: NS, name, body: { ...current, spec: { ...current['spec'], cloud: 'NO-SUCH-BINDING' } } });
    await waitFor('the edit to be seen', () => h.get(name)?.['metadata'].generation === 2);
    // Several resyncs (200 ms each) later the job is still what it is: running, held by the finalizer.
    await sleep(1_500);
    expect(phase(h, name)).toBe('Running');
    expect(h.get(name)!['metadata'].finalizers).toContain('batch.mcp/cancel-provider-job');
    await h.custom.deleteNamespacedCustomObject({ ...CRD, namespace: NS, name });
    await waitFor('the DataJob to be gone', () => h.get(name) === undefined);
    expect(h.server.requests.some((r) => r.method === 'PATCH' && r.path.includes(`/jobs/${key}`))).toBe(true);
    expect(h.server.get('jobs', NS, key)?.['spec']).toMatchObject({ suspend: true });
  });
});

describe('review: the controller kubeconfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'polycloud-review-kc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const polycloud = { cluster: () => ({ id: 'lc' }) } as unknown as Polycloud;
  const TOKEN = 'review-token-0123456789abcdef';

  it('a kubeconfig file that does not parse is CONFIG_INVALID at kubeConfig.file, without the parser quoting the token line', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]',
        'users:',
        '- name: u',
        '  user:',
        `    token: ${TOKEN}`,
        '     bad: [indent',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
      ].join('\n'),
    );
    let caught: unknown;
    try {
      createDataJobController({ polycloud, cluster: 'lc', kubeConfig: { file } });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PolycloudError);
    const e = caught as PolycloudError;
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.context.path).toEqual(['kubeConfig', 'file']);
    expect(`${e.message} ${JSON.stringify(e)} ${inspect(e)}`).not.toContain(TOKEN);
  });

  it("every credential of the kubeconfig is registered for redaction (other users, an OIDC provider's id-token and refresh-token)", () => {
    const ID_TOKEN = 'review-id-token-abcdef0123456789';
    const REFRESH = 'review-refresh-token-abcdef0123456789';
    const OTHER = 'review-other-user-token-abcdef0123';
    const file = join(dir, 'oidc.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
        users: [
          {
            name: 'oidc',
            user: { 'auth-provider': { name: 'oidc', config: { 'id-token': ID_TOKEN, 'refresh-token': REFRESH, 'idp-issuer-url': 'https://idp' } } },
          },
          { name: 'other', user: { token: OTHER } },
        ],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'oidc' } }],
        'current-context': 'x',
      }),
    );
    createDataJobController({ polycloud, cluster: 'lc', kubeConfig: { file } });
    const text = redact(`refused: ${ID_TOKEN} ${REFRESH} ${OTHER}`);
    expect(text).not.toContain(ID_TOKEN);
    expect(text).not.toContain(REFRESH);
    expect(text).not.toContain(OTHER);
  });

  it('a context the kubeconfig does not have is CONFIG_INVALID at kubeConfig.context', () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
        users: [{ name: 'u', user: { token: TOKEN } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    expect(() => createDataJobController({ polycloud, cluster: 'lc', kubeConfig: { file, context: 'nope' } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', context: expect.objectContaining({ path: ['kubeConfig', 'context'] }) }),
    );
  });
});

describe('review: the binding recorded is where the job is', { timeout: 90_000 }, () => {
  let h: Harness;
  let stop: (() => Promise<void>) | undefined;
  let pc: Polycloud | undefined;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await stop?.();
    await pc?.close();
    await h?.close();
  });

  it('re-placed on B after a quota refusal on A, the job core starts (on A, its claim) is recorded on A, polled there and cancelled there', async () => {
    const a = createMemoryComputeAdapter({ pendingMs: 600_000, runMs: null });
    const b = createMemoryComputeAdapter({ pendingMs: 600_000, runMs: null });
    let preferB = false;
    // A refuses for quota until the controller has recorded the placement on B (then its quota frees up).
    const quotaA: ComputeAdapter = {
      ...a,
      async submit(target, request, o) {
        if (h.get('replaced')?.['status']?.binding !== 'B') throw new PolycloudError('QUOTA_EXCEEDED', 'pool-a is full', { retryable: true });
        return a.submit(target, request, o);
      },
    };
    pc = createPolycloud({
      router: (ctx) => {
        const r = createRouter({ seed: 7 })(ctx);
        return {
          route: (req) => r.route(req),
          report: (res, bind, out) => r.report(res, bind, out),
          ...(r.onStart ? { onStart: (res: string, bind: string) => r.onStart!(res, bind) } : {}),
          explain(req) {
            const e = r.explain(req);
            // The router changes its mind after A refused (as a load or health score would).
            return preferB && e.candidates.some((c) => c.binding === 'B') ? { ...e, chosen: 'B' } : e;
          },
        };
      },
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
      timeoutMs: 10_000,
      providers: [
        { name: 'pa', adapter: quotaA },
        { name: 'pb', adapter: b },
      ],
      resources: [
        {
          resource_id: 'lc-two',
          type: 'LogicalCluster',
          providers: [
            { cloud: 'A', provider: 'pa', physical_id: 'pool-a', region: 'us-east-1', price: { vcpu_hour: 0.01, memory_gib_hour: 0.001 } },
            { cloud: 'B', provider: 'pb', physical_id: 'pool-b', region: 'us-east-1', price: { vcpu_hour: 0.09, memory_gib_hour: 0.009 } },
          ],
        },
      ],
    });
    const { controller } = h.controller('two', { polycloud: pc, cluster: 'lc-two' });
    stop = () => controller.stop();
    await controller.start();
    const { uid, name } = await h.apply(job('replaced'));
    expect(idempotencyKeyForUid(uid)).toMatch(/^dj-/);
    await waitFor('a quota refusal on A', () => h.events(name).some((e) => e['reason'] === 'Rejected'));
    preferB = true;
    await waitFor('the job to be submitted', () => h.get(name)?.['status']?.providerJobId);
    const jobs = [...a.jobs().map((j) => ({ on: 'A', ...j })), ...b.jobs().map((j) => ({ on: 'B', ...j }))];
    expect(jobs).toHaveLength(1);
    const where = jobs[0]!.on;
    expect(h.get(name)!['status']).toMatchObject({ binding: where, cloud: where, providerJobId: jobs[0]!.jobId });
    // Polled where it is: it runs, then is cancelled there when the DataJob is deleted.
    await (where === 'A' ? a : b).start(jobs[0]!.jobId);
    await waitFor('the DataJob to be Running', () => h.get(name)?.['status']?.phase === 'Running');
    await h.custom.deleteNamespacedCustomObject({ ...CRD, namespace: NS, name });
    await waitFor('the DataJob to be gone', () => h.get(name) === undefined);
    expect([...a.jobs(), ...b.jobs()].map((j) => j.state)).toEqual(['CANCELLED']);
  });
});

describe('review: a crash between submit and record, then a spec edit', { timeout: 90_000 }, () => {
  let h: Harness;
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await stop?.();
    await h?.close();
  });

  it('a placed and started job whose spec was edited to an invalid one before its id was recorded is adopted, not marked Failed (the cancel on delete stays)', async () => {
    const { uid, name } = await h.apply(job('edited-after-crash', { cloud: 'K8S' }));
    const key = idempotencyKeyForUid(uid);
    const obj = h.get(name)!;
    await h.custom.replaceNamespacedCustomObjectStatus({
      ...CRD,
      namespace: NS,
      name,
      body: { ...obj, status: { phase: 'Dispatching', binding: 'K8S', cloud: 'K8S', observedGeneration: 1 } },
    });
    // The crashed controller's submit went through: the Job is on the cluster.
    await h
      .polycloud('crashed')
      .cluster('lc-k8s')
      .submit(job(name, { cloud: 'K8S' }), { idempotencyKey: key });
    const placed = h.get(name)!;
    await h.custom.replaceNamespacedCustomObject({ ...CRD, namespace: NS, name, body: { ...placed, spec: { ...placed['spec'], cloud: 'NO-SUCH-BINDING' } } });
    const { controller } = h.controller('after-crash');
    stop = () => controller.stop();
    await controller.start();
    await waitFor('the job to be adopted', () => h.get(name)?.['status']?.providerJobId === key || phase(h, name) === 'Failed');
    expect(phase(h, name)).not.toBe('Failed');
    expect(h.get(name)!['status']).toMatchObject({ binding: 'K8S', providerJobId: key });
    expect(h.get(name)!['metadata'].finalizers).toContain('batch.mcp/cancel-provider-job');
    expect(h.server.list('jobs', NS).filter((j) => j.metadata['name'] === key)).toHaveLength(1);
    await h.custom.deleteNamespacedCustomObject({ ...CRD, namespace: NS, name });
    await waitFor('the DataJob to be gone', () => h.get(name) === undefined);
    expect(h.server.get('jobs', NS, key)?.['spec']).toMatchObject({ suspend: true });
  });
});

describe('review: controller options', () => {
  const polycloud = { cluster: () => ({ id: 'lc' }) } as unknown as Polycloud;
  it('a retry period not shorter than the renew deadline is refused (the holder would lapse before every renewal)', () => {
    for (const leaderElection of [{ retryPeriodMs: 10_000 }, { renewDeadlineMs: 1_500, leaseDurationMs: 2_500, retryPeriodMs: 2_000 }]) {
      expect(() => createDataJobController({ polycloud, cluster: 'lc', kubeConfig: new KubeConfig(), leaderElection })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', context: expect.objectContaining({ path: ['leaderElection', 'retryPeriodMs'] }) }),
      );
    }
  });
});

describe('review: informer', () => {
  it('a watch that keeps answering an ERROR event other than 410 (an etcd timeout, 500) is relisted after a back-off, not in a tight loop', async () => {
    let lists = 0;
    const errors: string[] = [];
    const api = {
      listDataJobs: async () => {
        lists++;
        return { items: [], resourceVersion: '5' };
      },
      watchDataJobs: async (_ns: string | undefined, _rv: string, onEvent: (e: WatchEvent) => void) => {
        setImmediate(() => onEvent({ type: 'ERROR', object: { kind: 'Status', code: 500, message: 'etcdserver: request timed out' } }));
        return () => undefined;
      },
    } as unknown as ControllerKubeApi;
    const informer = new DataJobInformer({
      api,
      namespace: 'ns',
      onUpsert: () => {},
      onDelete: () => {},
      onError: (e) => errors.push(e.code),
      retry: { baseDelayMs: 100, maxDelayMs: 400 },
    });
    informer.start();
    await sleep(1_000);
    informer.stop();
    await informer.idle();
    // Back-off 100, 200, 400, 400 … ms (with jitter): a few lists a second, not thousands.
    expect(lists).toBeGreaterThanOrEqual(2);
    expect(lists).toBeLessThanOrEqual(12);
    expect(errors.length).toBeGreaterThanOrEqual(1);
  });
});
