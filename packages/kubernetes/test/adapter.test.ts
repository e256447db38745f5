import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ComputeJobRequest, isPolycloudError } from '@polycloud/core/spi';
import { createKubernetesComputeAdapter, cpuQuantity, memoryQuantity } from '@polycloud/kubernetes';
import { type FakeKubernetesApiServer, startFakeKubernetesApiServer } from '@polycloud/kubernetes/testing';

const TOKEN = 'pc-test-token-DO-NOT-LEAK-7f3a9c';
const NS = 'batch';
const target = { physicalId: NS, options: {} };

const request = (key: string, extra: Partial<ComputeJobRequest> = {}): ComputeJobRequest => ({
  name: 'data-cleaning',
  idempotencyKey: key,
  image: 'data-processor:v1',
  command: ['node'],
  args: ['clean.js', '--all'],
  env: { LEVEL: 'debug', API_TOKEN: 'env-value' },
  cpu: 0.5,
  memoryMiB: 4096,
  timeoutSeconds: 900,
  retries: 2,
  tags: { residency: 'eu', note: 'free text, not a label value!' },
  ...extra,
});

async function codeOf(call: Promise<unknown>): Promise<{ code: string; retryable: boolean; path?: (string | number)[]; message: string; error: unknown }> {
  try {
    await call;
  } catch (e) {
    if (!isPolycloudError(e)) throw e;
    return { code: e.code, retryable: e.retryable, ...(e.path ? { path: e.path } : {}), message: e.message, error: e };
  }
  throw new Error('expected a PolycloudError');
}

let server: FakeKubernetesApiServer;
beforeEach(async () => {
  server = await startFakeKubernetesApiServer({ token: TOKEN, namespace: NS });
});
afterEach(async () => {
  await server.close();
});

describe('kubernetes adapter: the Job it creates', () => {
  it('maps image, command/args, env, cpu/memory (requests = limits), timeout, retries, labels and annotations; restartPolicy Never; namespace = physical_id', async () => {
    const adapter = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig() });
    const submitted = await adapter.submit(target, request('data-cleaning-0123456789abcdef'));
    expect(submitted).toMatchObject({ jobId: 'data-cleaning-0123456789abcdef', idempotencyKey: 'data-cleaning-0123456789abcdef', state: 'PENDING' });
    const job = server.get('jobs', NS, 'data-cleaning-0123456789abcdef')! as Record<string, unknown>;
    const spec = job['spec'] as unknown as { backoffLimit: number; activeDeadlineSeconds: number; template: { spec: Record<string, unknown> } };
    expect([spec.backoffLimit, spec.activeDeadlineSeconds, spec.template.spec['restartPolicy']]).toEqual([2, 900, 'Never']);
    expect(spec.template.spec['containers']).toEqual([
      {
        name: 'job',
        image: 'data-processor:v1',
        command: ['node'],
        args: ['clean.js', '--all'],
        env: [
          { name: 'LEVEL', value: 'debug' },
          { name: 'API_TOKEN', value: 'env-value' },
        ],
        resources: { requests: { cpu: '500m', memory: '4096Mi' }, limits: { cpu: '500m', memory: '4096Mi' } },
      },
    ]);
    const meta = (job as unknown as { metadata: { labels: Record<string, string>; annotations: Record<string, string>; namespace: string } }).metadata;
    expect(meta.namespace).toBe(NS);
    expect(meta.labels).toEqual({
      'app.kubernetes.io/managed-by': 'polycloud',
      'polycloud.io/idempotency-key': 'data-cleaning-0123456789abcdef',
      'tags.polycloud.io/residency': 'eu',
    });
    expect(meta.annotations).toEqual({
      'polycloud.io/datajob-name': 'data-cleaning',
      'polycloud.io/tags': '{"residency":"eu","note":"free text, not a label value!"}',
    });
    expect(server.invalidRequests).toEqual([]);
  });

  it('rounds quantities up to what Kubernetes writes: whole millicores, whole MiB', () => {
    expect([cpuQuantity(0.5), cpuQuantity(2), cpuQuantity(0.1), cpuQuantity(1.5), cpuQuantity(0.0001)]).toEqual(['500m', '2', '100m', '1500m', '1m']);
    expect([memoryQuantity(4096), memoryQuantity(953.6743), memoryQuantity(0.5)]).toEqual(['4096Mi', '954Mi', '1Mi']);
  });

  it('a binding may name its namespace and pod settings in options (snake_case too); a physical_id that is no namespace needs one', async () => {
    const adapter = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig() });
    await adapter.submit(
      { physicalId: 'Prod Cluster', options: { namespace: 'team-a', service_account_name: 'runner', node_selector: { pool: 'batch' } } },
      request('ns-opt'),
    );
    const pod = (server.get('jobs', 'team-a', 'ns-opt') as unknown as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
    expect([pod['serviceAccountName'], pod['nodeSelector']]).toEqual(['runner', { pool: 'batch' }]);
    expect(await codeOf(adapter.submit({ physicalId: 'Prod Cluster', options: {} }, request('ns-none')))).toMatchObject({
      code: 'CONFIG_INVALID',
      path: ['physical_id'],
    });
    expect(await codeOf(adapter.submit({ physicalId: NS, options: { namespaces: 'x' } }, request('ns-typo')))).toMatchObject({
      code: 'CONFIG_INVALID',
      path: ['options', 'namespaces'],
    });
  });
});

