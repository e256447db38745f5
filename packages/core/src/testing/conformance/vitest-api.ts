import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Vitest from 'vitest';
import { PolycloudError } from '@polycloud/core/spi';

/** The part of vitest's API the conformance runners use. */
export type VitestApi = Pick<typeof Vitest, 'describe' | 'it' | 'beforeAll' | 'afterAll'>;

let cached: VitestApi | undefined;

/**
 * vitest's test API, loaded when a runner is first called instead of imported at
 * the top: loading `@polycloud/core/testing` for the memory adapters, the fake clock
 * or fault injection then needs no vitest at all, and the CommonJS build loads
 * (vitest's own CommonJS entry refuses `require()`). vitest's ES module entry is
 * required by path; Node ≥ 20.19 returns the very instance vitest is running with.
 */
export function vitestApi(): VitestApi {
  if (cached) return cached;
  try {
    const from = typeof __filename === 'string' ? __filename : import.meta.url;
    const require = createRequire(from);
    const entry = join(dirname(require.resolve('vitest/package.json')), 'dist', 'index.js');
    cached = require(entry) as VitestApi;
    return cached;
  } catch (cause) {
    throw new PolycloudError(
      'UNSUPPORTED',
      'the conformance suites run on vitest 4: install vitest (an optional peer of @polycloud/core) and run them from a vitest test file',
      {
        cause,
        retryable: false,
      },
    );
  }
}
