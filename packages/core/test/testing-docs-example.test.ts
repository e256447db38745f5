import { createAdapterRegistry } from '@polycloud/core';
import { runStorageAdapterConformance } from '@polycloud/core/testing';
import { mapAdapterFactory } from './testing-docs-map-adapter.js';

// The ~10-line test file of docs/testing.md: a user's own adapter, built through a registry.
runStorageAdapterConformance({
  name: 'map (docs example)',
  create: async () => {
    const registry = createAdapterRegistry([mapAdapterFactory]);
    const adapter = registry.createStorage('map', { buckets: ['test'] }, { name: 'local-map' });
    return { adapter, bucket: 'test' };
  },
});
