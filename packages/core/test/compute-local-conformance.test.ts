import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalComputeAdapter } from '@polycloud/core';
import { runComputeAdapterConformance } from '@polycloud/core/testing';

runComputeAdapterConformance({
  name: 'local (child processes)',
  async create() {
    const logDir = mkdtempSync(join(tmpdir(), 'pc-local-conf-'));
    const adapter = createLocalComputeAdapter({ logDir, killGraceMs: 500 });
    return {
      adapter,
      target: { physicalId: 'conformance', options: {} },
      // The image is ignored: each behaviour is a portable node command.
      jobTemplate: (b) => ({
        command: [process.execPath, '-e', b.kind === 'exit' ? `process.exit(${b.exitCode})` : `setTimeout(() => {}, ${b.seconds * 1000})`],
      }),
      jobTimeoutMs: 20_000,
      cleanup: async () => {
        await adapter.close?.();
        rmSync(logDir, { recursive: true, force: true });
      },
    };
  },
});