describe('kubernetes adapter: lifecycle', () => {
  it('status follows the Job: RUNNING, then SUCCEEDED / FAILED with the pod exit code; a deadline is FAILED with DeadlineExceeded', async () => {
    const adapter = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig() });
    await adapter.submit(target, request('life-ok'));
    await adapter.submit(target, request('life-ko'));
    await adapter.submit(target, request('life-slow', { timeoutSeconds: 1 }));
    await vi.waitFor(async () => expect((await adapter.status(target, 'life-ok')).state).toBe('RUNNING'), { timeout: 10_000 });
    server.finishJob(NS, 'life-ok', { exitCode: 0 });
    server.finishJob(NS, 'life-ko', { exitCode: 3 });
    expect(await adapter.status(target, 'life-ok')).toMatchObject({
      state: 'SUCCEEDED',
      exitCode: 0,
      logLocation: 'kubectl logs --namespace batch job/life-ok',
    });
    expect(await adapter.status(target, 'life-ko')).toMatchObject({ state: 'FAILED', exitCode: 3, reason: expect.stringContaining('BackoffLimitExceeded') });
    await vi.waitFor(async () => expect((await adapter.status(target, 'life-slow')).state).toBe('FAILED'), { timeout: 15_000 });
    expect((await adapter.status(target, 'life-slow')).reason).toMatch(/^DeadlineExceeded/);
  });

  it('cancel suspends the Job (pods removed, the Job kept for status) → CANCELLED; a finished Job stays as it ended', async () => {
    const adapter = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig() });
    await adapter.submit(target, request('c-run'));
    await vi.waitFor(() => expect(server.list('pods', NS)).toHaveLength(1), { timeout: 10_000 });
    await adapter.cancel(target, 'c-run');
    expect((await adapter.status(target, 'c-run')).state).toBe('CANCELLED');
    expect((server.get('jobs', NS, 'c-run') as unknown as { spec: { suspend: boolean } }).spec.suspend).toBe(true);
    expect(server.list('pods', NS)).toEqual([]);
    expect(server.requests.filter((r) => r.method === 'PATCH').map((r) => r.contentType)).toEqual(['application/merge-patch+json']);
    await adapter.submit(target, request('c-done'));
    server.finishJob(NS, 'c-done', { exitCode: 0 });
    await adapter.cancel(target, 'c-done');
    expect((await adapter.status(target, 'c-done')).state).toBe('SUCCEEDED');
    expect(server.invalidRequests).toEqual([]);
  });
});

