import { createGcpBatchAdapter } from '@polycloud/adapter-gcp';
import { runComputeAdapterConformance } from '@polycloud/core/testing';
import { createFakeGcpBatch } from './compute-batch-fake.js';

runComputeAdapterConformance({
  name: 'gcp-batch (injected stateful client)',
  async create() {
    const gcp = createFakeGcpBatch();
    return {
      adapter: createGcpBatchAdapter({ client: gcp.client }),
      target: { physicalId: 'projects/demo-project/locations/europe-west1', region: 'europe-west1', options: {} },
      complete: async (jobId, { exitCode }) => gcp.complete(jobId, exitCode),
    };
  },
});
