import type { Options } from 'tsup';

/**
 * The one tsup preset every published package builds with: ESM + CJS, a
 * declaration file per format (so `import` gets .d.ts and `require` gets .d.cts),
 * sourcemaps, and every dependency left external.
 */
export function polycloudPreset(entry: Record<string, string>, overrides: Options = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    outDir: 'dist',
    ...overrides,
  };
}
