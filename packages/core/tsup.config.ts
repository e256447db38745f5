import { defineConfig } from 'tsup';
import { polycloudPreset } from '../../tooling/tsup.preset';

// The test kit imports core by its package name, as any third-party kit would, so
// `@polycloud/core/testing` shares core's one copy at run time (one PolycloudError
// class, one registry) instead of bundling its own.
export default defineConfig(
  polycloudPreset({ index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' }, { external: ['@polycloud/core'] }),
);
