import { createAwsBatchAdapter } from '@polycloud/adapter-aws';
import { runComputeAdapterConformance } from '@polycloud/core/testing';
import { createBatchMock } from './compute-batch-mock.js';

runComputeAdapterConformance({
  name: 'aws-batch (aws-sdk-client-mock, stateful)',
  async create() {
    const batch = createBatchMock();
    return {
      adapter: createAwsBatchAdapter({ client: batch.client }),
      target: { physicalId: 'queue-a', region: 'us-east-1', options: {} },
      complete: async (jobId, { exitCode }) => batch.complete(jobId, exitCode),
      unknownJobId: '00000000-0000-4000-8000-999999999999',
    };
  },
});
