import { createGcpBatchAdapter } from '@polycloud/adapter-gcp';
import { deriveIdempotencyKey, toComputeJobRequest } from '@polycloud/core/spi';
import { parseDataJob } from '@polycloud/core';
import { runComputeAdapterConformance } from '@polycloud/core/testing';
import { describe, expect, it } from 'vitest';
import { createRestGcpBatch } from './compute-batch-rest.js';

const PARENT = 'projects/demo-project/locations/europe-west1';
const FULL = `apiVersion: batch.mcp/v1
kind: DataJob
metadata: {name: data-cleaning}
spec:
  image: data-processor:v1
  command: [python, clean.py]
  args: [--day, '2026-01-01']
  env: {LEVEL: debug}
  resources: {cpu: 500m, memory: 4Gi}
  timeout: 1h30m
  retries: 2
`;

describe('Cloud Batch through the real BatchServiceClient (HTTP/JSON transport)', () => {
  it('sends the documented CreateJob REST request', async () => {
    const gcp = createRestGcpBatch();
    const adapter = createGcpBatchAdapter({ client: gcp.client });
    const job = parseDataJob(FULL);
    const request = toComputeJobRequest(job, deriveIdempotencyKey(job));
    const status = await adapter.submit({ physicalId: PARENT, options: {} }, request);
    const create = gcp.calls.find((c) => c.method === 'POST')!;
    expect(create.path).toBe(`${PARENT}/jobs`);
    expect(create.query).toMatchObject({ jobId: request.idempotencyKey, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const body = create.body as { taskGroups: { taskCount: string; taskSpec: Record<string, unknown> }[]; logsPolicy: unknown; labels: unknown };
    expect(body.taskGroups[0]!.taskSpec).toMatchObject({
      runnables: [{ container: { imageUri: 'data-processor:v1', entrypoint: 'python', commands: ['clean.py', '--day', '2026-01-01'] } }],
      computeResource: { cpuMilli: '500', memoryMib: '4096' }, // int64 as JSON strings
      maxRunDuration: '5400s',
      maxRetryCount: 2,
      environment: { variables: { LEVEL: 'debug' } },
    });
    expect(body.logsPolicy).toEqual({ destination: 1 }); // CLOUD_LOGGING (the client asks for int enum encoding)
    expect(status).toMatchObject({ jobId: request.idempotencyKey, state: 'PENDING' });
    // Create-or-fail: no GET before the create; a second CreateJob of the job id is refused (409 → ALREADY_EXISTS).
    expect(gcp.calls.filter((c) => c.method === 'GET')).toHaveLength(0);
    await expect(adapter.submit({ physicalId: PARENT, options: {} }, request)).rejects.toMatchObject({ code: 'ALREADY_EXISTS', retryable: false });
    expect(gcp.calls.filter((c) => c.method === 'GET')).toHaveLength(0);
    expect(gcp.jobs.size).toBe(1);
    await expect(adapter.status({ physicalId: PARENT, options: {} }, 'missing-job')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

runComputeAdapterConformance({
  name: 'gcp-batch (real client, REST transport, HTTP-level fake)',
  async create() {
    const gcp = createRestGcpBatch();
    return {
      adapter: createGcpBatchAdapter({ client: gcp.client }),
      target: { physicalId: PARENT, region: 'europe-west1', options: {} },
      complete: async (jobId, { exitCode }) => gcp.complete(jobId, exitCode),
    };
  },
});
