import { createMemoryStorageAdapter, runStorageAdapterConformance } from '@polycloud/core/testing';

// The memory adapter runs the same suite every adapter runs, with every capability on…
runStorageAdapterConformance({
  name: 'memory',
  create: async () => ({ adapter: createMemoryStorageAdapter({ buckets: ['conformance'] }), bucket: 'conformance' }),
});

// …and narrowed like an S3-style provider (412 for ifNoneMatch, no multipart): the
// multipart case is skipped with its reason, the rest still pass.
runStorageAdapterConformance({
  name: 'memory (S3-like, single-part)',
  create: async () => ({
    adapter: createMemoryStorageAdapter({ buckets: ['b'], ifNoneMatchFailure: 'CONDITION_NOT_MET', capabilities: { multipart: false } }),
    bucket: 'b',
  }),
});