describe('kubernetes adapter: errors mapped to core codes', () => {
  it('409 AlreadyExists → ALREADY_EXISTS (not retryable), and find() resolves the existing Job', async () => {
    const adapter = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig() });
    const first = await adapter.submit(target, request('twice'));
    expect(await codeOf(adapter.submit(target, request('twice')))).toMatchObject({ code: 'ALREADY_EXISTS', retryable: false });
    expect((await adapter.find(target, 'twice'))?.jobId).toBe(first.jobId);
  });

  it('403 exceeded quota → QUOTA_EXCEEDED, retryable (what the cluster client fails over on)', async () => {
    server.setQuota('jobs', 0);
    const adapter = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig() });
    expect(await codeOf(adapter.submit(target, request('quota')))).toMatchObject({ code: 'QUOTA_EXCEEDED', retryable: true });
  });

  it('401 (no or wrong token) and 403 → PERMISSION_DENIED; 404 → NOT_FOUND', async () => {
    const anon = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig({ token: null }) });
    expect(await codeOf(anon.status(target, 'x'))).toMatchObject({ code: 'PERMISSION_DENIED', retryable: false });
    server.failNext(1, {
      status: 403,
      reason: 'Forbidden',
      message: 'jobs.batch is forbidden: User "system:serviceaccount:batch:runner" cannot create resource "jobs"',
    });
    const adapter = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig() });
    expect(await codeOf(adapter.submit(target, request('denied')))).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(await codeOf(adapter.status(target, 'missing'))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await codeOf(adapter.cancel(target, 'missing'))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a binding whose namespace does not exist → NOT_FOUND naming it, as for an unknown AWS queue', async () => {
    const strict = await startFakeKubernetesApiServer({ token: TOKEN, namespaces: ['batch'] });
    try {
      const adapter = createKubernetesComputeAdapter({ kubeconfig: strict.kubeconfig() });
      expect(await codeOf(adapter.submit({ physicalId: 'missing', options: {} }, request('no-ns')))).toMatchObject({
        code: 'NOT_FOUND',
        retryable: false,
        message: expect.stringContaining('namespaces "missing" not found'),
      });
    } finally {
      await strict.close();
    }
  });

  it('422 Invalid → INVALID_ARGUMENT with the field path of the first cause', async () => {
    const adapter = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig() });
    const e = await codeOf(adapter.submit(target, request('bad-image', { image: ' ' })));
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false, path: ['spec', 'template', 'spec', 'containers', 0, 'image'] });
    expect(server.invalidRequests).toHaveLength(1); // this test's own bad request: the server did refuse it
  });

  it('5xx → UNAVAILABLE, 504 → TIMEOUT, 429 → RATE_LIMITED (retryable); a closed port → UNAVAILABLE', async () => {
    const adapter = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig() });
    server.failNext(1, { status: 503 });
    expect(await codeOf(adapter.status(target, 'x'))).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    server.failNext(1, { status: 504 });
    expect(await codeOf(adapter.status(target, 'x'))).toMatchObject({ code: 'TIMEOUT', retryable: true });
    server.failNext(1, { status: 429, reason: 'TooManyRequests' });
    expect(await codeOf(adapter.probe!(target))).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    const closed = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig() });
    await server.close();
    expect(await codeOf(closed.probe!(target))).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    server = await startFakeKubernetesApiServer({ token: TOKEN, namespace: NS });
  });

  it("a hung API server does not hang the caller: the call's AbortSignal ends it (ABORTED), else requestTimeoutMs does (TIMEOUT, retryable)", async () => {
    const adapter = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig(), requestTimeoutMs: 300 });
    server.hangNext(1);
    expect(await codeOf(adapter.submit(target, request('hang-1'), { signal: AbortSignal.timeout(200) }))).toMatchObject({ code: 'ABORTED' });
    server.hangNext(1);
    expect(await codeOf(adapter.status(target, 'hang-2'))).toMatchObject({ code: 'TIMEOUT', retryable: true });
    server.hangNext(1);
    expect(await codeOf(adapter.find(target, 'hang-3', { signal: AbortSignal.timeout(5_000) }))).toMatchObject({ code: 'TIMEOUT' });
    expect((await adapter.find(target, 'hang-3'))?.jobId).toBeUndefined();
  });
});

