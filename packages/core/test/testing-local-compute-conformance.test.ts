import { createLocalComputeAdapter } from '@polycloud/core';
import { runComputeAdapterConformance } from '@polycloud/core/testing';

// No `complete` hook: the cases run real jobs (`sh -c 'exit N'`, `sleep 300`) and poll.
runComputeAdapterConformance({
  name: 'local (real processes)',
  create: async () => {
    const adapter = createLocalComputeAdapter({ killGraceMs: 200 }, { name: 'local' });
    return { adapter, target: { physicalId: 'local', options: {} }, jobTimeoutMs: 20_000, cleanup: () => adapter.close?.() ?? Promise.resolve() };
  },
});
