import { runStorageAdapterConformance } from '@polycloud/core/testing';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { type RunningAzurite, startAzurite } from '@polycloud/emulators';
import { randomContainer } from './azurite-fixture.js';
import { azureAdditionalTests } from './storage-azurite-extra.js';

// Azurite 3.35 enforces access conditions, so every conditional case runs here.
// It lacks only what polycloud does not use (versioning, change feed): no gaps.
let azurite: RunningAzurite | undefined;
runStorageAdapterConformance({
  name: 'azure (azurite 3.35.0)',
  create: async () => {
    azurite = await startAzurite();
    const adapter = createAzureBlobAdapter({ connectionString: azurite.connectionString }, { name: 'azurite' });
    const bucket = randomContainer('conformance');
    await adapter.ensureBucket(bucket);
    return {
      adapter,
      bucket,
      cleanup: async () => {
        await adapter.close?.();
        await azurite?.stop();
      },
    };
  },
  additionalTests: (get) => azureAdditionalTests(get, () => azurite!),
  // In memory: a restarted Azurite has lost every container (the fault cases create theirs again).
  faults: { stop: () => azurite!.stop(), start: () => azurite!.restart() },
});
