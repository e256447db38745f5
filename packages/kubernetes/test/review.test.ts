/* eslint-disable @typescript-eslint/no-explicit-any -- API objects are read as loose JSON in assertions */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeyForUid } from '@polycloud/kubernetes';
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
