import type { v1 } from '@google-cloud/batch';
import { createGcpBatchAdapter, type GcpBatchClient, mapGcpBatchError } from '@polycloud/adapter-gcp';
import { GRPC } from '../src/compute/errors.js';
import { requestIdFor } from '../src/compute/request.js';
import { createPolycloud, parseDataJob } from '@polycloud/core';
import { deriveIdempotencyKey, redact, toComputeJobRequest } from '@polycloud/core/spi';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createFakeGcpBatch } from './compute-batch-fake.js';
import { ORIGINAL_DATAJOB_YAML } from '@polycloud/core/testing';

const ORIGINAL = ORIGINAL_DATAJOB_YAML;
const FULL = `apiVersion: batch.mcp/v1
kind: DataJob
metadata: {name: data-cleaning}
spec:
  image: data-processor:v1
  command: [python, clean.py]
  args: [--day, '2026-01-01']
  env: {LEVEL: debug}
  resources: {cpu: 500m, memory: 129e6}
  timeout: 1h30m
  retries: 2
  tags: {residency: eu, Priority: Low}
`;
const PARENT = 'projects/demo-project/locations/europe-west1';
const target = (options: Record<string, unknown> = {}) => ({ physicalId: PARENT, region: 'europe-west1', options });
const request = (yaml: string) => {
  const job = parseDataJob(yaml);
  return toComputeJobRequest(job, deriveIdempotencyKey(job));
};

