import { createFakeClock, createMemoryComputeAdapter, runComputeAdapterConformance } from '@polycloud/core/testing';

// Jobs run until the suite completes or cancels them (runMs: null), on a fake clock.
runComputeAdapterConformance({
  name: 'memory',
  create: async () => {
    const adapter = createMemoryComputeAdapter({ clock: createFakeClock(), runMs: null });
    return {
      adapter,
      target: { physicalId: 'queue-1', options: {} },
      complete: async (jobId, outcome) => void (await adapter.complete(jobId, outcome)),
    };
  },
});
