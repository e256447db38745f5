import { defineConfig } from 'tsup';
import { polycloudPreset } from '../../tooling/tsup.preset';

// The test kit imports core by its package names, as any third-party kit would, so
// `@polycloud/core/testing` shares core's one copy at run time (one PolycloudError
// class, one registry) instead of bundling its own. The two public entries (`.` and
// `./spi`, `./config`) share their modules through split chunks, for the same reason.
export default defineConfig(
  polycloudPreset(
    { index: 'src/index.ts', spi: 'src/spi.ts', config: 'src/config/index.ts', 'testing/index': 'src/testing/index.ts' },
    // `shims`: the CommonJS build gets an `import.meta.url` (the lazy `yaml` load resolves from it).
    { external: ['@polycloud/core', '@polycloud/core/spi'], splitting: true, shims: true },
  ),
);
