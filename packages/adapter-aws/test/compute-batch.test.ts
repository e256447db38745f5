import {
  ClientException,
  ListJobsCommand,
  RegisterJobDefinitionCommand,
  type RegisterJobDefinitionRequest,
  ServerException,
  SubmitJobCommand,
  type SubmitJobRequest,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { createAwsBatchAdapter, mapAwsBatchError } from '@polycloud/adapter-aws';
import { batchSize } from '../src/compute/sizing.js';
import { createPolycloud, parseDataJob } from '@polycloud/core';
import { deriveIdempotencyKey, toComputeJobRequest } from '@polycloud/core/spi';
import { describe, expect, it } from 'vitest';
import { createBatchMock } from './compute-batch-mock.js';
import { ORIGINAL_DATAJOB_YAML } from '@polycloud/core/testing';

const ORIGINAL = ORIGINAL_DATAJOB_YAML;
const FULL = `apiVersion: batch.mcp/v1
kind: DataJob
metadata: {name: data-cleaning}
spec:
  image: data-processor:v1
  command: [python, clean.py]
  args: [--day, '2026-01-01']
  env: {LEVEL: debug, BATCH: '100'}
  resources: {cpu: 500m, memory: 4Gi}
  timeout: 30s
  retries: 2
  tags: {residency: eu, priority: low}
`;
const request = (yaml: string) => {
  const job = parseDataJob(yaml);
  return toComputeJobRequest(job, deriveIdempotencyKey(job));
};
const target = (options: Record<string, unknown> = {}) => ({ physicalId: 'queue-a', options });
const ROLE = 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole';

describe('AWS Batch requests, field by field', () => {
  it('the original DataJob on EC2: a container job definition with VCPU 2 / MEMORY 4096, SubmitJob named by the key', async () => {
    const batch = createBatchMock();
    const adapter = createAwsBatchAdapter({ client: batch.client });
    const job = request(ORIGINAL);
    const status = await adapter.submit(target(), job);
    const [register] = batch.calls<RegisterJobDefinitionRequest>(RegisterJobDefinitionCommand);
    expect(register).toEqual({
      jobDefinitionName: expect.stringMatching(/^polycloud-data-processor-v1-[0-9a-f]{16}$/),
      type: 'container',
      platformCapabilities: ['EC2'],
      containerProperties: {
        image: 'data-processor:v1',
        resourceRequirements: [
          { type: 'VCPU', value: '2' },
          { type: 'MEMORY', value: '4096' },
        ],
      },
      tags: { 'polycloud:managed': 'true' },
    });
    const [submit] = batch.calls<SubmitJobRequest>(SubmitJobCommand);
    expect(submit).toEqual({
      jobName: job.idempotencyKey,
      jobQueue: 'queue-a',
      jobDefinition: `arn:aws:batch:us-east-1:123456789012:job-definition/${register!.jobDefinitionName}:1`,
      containerOverrides: {},
      retryStrategy: { attempts: 1 },
      tags: { 'polycloud:idempotency-key': job.idempotencyKey, 'polycloud:job': 'data-cleaning' },
    });
    expect(status).toMatchObject({ state: 'PENDING', idempotencyKey: job.idempotencyKey });
  });

  it('500m / 4Gi on Fargate → VCPU 0.5 / MEMORY 4096 with the execution role; command, env, retries, timeout, tags mapped', async () => {
    const batch = createBatchMock();
    const adapter = createAwsBatchAdapter({ client: batch.client, platform: 'FARGATE', executionRoleArn: ROLE, assignPublicIp: 'ENABLED' });
    const job = request(FULL);
    await adapter.submit(target(), job);
    const [register] = batch.calls<RegisterJobDefinitionRequest>(RegisterJobDefinitionCommand);
    expect(register!.platformCapabilities).toEqual(['FARGATE']);
    expect(register!.containerProperties).toEqual({
      image: 'data-processor:v1',
      resourceRequirements: [
        { type: 'VCPU', value: '0.5' },
        { type: 'MEMORY', value: '4096' },
      ],
      executionRoleArn: ROLE,
      fargatePlatformConfiguration: { platformVersion: 'LATEST' },
      networkConfiguration: { assignPublicIp: 'ENABLED' },
    });
    const [submit] = batch.calls<SubmitJobRequest>(SubmitJobCommand);
    expect(submit!.containerOverrides).toEqual({
      command: ['python', 'clean.py', '--day', '2026-01-01'],
      environment: [
        { name: 'BATCH', value: '100' },
        { name: 'LEVEL', value: 'debug' },
      ],
    });
    expect(submit!.retryStrategy).toEqual({ attempts: 3 });
    expect(submit!.timeout).toEqual({ attemptDurationSeconds: 60 }); // 30 s rounded up to Batch's minimum
    expect(submit!.tags).toMatchObject({ residency: 'eu', priority: 'low' });
  });

  it('the same 500m job on EC2 asks for one whole vCPU', async () => {
    const batch = createBatchMock();
    await createAwsBatchAdapter({ client: batch.client }).submit(target(), request(FULL));
    expect(batch.calls<RegisterJobDefinitionRequest>(RegisterJobDefinitionCommand)[0]!.containerProperties!.resourceRequirements).toEqual([
      { type: 'VCPU', value: '1' },
      { type: 'MEMORY', value: '4096' },
    ]);
  });

  it.each([
    ['FARGATE', 0.1, 100, { vcpu: 0.25, memoryMiB: 512 }],
    ['FARGATE', 2, 3072, { vcpu: 2, memoryMiB: 4096 }],
    ['FARGATE', 1, 9000, { vcpu: 2, memoryMiB: 9216 }],
    ['FARGATE', 8, 16384, { vcpu: 8, memoryMiB: 16384 }],
    ['FARGATE', 4, 32768, { vcpu: 8, memoryMiB: 32768 }],
    ['EC2', 0.5, 1, { vcpu: 1, memoryMiB: 4 }],
    ['EC2', 2.001, 954, { vcpu: 3, memoryMiB: 954 }],
  ] as const)('%s sizing of %d vCPU / %d MiB', (platform, cpu, mem, expected) => {
    expect(batchSize(platform, cpu, mem)).toEqual(expected);
  });

  it('too large for Fargate → UNSUPPORTED', () => {
    expect(() => batchSize('FARGATE', 64, 1024)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
  });

  it('job definitions are cached per image + resources, and an existing ACTIVE one is reused by name', async () => {
    const batch = createBatchMock();
    const adapter = createAwsBatchAdapter({ client: batch.client });
    await adapter.submit(target(), request(ORIGINAL));
    await adapter.submit(target(), request(ORIGINAL.replace('data-cleaning', 'other-job')));
    expect(batch.calls(RegisterJobDefinitionCommand)).toHaveLength(1);
    await adapter.submit(target(), request(ORIGINAL.replace('memory: 4Gi', 'memory: 8Gi')));
    expect(batch.calls(RegisterJobDefinitionCommand)).toHaveLength(2);
    // A fresh adapter (new process) finds the registered definition instead of adding a revision.
    await createAwsBatchAdapter({ client: batch.client }).submit(target(), request(ORIGINAL.replace('data-cleaning', 'third')));
    expect(batch.calls(RegisterJobDefinitionCommand)).toHaveLength(2);
    expect(batch.calls<SubmitJobRequest>(SubmitJobCommand).map((s) => s.jobDefinition)).toEqual([
      expect.stringMatching(/:1$/),
      expect.stringMatching(/:1$/),
      expect.any(String),
      expect.stringMatching(/:1$/),
    ]);
  });
});

describe('AWS Batch behaviour', () => {
  it('submit just creates (no ListJobs before SubmitJob); a second submit of the key is settled to ALREADY_EXISTS and its duplicate terminated', async () => {
    const batch = createBatchMock();
    const adapter = createAwsBatchAdapter({ client: batch.client });
    const job = request(ORIGINAL);
    const a = await adapter.submit(target(), job);
    // One listing, after SubmitJob (the duplicate-name check), none before it.
    expect(batch.calls(ListJobsCommand)).toHaveLength(1);
    expect(batch.calls<{ filters?: unknown }>(ListJobsCommand)[0]!.filters).toEqual([{ name: 'JOB_NAME', values: [job.idempotencyKey] }]);
    const refused = await adapter.submit(target(), job).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ALREADY_EXISTS', retryable: false });
    // Batch accepted the duplicate name (the AWS quirk); the adapter terminated it at once.
    expect(batch.calls(SubmitJobCommand)).toHaveLength(2);
    const [terminate] = batch.calls<{ jobId: string; reason: string }>(TerminateJobCommand);
    expect(terminate!.jobId).not.toBe(a.jobId);
    expect((await adapter.status(target(), terminate!.jobId)).state).toBe('CANCELLED');
    expect((await adapter.status(target(), a.jobId)).state).toBe('PENDING');
    expect((await adapter.find(target(), job.idempotencyKey))?.jobId).toBe(a.jobId);
    expect(await adapter.find(target(), 'no-such-key')).toBeUndefined();
  });

  it('two processes racing on one key: the later job terminates itself and the later submit fails with ALREADY_EXISTS', async () => {
    const batch = createBatchMock();
    const adapter = createAwsBatchAdapter({ client: batch.client });
    const job = request(ORIGINAL);
    // Another process's SubmitJob for the same key lands between our caller's lookup and our SubmitJob.
    batch.hooks.beforeSubmit = (input) => {
      batch.hooks.beforeSubmit = undefined;
      batch.jobs.set('other-process-job', {
        jobId: 'other-process-job',
        jobName: input.jobName,
        jobQueue: input.jobQueue,
        jobDefinition: input.jobDefinition,
        status: 'SUBMITTED',
        createdAt: Date.now() - 1000,
        startedAt: undefined,
      });
    };
    await expect(adapter.submit(target(), job)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const [terminate] = batch.calls<{ jobId: string; reason: string }>(TerminateJobCommand);
    expect(terminate!.jobId).not.toBe('other-process-job');
    expect(terminate!.reason).toBe('polycloud: cancelled (duplicate of other-process-job)');
    expect((await adapter.status(target(), terminate!.jobId)).state).toBe('CANCELLED');
    expect((await adapter.find(target(), job.idempotencyKey))?.jobId).toBe('other-process-job');
  });

  it('the duplicate check is best effort: a listing that fails after SubmitJob leaves the new job and returns it', async () => {
    const batch = createBatchMock();
    const adapter = createAwsBatchAdapter({ client: batch.client });
    const job = request(ORIGINAL);
    batch.hooks.beforeList = () => {
      batch.hooks.beforeList = undefined;
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    };
    const status = await adapter.submit(target(), job);
    expect(status.state).toBe('PENDING');
    expect(batch.calls(TerminateJobCommand)).toHaveLength(0);
  });

  it('maps Batch states, exit code and CloudWatch log location', async () => {
    const batch = createBatchMock();
    const adapter = createAwsBatchAdapter({ client: batch.client });
    const { jobId } = await adapter.submit(target(), request(ORIGINAL));
    for (const s of ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING'] as const) {
      batch.setStatus(jobId, s);
      expect((await adapter.status(target(), jobId)).state).toBe('PENDING');
    }
    batch.setStatus(jobId, 'RUNNING');
    expect((await adapter.status(target(), jobId)).state).toBe('RUNNING');
    batch.complete(jobId, 0);
    const done = await adapter.status(target(), jobId);
    expect(done).toMatchObject({ state: 'SUCCEEDED', exitCode: 0, logLocation: expect.stringMatching(/^cloudwatch:\/aws\/batch\/job:polycloud\/default\//) });
    const other = await adapter.submit(target(), request(ORIGINAL.replace('data-cleaning', 'fails')));
    batch.complete(other.jobId, 2);
    expect(await adapter.status(target(), other.jobId)).toMatchObject({ state: 'FAILED', exitCode: 2 });
    await expect(adapter.status(target(), 'missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('cancel terminates a live job (CANCELLED) and leaves a finished one alone', async () => {
    const batch = createBatchMock();
    const adapter = createAwsBatchAdapter({ client: batch.client });
    const { jobId } = await adapter.submit(target(), request(ORIGINAL));
    batch.setStatus(jobId, 'RUNNING');
    await adapter.cancel(target(), jobId);
    expect(batch.calls<{ jobId: string; reason: string }>(TerminateJobCommand)).toEqual([{ jobId, reason: 'polycloud: cancelled' }]);
    expect((await adapter.status(target(), jobId)).state).toBe('CANCELLED');
    await adapter.cancel(target(), jobId);
    expect(batch.calls(TerminateJobCommand)).toHaveLength(1);
    await expect(adapter.cancel(target(), 'missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('maps Batch errors to core codes', async () => {
    const ctx = { operation: 'submit' };
    const client = (message: string) => new ClientException({ message, $metadata: { httpStatusCode: 400 } });
    expect(mapAwsBatchError(client('JobQueue q not found.'), ctx)).toMatchObject({ code: 'NOT_FOUND', retryable: false });
    expect(mapAwsBatchError(client('Maximum number of jobs in SUBMITTED state limit exceeded'), ctx)).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      retryable: true,
    });
    expect(mapAwsBatchError(client('Container properties should not be empty'), ctx)).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    expect(mapAwsBatchError(new ServerException({ message: 'internal', $metadata: { httpStatusCode: 500 } }), ctx)).toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
    });
    expect(
      mapAwsBatchError(Object.assign(new Error('Too Many Requests'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } }), ctx),
    ).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(mapAwsBatchError(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }), ctx)).toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    expect(mapAwsBatchError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), ctx)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(mapAwsBatchError(Object.assign(new Error('t'), { name: 'TimeoutError' }), ctx)).toMatchObject({ code: 'TIMEOUT', retryable: true });
    const batch = createBatchMock([]);
    await expect(createAwsBatchAdapter({ client: batch.client }).submit(target(), request(ORIGINAL))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      context: { provider: 'aws-batch' },
    });
  });

  it('QUOTA_EXCEEDED only for quota exceptions and tight phrases: validation and permission errors that mention limits are not retryable', () => {
    const ctx = { operation: 'submit' };
    const client = (message: string) => new ClientException({ message, $metadata: { httpStatusCode: 400 } });
    const pick = (err: unknown) => {
      const e = mapAwsBatchError(err, ctx);
      return [e.code, e.retryable];
    };
    // Bad requests that merely mention a maximum / limit / capacity stay INVALID_ARGUMENT.
    expect(pick(client('Container override size exceeds the maximum allowed size of 8192 bytes'))).toEqual(['INVALID_ARGUMENT', false]);
    expect(pick(client('vcpus must not exceed 256'))).toEqual(['INVALID_ARGUMENT', false]);
    expect(pick(client('Error executing request, Exception : attemptDurationSeconds is below the minimum limit of 60'))).toEqual(['INVALID_ARGUMENT', false]);
    expect(pick(client('The requested memory capacity is not a valid Fargate configuration'))).toEqual(['INVALID_ARGUMENT', false]);
    // Permission errors, whatever they mention.
    expect(pick(client('User: arn:aws:iam::1:user/x is not authorized to perform: iam:PassRole; limit your role policy'))).toEqual([
      'PERMISSION_DENIED',
      false,
    ]);
    expect(
      pick(Object.assign(new Error('Access Denied: exceeds your permissions limit'), { name: 'AccessDenied', $metadata: { httpStatusCode: 400 } })),
    ).toEqual(['PERMISSION_DENIED', false]);
    // Real quota answers.
    expect(pick(Object.assign(new Error('Rate of job submissions'), { name: 'LimitExceededException', $metadata: { httpStatusCode: 400 } }))).toEqual([
      'QUOTA_EXCEEDED',
      true,
    ]);
    expect(pick(Object.assign(new Error('x'), { name: 'ServiceQuotaExceededException', $metadata: { httpStatusCode: 402 } }))).toEqual([
      'QUOTA_EXCEEDED',
      true,
    ]);
    expect(pick(client('You have exceeded the maximum job queue quota'))).toEqual(['QUOTA_EXCEEDED', true]);
    expect(pick(client('Quota exceeded for jobs in RUNNABLE state'))).toEqual(['QUOTA_EXCEEDED', true]);
  });

  it('static credentials (and keys) are registered as secrets when the adapter is created, even with an injected client', () => {
    const secret = 'batch-Static-Secret-9d3e1f';
    const token = 'batch-Static-Token-2b8c4a';
    const secretKey = 'batch-Secret-Key-6e0a7c';
    createAwsBatchAdapter({ client: createBatchMock().client, credentials: { accessKeyId: 'AKIDSTATIC', secretAccessKey: secret, sessionToken: token } });
    createAwsBatchAdapter({ client: createBatchMock().client, accessKey: 'AKIDKEYS', secretKey });
    const err = mapAwsBatchError(new ClientException({ message: `echo ${secret} ${token} ${secretKey}`, $metadata: { httpStatusCode: 400 } }), {
      operation: 'submit',
    });
    for (const s of [secret, token, secretKey]) expect(err.message).not.toContain(s);
  });

  it('a socket error code wins over the SDK error name; HTTP answers are not transport failures', () => {
    const ctx = { operation: 'status' };
    const reset = Object.assign(new Error('aborted'), { name: 'TimeoutError', code: 'ECONNRESET' });
    expect(mapAwsBatchError(reset, ctx)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    const nested = Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('connect'), { code: 'ETIMEDOUT' }) });
    expect(mapAwsBatchError(nested, ctx)).toMatchObject({ code: 'TIMEOUT', retryable: true });
    const answered = new ClientException({ message: 'Connection reset reason is not a valid parameter', $metadata: { httpStatusCode: 400 } });
    expect(mapAwsBatchError(answered, ctx)).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
  });

  it('validates options (CONFIG_INVALID with the path); Fargate needs an execution role', async () => {
    expect(() => createAwsBatchAdapter({ jobRoleArn: 'not-an-arn' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', context: expect.objectContaining({ path: ['jobRoleArn'] }) }),
    );
    const batch = createBatchMock();
    const adapter = createAwsBatchAdapter({ client: batch.client });
    await expect(adapter.submit(target({ platform: 'FARGATE' }), request(ORIGINAL))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      context: { path: ['options', 'executionRoleArn'] },
    });
    await expect(adapter.submit(target({ platfrom: 'EC2' }), request(ORIGINAL))).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('probe checks the job queue', async () => {
    const batch = createBatchMock();
    const adapter = createAwsBatchAdapter({ client: batch.client });
    await expect(adapter.probe!(target())).resolves.toBeUndefined();
    await expect(adapter.probe!({ physicalId: 'nope', options: {} })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('AWS Batch behind a LogicalCluster', () => {
  const cluster = (a: ReturnType<typeof createBatchMock>, b: ReturnType<typeof createBatchMock>) =>
    createPolycloud({
      providers: [
        { name: 'aws-east', adapter: createAwsBatchAdapter({ client: a.client }) },
        { name: 'aws-west', adapter: createAwsBatchAdapter({ client: b.client }) },
      ],
      resources: [
        {
          resource_id: 'lc',
          type: 'LogicalCluster',
          providers: [
            { cloud: 'CLOUD_A', provider: 'aws-east', physical_id: 'queue-a', region: 'us-east-1' },
            { cloud: 'CLOUD_B', provider: 'aws-west', physical_id: 'queue-a', region: 'us-west-2' },
          ],
        },
      ],
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
    }).cluster('lc', { lookupSettleMs: 0 });

  it('fails over to the next cloud on a capacity error', async () => {
    const a = createBatchMock();
    const b = createBatchMock();
    a.mock
      .on(SubmitJobCommand)
      .rejectsOnce(new ClientException({ message: 'You have exceeded the limit of jobs in RUNNABLE state', $metadata: { httpStatusCode: 400 } }));
    const job = await cluster(a, b).submit(ORIGINAL.replace(/^  cloud: .*\n/m, ''));
    expect(job.binding).toBe('CLOUD_B');
    expect([a.jobs.size, b.jobs.size]).toEqual([0, 1]);
  });

  it('a SubmitJob that timed out after Batch accepted it is found by name, never submitted twice', async () => {
    const a = createBatchMock();
    const b = createBatchMock();
    let accepted = false;
    a.mock.on(SubmitJobCommand).callsFake((input: SubmitJobRequest) => {
      // Batch records the job, then the response is lost.
      a.jobs.set('lost-response', {
        jobId: 'lost-response',
        jobName: input.jobName,
        jobQueue: input.jobQueue,
        jobDefinition: input.jobDefinition,
        status: 'SUBMITTED',
        createdAt: Date.now(),
        startedAt: undefined,
      });
      accepted = true;
      throw Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' });
    });
    const job = await cluster(a, b).submit(ORIGINAL.replace(/^  cloud: .*\n/m, ''));
    expect(accepted).toBe(true);
    expect(job).toMatchObject({ binding: 'CLOUD_A', jobId: 'lost-response' });
    expect(b.calls(SubmitJobCommand)).toHaveLength(0);
    expect(a.calls(SubmitJobCommand)).toHaveLength(1);
  });

  it('two hosts without a shared claim store submitting one key at once: one live job, both callers get it (the AWS duplicate-name quirk settled by ALREADY_EXISTS → find)', async () => {
    const a = createBatchMock();
    const b = createBatchMock();
    const spec = ORIGINAL.replace(/^  cloud: .*\n/m, '');
    // Two polycloud instances = two hosts, each with its own in-memory claim store.
    const [x, y] = await Promise.all([cluster(a, b).submit(spec), cluster(a, b).submit(spec)]);
    expect(y.jobId).toBe(x.jobId);
    expect([x.binding, y.binding]).toEqual(['CLOUD_A', 'CLOUD_A']);
    const live = [...a.jobs.values()].filter((j) => j.status !== 'FAILED');
    expect(live.map((j) => j.jobId)).toEqual([x.jobId]);
    // Both found nothing and both created: Batch took the name twice, and the newer job was terminated.
    expect(a.calls(SubmitJobCommand)).toHaveLength(2);
    expect(a.calls<{ reason: string }>(TerminateJobCommand).map((t) => t.reason)).toEqual([`polycloud: cancelled (duplicate of ${x.jobId})`]);
    expect(b.jobs.size).toBe(0);
    // Exactly one caller is told its submit started the job, unless both found it (then neither).
    expect([x.existing, y.existing].filter((e) => !e).length).toBeLessThanOrEqual(1);
  });
});