describe('kubernetes adapter: options and kubeconfig sources', () => {
  it('options are validated with zod: CONFIG_INVALID with the path', () => {
    const at = (o: object) => {
      try {
        createKubernetesComputeAdapter(o as never);
      } catch (e) {
        return isPolycloudError(e) ? [e.code, e.path] : e;
      }
      return 'accepted';
    };
    expect(at({ requestTimeoutMs: -1 })).toEqual(['CONFIG_INVALID', ['requestTimeoutMs']]);
    expect(at({ kubeconfig: server.kubeconfig(), kubeconfigPath: '/x' })).toEqual(['CONFIG_INVALID', ['kubeconfigPath']]);
    expect(at({ kubeconfig: { clusters: [] } })).toEqual(['CONFIG_INVALID', ['kubeconfig']]);
    expect(at({ namespace: 'Not_A_Namespace' })).toEqual(['CONFIG_INVALID', ['namespace']]);
    expect(at({ kubeConfig: 'typo' })).toEqual(['CONFIG_INVALID', ['kubeConfig']]);
  });

  it('reads a kubeconfig from KUBECONFIG, from kubeconfigPath, inline YAML, with a context; no kubeconfig anywhere → CONFIG_INVALID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-kube-'));
    const file = join(dir, 'config');
    writeFileSync(file, server.kubeconfigYaml());
    vi.stubEnv('KUBECONFIG', file);
    try {
      await createKubernetesComputeAdapter().probe!(target);
    } finally {
      vi.unstubAllEnvs();
    }
    await createKubernetesComputeAdapter({ kubeconfigPath: file }).probe!(target);
    await createKubernetesComputeAdapter({ kubeconfig: server.kubeconfigYaml(), context: 'fake' }).probe!(target);
    expect(await codeOf(createKubernetesComputeAdapter({ kubeconfig: server.kubeconfigYaml(), context: 'nope' }).probe!(target))).toMatchObject({
      code: 'CONFIG_INVALID',
      path: ['context'],
    });
    expect(await codeOf(createKubernetesComputeAdapter({ kubeconfigPath: join(dir, 'missing') }).probe!(target))).toMatchObject({
      code: 'CONFIG_INVALID',
      path: ['kubeconfigPath'],
    });
    vi.stubEnv('KUBECONFIG', '');
    vi.stubEnv('HOME', dir);
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '');
    try {
      expect(await codeOf(createKubernetesComputeAdapter().probe!(target))).toMatchObject({ code: 'CONFIG_INVALID' });
      expect(await codeOf(createKubernetesComputeAdapter({ inCluster: true }).probe!(target))).toMatchObject({ code: 'CONFIG_INVALID', path: ['inCluster'] });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('credentials never appear in errors: every error string, its JSON and inspect() output are scanned for the token', async () => {
    const leaks: string[] = [];
    const scan = (e: unknown) => {
      for (const text of [String((e as Error).message), JSON.stringify(e), inspect(e, { depth: 10 })]) if (text.includes(TOKEN)) leaks.push(text);
    };
    const adapter = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig(), requestTimeoutMs: 300 });
    const wrong = createKubernetesComputeAdapter({ kubeconfig: server.kubeconfig({ token: `${TOKEN}-wrong` }) });
    const broken = `${server.kubeconfigYaml()}\n  token: ${TOKEN}\n: [unclosed`;
    server.setQuota('jobs', 0);
    const calls: (() => Promise<unknown>)[] = [
      () => adapter.submit(target, request('leak-quota')),
      () => adapter.status(target, 'leak-missing'),
      () => adapter.submit(target, request('leak-bad', { image: ' ' })),
      () => wrong.status(target, 'leak-401'),
      () => createKubernetesComputeAdapter({ kubeconfig: broken }).probe!(target),
      () => (server.hangNext(1), adapter.status(target, 'leak-hang')),
      () => (server.failNext(1, { status: 500 }), adapter.cancel(target, 'leak-500')),
    ];
    let failures = 0;
    for (const call of calls) {
      try {
        await call();
      } catch (e) {
        failures++;
        scan(e);
      }
    }
    expect(failures).toBe(calls.length);
    expect(leaks).toEqual([]);
    expect(JSON.stringify(server.requests)).not.toContain(TOKEN);
  });
});
