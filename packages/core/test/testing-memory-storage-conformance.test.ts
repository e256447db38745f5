import { createMemoryStorageAdapter, runStorageAdapterConformance } from '@polycloud/core/testing';

// The memory adapter runs the same suite every adapter runs, with every capability on…
runStorageAdapterConformance({
  name: 'memory',
  create: async () => ({ adapter: createMemoryStorageAdapter({ buckets: ['conformance'] }), bucket: 'conformance' }),
});

// …and narrowed like a provider without multipart uploads: the multipart case is
// skipped with its reason, the rest still pass.
runStorageAdapterConformance({
  name: 'memory (single-part)',
  create: async () => ({
    adapter: createMemoryStorageAdapter({ buckets: ['b'], capabilities: { multipart: false } }),
    bucket: 'b',
  }),
});
