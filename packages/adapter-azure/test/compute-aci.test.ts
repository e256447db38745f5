import { createAzureAciAdapter, mapAzureAciError } from '@polycloud/adapter-azure';
import { aciSize } from '../src/compute/request.js';
import { createPolycloud, parseDataJob } from '@polycloud/core';
import { deriveIdempotencyKey, toComputeJobRequest } from '@polycloud/core/spi';
import { describe, expect, it } from 'vitest';
import { createArmMock, credential, SUBSCRIPTION } from './compute-aci-arm.js';
import { ORIGINAL_DATAJOB_YAML } from '@polycloud/core/testing';

const ORIGINAL = ORIGINAL_DATAJOB_YAML;
const FULL = `apiVersion: batch.mcp/v1
kind: DataJob
metadata: {name: data-cleaning}
spec:
  image: myregistry.azurecr.io/data-processor:v1
  command: [python, clean.py]
  args: [--day, '2026-01-01']
  env: {LEVEL: debug, BATCH: '100'}
  resources: {cpu: 500m, memory: 1.5Gi}
  timeout: 1h
  tags: {residency: eu}
`;
const request = (yaml: string) => {
  const job = parseDataJob(yaml);
  return toComputeJobRequest(job, deriveIdempotencyKey(job));
};
const target = (options: Record<string, unknown> = {}) => ({ physicalId: 'rg-jobs', region: 'westeurope', options });
const groupPath = (name: string, rg = 'rg-jobs') =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/containerGroups/${name}`;
const setup = () => {
  const arm = createArmMock();
  return { arm, adapter: createAzureAciAdapter({ subscriptionId: SUBSCRIPTION, credential, httpClient: arm.httpClient }) };
};

describe('ACI container group request, field by field (through the real SDK)', () => {
  it('the original DataJob: PUT …/containerGroups/<key> with one container, 2 vCPU / 4.0 GB, restartPolicy Never', async () => {
    const { arm, adapter } = setup();
    const job = request(ORIGINAL);
    const status = await adapter.submit(target(), job);
    const put = arm.requests.find((r) => r.method === 'PUT')!;
    expect(put.path).toBe(groupPath(job.idempotencyKey));
    expect(put.apiVersion).toBe('2023-05-01');
    expect(put.body).toEqual({
      location: 'westeurope',
      tags: { 'polycloud-idempotency-key': job.idempotencyKey, 'polycloud-job': 'data-cleaning' },
      properties: {
        osType: 'Linux',
        restartPolicy: 'Never',
        containers: [{ name: 'job', properties: { image: 'data-processor:v1', resources: { requests: { cpu: 2, memoryInGB: 4 } } } }],
      },
    });
    expect(status).toMatchObject({ jobId: job.idempotencyKey, state: 'PENDING', logLocation: `${groupPath(job.idempotencyKey)}/containers/job/logs` });
  });

  it('500m / 1.5Gi → 1 vCPU (the group minimum) / 1.5 GB; command + args, env, timeout tag, Spot priority', async () => {
    const { arm, adapter } = setup();
    await adapter.submit(target({ priority: 'Spot', location: 'northeurope' }), request(FULL));
    const body = arm.requests.find((r) => r.method === 'PUT')!.body as { location: string; tags: Record<string, string>; properties: Record<string, unknown> };
    expect(body.location).toBe('northeurope');
    expect(body.tags).toMatchObject({ residency: 'eu', 'polycloud-timeout-seconds': '3600' });
    expect(body.properties['priority']).toBe('Spot');
    expect(body.properties['containers']).toEqual([
      {
        name: 'job',
        properties: {
          image: 'myregistry.azurecr.io/data-processor:v1',
          command: ['python', 'clean.py', '--day', '2026-01-01'],
          environmentVariables: [
            { name: 'BATCH', value: '100' },
            { name: 'LEVEL', value: 'debug' },
          ],
          resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
        },
      },
    ]);
  });

  it.each([
    [0.5, 512, { cpu: 1, memoryInGB: 1 }],
    [2, 4096, { cpu: 2, memoryInGB: 4 }],
    [2.001, 4097, { cpu: 2.1, memoryInGB: 4.1 }],
    [3.5, 124, { cpu: 3.5, memoryInGB: 1 }],
    [1.25, 14336, { cpu: 1.3, memoryInGB: 14 }],
  ])('ACI sizing of %d vCPU / %d MiB', (cpu, mem, expected) => expect(aciSize(cpu, mem)).toEqual(expected));
});

describe('ACI behaviour', () => {
  it('submit is create-or-fail: one create-only PUT (If-None-Match: *, no GET first); a taken name fails with ALREADY_EXISTS and leaves the group', async () => {
    const { arm, adapter } = setup();
    const job = request(ORIGINAL);
    await adapter.submit(target(), job);
    // The PUT comes first (a GET after it is the SDK polling the create operation).
    expect(arm.requests[0]).toMatchObject({ method: 'PUT', ifNoneMatch: '*' });
    const sent = arm.requests.length;
    arm.setState(job.idempotencyKey, 'Running', { state: 'Running', startTime: new Date().toISOString() });
    const before = JSON.stringify(arm.groups.get(`rg-jobs/${job.idempotencyKey}`));
    await expect(adapter.submit(target(), job)).rejects.toMatchObject({ code: 'ALREADY_EXISTS', retryable: false });
    expect(arm.requests.slice(sent).map((r) => r.method)).toEqual(['PUT']);
    expect(JSON.stringify(arm.groups.get(`rg-jobs/${job.idempotencyKey}`))).toBe(before);
    expect(await adapter.find(target(), 'absent')).toBeUndefined();
    expect((await adapter.find(target(), job.idempotencyKey))?.jobId).toBe(job.idempotencyKey);
  });

  it('maps group and container states, exit codes and failures', async () => {
    const { arm, adapter } = setup();
    const { jobId } = await adapter.submit(target(), request(ORIGINAL));
    expect((await adapter.status(target(), jobId)).state).toBe('PENDING');
    arm.setState(jobId, 'Running', { state: 'Running', startTime: new Date().toISOString() });
    expect((await adapter.status(target(), jobId)).state).toBe('RUNNING');
    arm.complete(jobId, 0);
    expect(await adapter.status(target(), jobId)).toMatchObject({ state: 'SUCCEEDED', exitCode: 0, finishedAt: new Date('2026-01-15T12:05:00Z') });
    arm.complete(jobId, 137);
    expect(await adapter.status(target(), jobId)).toMatchObject({ state: 'FAILED', exitCode: 137, reason: 'Error' });
    arm.setState(jobId, 'Pending', undefined, 'Failed');
    expect((await adapter.status(target(), jobId)).state).toBe('FAILED');
    await expect(adapter.status(target(), 'missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('cancel tags and stops a running group (→ CANCELLED); a finished group is left alone', async () => {
    const { arm, adapter } = setup();
    const { jobId } = await adapter.submit(target(), request(ORIGINAL));
    arm.setState(jobId, 'Running', { state: 'Running', startTime: new Date().toISOString() });
    await adapter.cancel(target(), jobId);
    const patch = arm.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.body).toMatchObject({ tags: { 'polycloud-stopped': 'cancelled' } });
    expect(arm.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([`${groupPath(jobId)}/stop`]);
    expect(await adapter.status(target(), jobId)).toMatchObject({ state: 'CANCELLED', reason: 'cancelled' });
    await adapter.cancel(target(), jobId);
    expect(arm.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a running group past its timeout is stopped when its status is read → FAILED', async () => {
    const { arm, adapter } = setup();
    const { jobId } = await adapter.submit(target(), request(FULL));
    arm.setState(jobId, 'Running', { state: 'Running', startTime: new Date(Date.now() - 2 * 3600_000).toISOString() });
    expect(await adapter.status(target(), jobId)).toMatchObject({ state: 'FAILED', reason: 'timed out after 3600 s' });
    expect(await adapter.status(target(), jobId)).toMatchObject({ state: 'FAILED', reason: 'timed out after 3600 s' });
  });

  it("find() (core's idempotency look-up) and a refused resubmit are read-only: an overdue group is reported RUNNING, not stopped", async () => {
    const { arm, adapter } = setup();
    const job = request(FULL);
    const { jobId } = await adapter.submit(target(), job);
    arm.setState(jobId, 'Running', { state: 'Running', startTime: new Date(Date.now() - 2 * 3600_000).toISOString() });
    expect((await adapter.find(target(), job.idempotencyKey))?.state).toBe('RUNNING');
    await expect(adapter.submit(target(), job)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(arm.requests.filter((r) => r.method === 'PATCH' || r.method === 'POST')).toHaveLength(0);
  });

  it('env vars whose names look secret are sent as secureValue, never as value', async () => {
    const { arm, adapter } = setup();
    const job = {
      ...request(ORIGINAL),
      env: { API_KEY: 'k1', db_password: 'p1', GithubToken: 't1', CLIENT_SECRET: 's1', AZURE_CREDENTIALS: 'c1', LEVEL: 'debug' },
    };
    await adapter.submit(target(), job);
    const body = arm.requests.find((r) => r.method === 'PUT')!.body as { properties: { containers: { properties: { environmentVariables: unknown[] } }[] } };
    expect(body.properties.containers[0]!.properties.environmentVariables).toEqual([
      { name: 'API_KEY', secureValue: 'k1' },
      { name: 'AZURE_CREDENTIALS', secureValue: 'c1' },
      { name: 'CLIENT_SECRET', secureValue: 's1' },
      { name: 'GithubToken', secureValue: 't1' },
      { name: 'LEVEL', value: 'debug' },
      { name: 'db_password', secureValue: 'p1' },
    ]);
  });

  it('does not turn a validation or permission error mentioning "limit" or "quota" into a retryable QUOTA_EXCEEDED', () => {
    const ctx = { operation: 'submit' };
    const rest = (statusCode: number, code: string, message = 'x') => Object.assign(new Error(message), { name: 'RestError', statusCode, code });
    const cases: [Error, string, boolean][] = [
      [rest(400, 'InvalidRequestContent', 'The cpu request 8 exceeds the limit of 4 per container.'), 'INVALID_ARGUMENT', false],
      [rest(400, 'InvalidContainerGroupName', 'name length exceeds the limit'), 'INVALID_ARGUMENT', false],
      [rest(400, 'BadRequest', 'tag value length limit is 256'), 'INVALID_ARGUMENT', false],
      [
        rest(403, 'AuthorizationFailed', "The client does not have authorization to perform action; rate limit and quota exceeded don't matter"),
        'PERMISSION_DENIED',
        false,
      ],
      [rest(403, 'RequestDisallowedByPolicy', 'Resource was disallowed by policy (location limit).'), 'PERMISSION_DENIED', false],
      [rest(401, 'InvalidAuthenticationToken', 'quota'), 'PERMISSION_DENIED', false],
      [rest(409, 'Conflict', 'The container group is being updated; retry later (time limit 5 min).'), 'CONFLICT', true],
      [rest(400, 'InaccessibleImage', "The image 'x' in container group 'g' is not accessible."), 'INVALID_ARGUMENT', false],
      [rest(400, 'RegistryErrorResponse', 'An error response is received from the docker registry.'), 'UNAVAILABLE', true],
      [rest(409, 'SkuNotAvailable', 'The requested VM size is not available in the location.'), 'QUOTA_EXCEEDED', true],
      [
        rest(409, 'OperationNotAllowed', 'Operation could not be completed as it results in exceeding approved StandardCores quota. Current Limit: 10.'),
        'QUOTA_EXCEEDED',
        true,
      ],
      [rest(503, 'ServiceUnavailable', 'The service is unavailable.'), 'UNAVAILABLE', true],
    ];
    for (const [error, code, retryable] of cases)
      expect(mapAzureAciError(error, ctx), `${(error as Error & { code: string }).code}: ${error.message}`).toMatchObject({ code, retryable });
  });

  it('transport failures go through core classifyNetworkError (codes nested in cause, more than four errnos)', () => {
    const ctx = { operation: 'status' };
    const nested = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('x'), { code }) });
    expect(mapAzureAciError(nested('EHOSTUNREACH'), ctx)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(mapAzureAciError(nested('UND_ERR_HEADERS_TIMEOUT'), ctx)).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(mapAzureAciError(Object.assign(new Error('x'), { code: 'EAI_AGAIN' }), ctx)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(mapAzureAciError(new TypeError('weird'), ctx)).toMatchObject({ code: 'UNEXPECTED', retryable: false });
  });

  it('maps ARM errors to core codes', async () => {
    const ctx = { operation: 'submit' };
    const rest = (statusCode: number, code: string, message = 'x') => Object.assign(new Error(message), { name: 'RestError', statusCode, code });
    expect(
      mapAzureAciError(rest(409, 'ServiceUnavailable', "The requested resource is not available in the location 'westeurope' at this moment."), ctx),
    ).toMatchObject({ code: 'QUOTA_EXCEEDED', retryable: true });
    expect(
      mapAzureAciError(
        rest(
          409,
          'ContainerGroupQuotaReached',
          "Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota 'StandardCores' exceeded in region 'eastus'.",
        ),
        ctx,
      ),
    ).toMatchObject({ code: 'QUOTA_EXCEEDED', retryable: true });
    expect(mapAzureAciError(rest(429, 'TooManyRequests'), ctx)).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(mapAzureAciError(rest(409, 'ContainerGroupTransitioning'), ctx)).toMatchObject({ code: 'CONFLICT', retryable: true });
    expect(mapAzureAciError(rest(404, 'ResourceGroupNotFound'), ctx)).toMatchObject({ code: 'NOT_FOUND' });
    expect(mapAzureAciError(rest(403, 'AuthorizationFailed'), ctx)).toMatchObject({ code: 'PERMISSION_DENIED', retryable: false });
    expect(mapAzureAciError(rest(400, 'InvalidContainerGroupName'), ctx)).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    expect(mapAzureAciError(rest(503, 'ServerBusy'), ctx)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(mapAzureAciError(Object.assign(new Error('socket hang up'), { name: 'RestError', code: 'REQUEST_SEND_ERROR' }), ctx)).toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
    });
    // Through the SDK: an unknown resource group.
    const arm = createArmMock([]);
    const adapter = createAzureAciAdapter({ subscriptionId: SUBSCRIPTION, credential, httpClient: arm.httpClient });
    await expect(adapter.submit(target(), request(ORIGINAL))).rejects.toMatchObject({ code: 'NOT_FOUND', context: { provider: 'azure-aci', status: 404 } });
  });

  it('validates options, resource groups and keys', async () => {
    expect(() => createAzureAciAdapter({ subscriptionId: 'nope', credential })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', context: expect.objectContaining({ path: ['subscriptionId'] }) }),
    );
    expect(() => createAzureAciAdapter({ subscriptionId: SUBSCRIPTION })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', context: expect.objectContaining({ path: ['credential'] }) }),
    );
    const { adapter } = setup();
    await expect(adapter.submit({ physicalId: 'rg-jobs', options: {} }, request(ORIGINAL))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      context: { path: ['region'] },
    });
    await expect(adapter.submit(target({ osType: 'Mac' }), request(ORIGINAL))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      context: { path: ['options', 'osType'] },
    });
    await expect(
      adapter.submit(
        { physicalId: '/subscriptions/99999999-1111-2222-3333-444444444444/resourceGroups/rg', region: 'westeurope', options: {} },
        request(ORIGINAL),
      ),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(adapter.submit(target(), { ...request(ORIGINAL), idempotencyKey: 'Bad_Name' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('probe lists the resource group', async () => {
    const { adapter } = setup();
    await expect(adapter.probe!(target())).resolves.toBeUndefined();
    await expect(adapter.probe!({ physicalId: 'rg-other', options: {} })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('ACI behind a LogicalCluster', () => {
  const setupCluster = () => {
    const a = createArmMock();
    const b = createArmMock();
    const cluster = createPolycloud({
      providers: [
        { name: 'aci-we', adapter: createAzureAciAdapter({ subscriptionId: SUBSCRIPTION, credential, httpClient: a.httpClient }) },
        { name: 'aci-ne', adapter: createAzureAciAdapter({ subscriptionId: SUBSCRIPTION, credential, httpClient: b.httpClient }) },
      ],
      resources: [
        {
          resource_id: 'lc',
          type: 'LogicalCluster',
          providers: [
            { cloud: 'CLOUD_A', provider: 'aci-we', physical_id: 'rg-jobs', region: 'westeurope' },
            { cloud: 'CLOUD_B', provider: 'aci-ne', physical_id: 'rg-jobs', region: 'northeurope' },
          ],
        },
      ],
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
    }).cluster('lc', { lookupSettleMs: 0 });
    return { a, b, cluster };
  };

  it('fails over when a region is out of capacity (409 ServiceUnavailable)', async () => {
    const { a, b, cluster } = setupCluster();
    a.failNext['PUT'] = [
      { status: 409, code: 'ServiceUnavailable', message: "The requested resource is not available in the location 'westeurope' at this moment." },
    ];
    const job = await cluster.submit(ORIGINAL.replace(/^  cloud: .*\n/m, ''));
    expect(job.binding).toBe('CLOUD_B');
    expect([a.groups.size, b.groups.size]).toEqual([0, 1]);
  });

  it('a PUT that ARM accepted but whose response failed (503) is found, not created again elsewhere', async () => {
    const { a, b, cluster } = setupCluster();
    a.failNext['PUT'] = [{ status: 503, code: 'ServerTimeout', message: 'The request timed out.', afterAccepting: true }];
    const job = await cluster.submit(ORIGINAL.replace(/^  cloud: .*\n/m, ''));
    expect(job.binding).toBe('CLOUD_A');
    expect([a.groups.size, b.groups.size]).toEqual([1, 0]);
    expect(b.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
  });
});
