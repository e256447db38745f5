import { afterAll, describe, expect, it } from 'vitest';
import { runComputeAdapterConformance } from '@polycloud/core/testing';
import { createKubernetesComputeAdapter } from '@polycloud/kubernetes';
import { type FakeKubernetesApiServer, startFakeKubernetesApiServer } from '@polycloud/kubernetes/testing';

let server: FakeKubernetesApiServer | undefined;

runComputeAdapterConformance({
  name: 'kubernetes (fake API server, @kubernetes/client-node)',
  async create() {
    server = await startFakeKubernetesApiServer({ namespace: 'batch' });
    const s = server;
    return {
      adapter: createKubernetesComputeAdapter({ kubeconfig: s.kubeconfig() }),
      target: { physicalId: 'batch', options: {} },
      complete: async (jobId, { exitCode }) => {
        s.finishJob('batch', jobId, { exitCode });
      },
      unknownJobId: 'pc-conformance-missing',
      cleanup: () => s.close(),
    };
  },
});

describe('kubernetes adapter under conformance', () => {
  it('sent the API server only valid objects (zero requests refused as invalid)', () => {
    expect(server?.requests.length).toBeGreaterThan(10);
    expect(server?.invalidRequests).toEqual([]);
    expect(server?.warnings).toEqual([]);
  });
});
afterAll(() => server?.close());
