import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

// Tests import packages by name; these aliases point them at the sources so a test
// run needs no build (the packaging test builds and packs core on its own).
const alias = {
  '@polycloud/core/testing': src('core/src/testing/index.ts'),
  '@polycloud/core/spi': src('core/src/spi.ts'),
  '@polycloud/core/config': src('core/src/config/index.ts'),
  '@polycloud/core': src('core/src/index.ts'),
  '@polycloud/router': src('router/src/index.ts'),
  '@polycloud/sync': src('sync/src/index.ts'),
  '@polycloud/adapter-aws': src('adapter-aws/src/index.ts'),
  '@polycloud/adapter-gcp': src('adapter-gcp/src/index.ts'),
  '@polycloud/adapter-azure': src('adapter-azure/src/index.ts'),
  '@polycloud/emulators': src('emulators/src/index.ts'),
  '@polycloud/cli': src('cli/src/index.ts'),
  '@polycloud/kubernetes/testing': src('kubernetes/src/testing/index.ts'),
  '@polycloud/kubernetes': src('kubernetes/src/index.ts'),
  '@polycloud/gateway': src('gateway/src/index.ts'),
};

const project = (name: string, extra: Record<string, unknown> = {}) => ({
  extends: true as const,
  test: { name, include: [`packages/${name}/test/**/*.test.ts`], ...extra },
});

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default', './tooling/summary-reporter.ts'],
    projects: [
      project('core'),
      project('router'),
      project('sync'),
      project('adapter-aws'),
      project('adapter-gcp'),
      project('adapter-azure'),
      project('cli'),
      project('kubernetes'),
      project('gateway'),
      { extends: true as const, test: { name: 'repo', include: ['test/**/*.test.ts'] } },
    ],
  },
});