describe('Cloud Batch CreateJob, field by field', () => {
  it('the real BatchServiceClient fits the client interface the adapter takes', () => {
    expectTypeOf<v1.BatchServiceClient>().toMatchTypeOf<GcpBatchClient>();
  });

  it('the original DataJob: jobId = key, one task with the container, cpuMilli 2000 / memoryMib 4096, Cloud Logging', async () => {
    const gcp = createFakeGcpBatch();
    const adapter = createGcpBatchAdapter({ client: gcp.client });
    const job = request(ORIGINAL);
    const status = await adapter.submit(target(), job);
    const create = gcp.requests.find((r) => r.method === 'createJob')!.request;
    expect(create).toEqual({
      parent: PARENT,
      jobId: job.idempotencyKey,
      requestId: requestIdFor(PARENT, job.idempotencyKey),
      job: {
        taskGroups: [
          {
            taskCount: 1,
            parallelism: 1,
            taskSpec: {
              runnables: [{ container: { imageUri: 'data-processor:v1' } }],
              computeResource: { cpuMilli: 2000, memoryMib: 4096 },
              maxRetryCount: 0,
            },
          },
        ],
        labels: { 'polycloud-managed': 'true', 'polycloud-job': 'data-cleaning' },
        logsPolicy: { destination: 'CLOUD_LOGGING' },
      },
    });
    expect(requestIdFor(PARENT, job.idempotencyKey)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(status).toMatchObject({ jobId: job.idempotencyKey, state: 'PENDING' });
  });

  it('500m / 129e6 bytes → cpuMilli 500 / memoryMib 124; entrypoint + commands, env, maxRunDuration, maxRetryCount, labels, allocation policy', async () => {
    const gcp = createFakeGcpBatch();
    const adapter = createGcpBatchAdapter({ client: gcp.client });
    await adapter.submit(
      target({
        machineType: 'e2-standard-2',
        provisioningModel: 'SPOT',
        serviceAccountEmail: 'jobs@demo-project.iam.gserviceaccount.com',
        allowedLocations: ['regions/europe-west1'],
      }),
      request(FULL),
    );
    const create = gcp.requests.find((r) => r.method === 'createJob')!.request as {
      job: Record<string, unknown> & { taskGroups: { taskSpec: Record<string, unknown> }[] };
    };
    expect(create.job.taskGroups[0]!.taskSpec).toEqual({
      runnables: [{ container: { imageUri: 'data-processor:v1', entrypoint: 'python', commands: ['clean.py', '--day', '2026-01-01'] } }],
      computeResource: { cpuMilli: 500, memoryMib: 124 },
      maxRunDuration: { seconds: 5400 },
      maxRetryCount: 2,
      environment: { variables: { LEVEL: 'debug' } },
    });
    expect(create.job['labels']).toEqual({ residency: 'eu', priority: 'low', 'polycloud-managed': 'true', 'polycloud-job': 'data-cleaning' });
    expect(create.job['allocationPolicy']).toEqual({
      instances: [{ policy: { machineType: 'e2-standard-2', provisioningModel: 'SPOT' } }],
      serviceAccount: { email: 'jobs@demo-project.iam.gserviceaccount.com' },
      location: { allowedLocations: ['regions/europe-west1'] },
    });
  });
});

describe('binding options', () => {
  it('accept snake_case keys as written in a config file', async () => {
    const gcp = createFakeGcpBatch();
    await createGcpBatchAdapter({ client: gcp.client }).submit(target({ machine_type: 'e2-standard-2', provisioning_model: 'SPOT' }), request(ORIGINAL));
    const create = gcp.requests.find((r) => r.method === 'createJob')!.request as { job: Record<string, unknown> };
    expect(create.job['allocationPolicy']).toEqual({ instances: [{ policy: { machineType: 'e2-standard-2', provisioningModel: 'SPOT' } }] });
  });
});

describe('Cloud Batch behaviour', () => {
  it('submit is create-or-fail: one CreateJob (no GetJob first); a second one for the job id fails with ALREADY_EXISTS', async () => {
    const gcp = createFakeGcpBatch();
    const adapter = createGcpBatchAdapter({ client: gcp.client });
    const job = request(ORIGINAL);
    const a = await adapter.submit(target(), job);
    expect(gcp.requests.filter((r) => r.method === 'getJob')).toHaveLength(0);
    await expect(adapter.submit(target(), job)).rejects.toMatchObject({ code: 'ALREADY_EXISTS', retryable: false });
    expect(gcp.requests.filter((r) => r.method === 'getJob')).toHaveLength(0);
    // Both CreateJob calls reached Cloud Batch; it kept one job.
    expect(gcp.requests.filter((r) => r.method === 'createJob')).toHaveLength(2);
    expect((await adapter.find(target(), job.idempotencyKey))?.jobId).toBe(a.jobId);
    // Race: another process created the job first; our CreateJob is refused, nothing else is started.
    const racing = request(ORIGINAL.replace('data-cleaning', 'racer'));
    await gcp.client.createJob({ parent: PARENT, jobId: racing.idempotencyKey, job: { taskGroups: [] } });
    await expect(adapter.submit(target(), racing)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(await adapter.find(target(), 'absent-job')).toBeUndefined();
  });

  it('maps Cloud Batch states, the exit code and the Cloud Logging filter', async () => {
    const gcp = createFakeGcpBatch();
    const adapter = createGcpBatchAdapter({ client: gcp.client });
    const { jobId } = await adapter.submit(target(), request(ORIGINAL));
    const states: [string, string][] = [
      ['QUEUED', 'PENDING'],
      ['SCHEDULED', 'PENDING'],
      ['RUNNING', 'RUNNING'],
      ['CANCELLATION_IN_PROGRESS', 'RUNNING'],
      ['CANCELLED', 'CANCELLED'],
      ['DELETION_IN_PROGRESS', 'CANCELLED'],
    ];
    for (const [gcpState, state] of states) {
      gcp.setState(jobId, gcpState);
      expect((await adapter.status(target(), jobId)).state).toBe(state);
    }
    gcp.complete(jobId, 3);
    const failed = await adapter.status(target(), jobId);
    expect(failed).toMatchObject({ state: 'FAILED', exitCode: 3, reason: expect.stringContaining('exit code 3') });
    expect(failed.logLocation).toBe(`logName="projects/demo-project/logs/batch_task_logs" AND labels.job_uid="${jobId}-uid-1"`);
    gcp.setState(jobId, 4 as never); // numeric enum = SUCCEEDED
    expect((await adapter.status(target(), jobId)).state).toBe('SUCCEEDED');
    await expect(adapter.status(target(), 'missing-job')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('cancel calls CancelJob for a live job and is a no-op for a finished one', async () => {
    const gcp = createFakeGcpBatch();
    const adapter = createGcpBatchAdapter({ client: gcp.client });
    const { jobId } = await adapter.submit(target(), request(ORIGINAL));
    gcp.setState(jobId, 'RUNNING');
    await adapter.cancel(target(), jobId);
    expect(gcp.requests.filter((r) => r.method === 'cancelJob')).toEqual([{ method: 'cancelJob', request: { name: `${PARENT}/jobs/${jobId}` } }]);
    gcp.setState(jobId, 'CANCELLED');
    await adapter.cancel(target(), jobId);
    expect(gcp.requests.filter((r) => r.method === 'cancelJob')).toHaveLength(1);
    await expect(adapter.cancel(target(), 'missing-job')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('maps gRPC status codes to core codes', () => {
    const ctx = { operation: 'submit' };
    const e = (code: number, details = 'x') => Object.assign(new Error(details), { code, details });
    expect(mapGcpBatchError(e(GRPC.RESOURCE_EXHAUSTED, "Quota 'CPUS' exceeded. Limit: 24.0 in region europe-west1."), ctx)).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      retryable: true,
    });
    expect(mapGcpBatchError(e(GRPC.RESOURCE_EXHAUSTED, 'Quota exceeded for quota metric Job create requests per minute'), ctx)).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
    });
    expect(mapGcpBatchError(e(GRPC.UNAVAILABLE), ctx)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(mapGcpBatchError(e(GRPC.DEADLINE_EXCEEDED), ctx)).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(mapGcpBatchError(e(GRPC.PERMISSION_DENIED, 'Batch API has not been used in project'), ctx)).toMatchObject({
      code: 'PERMISSION_DENIED',
      retryable: false,
    });
    expect(mapGcpBatchError(e(GRPC.UNAUTHENTICATED), ctx)).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(mapGcpBatchError(e(GRPC.INVALID_ARGUMENT), ctx)).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    expect(mapGcpBatchError(e(GRPC.NOT_FOUND), ctx)).toMatchObject({ code: 'NOT_FOUND' });
    expect(mapGcpBatchError(e(GRPC.ALREADY_EXISTS), ctx)).toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(mapGcpBatchError(e(GRPC.INTERNAL), ctx)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });

  it("socket errors without a gRPC status go through core's classifyNetworkError (ECONNABORTED → UNAVAILABLE, ETIMEDOUT → TIMEOUT)", () => {
    const ctx = { operation: 'status' };
    const net = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:443`), { code });
    expect(mapGcpBatchError(net('ECONNRESET'), ctx)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(mapGcpBatchError(net('ECONNABORTED'), ctx)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(mapGcpBatchError(net('ETIMEDOUT'), ctx)).toMatchObject({ code: 'TIMEOUT', retryable: true });
    // fetch (the REST transport) nests the socket error as the cause
    expect(mapGcpBatchError(new TypeError('fetch failed', { cause: net('EHOSTUNREACH') }), ctx)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(mapGcpBatchError(new Error('something else'), ctx)).toMatchObject({ code: 'UNEXPECTED', retryable: false });
  });

  it('an inline private key is registered for redaction when the adapter is created, even with an injected client and no call made', () => {
    const privateKey = '-----BEGIN PRIVATE KEY-----\nGCP-BATCH-TEST-KEY-b1f0e2d94c\n-----END PRIVATE KEY-----\n';
    createGcpBatchAdapter({
      client: createFakeGcpBatch().client,
      credentials: { client_email: 'svc@demo-project.iam.gserviceaccount.com', private_key: privateKey },
    });
    expect(redact(`the key was ${privateKey}`)).not.toContain('GCP-BATCH-TEST-KEY-b1f0e2d94c');
  });

  it('validates options, physical ids and keys', async () => {
    expect(() => createGcpBatchAdapter({ timeoutMs: -1 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', context: expect.objectContaining({ path: ['timeoutMs'] }) }),
    );
    const adapter = createGcpBatchAdapter({ client: createFakeGcpBatch().client });
    await expect(adapter.submit({ physicalId: 'my-project', options: {} }, request(ORIGINAL))).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(adapter.submit(target({ provisioningModel: 'CHEAP' }), request(ORIGINAL))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      context: { path: ['options', 'provisioningModel'] },
    });
    await expect(adapter.submit(target(), { ...request(ORIGINAL), idempotencyKey: '9-starts-with-digit' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('probe treats NOT_FOUND of a probe job as healthy, anything else as the error', async () => {
    const gcp = createFakeGcpBatch();
    const adapter = createGcpBatchAdapter({ client: gcp.client });
    await expect(adapter.probe!(target())).resolves.toBeUndefined();
    gcp.failNext['getJob'] = [gcp.grpcError(GRPC.UNAVAILABLE, 'down')];
    await expect(adapter.probe!(target())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('Cloud Batch behind a LogicalCluster', () => {
  const setup = () => {
    const a = createFakeGcpBatch();
    const b = createFakeGcpBatch();
    const cluster = createPolycloud({
      providers: [
        { name: 'gcp-eu', adapter: createGcpBatchAdapter({ client: a.client }) },
        { name: 'gcp-us', adapter: createGcpBatchAdapter({ client: b.client }) },
      ],
      resources: [
        {
          resource_id: 'lc',
          type: 'LogicalCluster',
          providers: [
            { cloud: 'CLOUD_A', provider: 'gcp-eu', physical_id: PARENT, region: 'europe-west1' },
            { cloud: 'CLOUD_B', provider: 'gcp-us', physical_id: 'projects/demo-project/locations/us-central1', region: 'us-central1' },
          ],
        },
      ],
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
    }).cluster('lc', { lookupSettleMs: 0 });
    return { a, b, cluster };
  };

  it('fails over on RESOURCE_EXHAUSTED (quota) to the other location', async () => {
    const { a, b, cluster } = setup();
    a.failNext['createJob'] = [a.grpcError(GRPC.RESOURCE_EXHAUSTED, "Quota 'CPUS' exceeded")];
    const job = await cluster.submit(ORIGINAL.replace(/^  cloud: .*\n/m, ''));
    expect(job.binding).toBe('CLOUD_B');
    expect([a.jobs.size, b.jobs.size]).toEqual([0, 1]);
  });

  it('a CreateJob whose response was lost (DEADLINE_EXCEEDED after acceptance) is found, not run twice', async () => {
    const { a, b, cluster } = setup();
    const create = a.client.createJob.bind(a.client);
    a.client.createJob = async (req) => {
      await create(req);
      throw a.grpcError(GRPC.DEADLINE_EXCEEDED, 'Deadline exceeded');
    };
    const job = await cluster.submit(ORIGINAL.replace(/^  cloud: .*\n/m, ''));
    expect(job.binding).toBe('CLOUD_A');
    expect([a.jobs.size, b.jobs.size]).toEqual([1, 0]);
    expect(b.requests.filter((r) => r.method === 'createJob')).toHaveLength(0);
  });
});
