import { createAzureContainerInstancesAdapter } from '@polycloud/adapter-azure';
import { runComputeAdapterConformance } from '@polycloud/core/testing';
import { createArmMock, credential, SUBSCRIPTION } from './compute-aci-arm.js';

runComputeAdapterConformance({
  name: 'azure-aci (real SDK, HTTP-level ARM mock)',
  async create() {
    const arm = createArmMock();
    return {
      adapter: createAzureContainerInstancesAdapter({ subscriptionId: SUBSCRIPTION, credential, httpClient: arm.httpClient }),
      target: { physicalId: 'rg-jobs', region: 'westeurope', options: {} },
      complete: async (jobId, { exitCode }) => arm.complete(jobId, exitCode),
    };
  },
});
