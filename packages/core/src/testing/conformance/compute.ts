import { computeConformanceCases } from './compute-cases.js';
import { cancelLeftoverJobs, computeCaseContext } from './compute-context.js';
import type { ComputeCaseContext } from './compute-types.js';
import { computeRunId } from './compute-run.js';
import { type ComputeConformanceEnv, type ComputeConformanceGaps, computeSkipReason } from './compute-types.js';
import type { ConformanceReport } from './storage.js';
import { vitestApi } from './vitest-api.js';

export interface ComputeConformanceOptions {
  /** Shown in the suite name, e.g. `aws-batch (mocked)`. */
  name: string;
  create: () => Promise<ComputeConformanceEnv>;
  gaps?: ComputeConformanceGaps;
  /** vitest timeout per case, ms (default 120 000); raise it with `jobTimeoutMs` for slow real backends. */
  testTimeoutMs?: number;
}

/**
 * Declares the compute conformance suite as a vitest `describe` block. With a
 * `complete` hook the cases drive jobs to completion; without one they submit real
 * jobs (`jobTemplate`) and poll until they finish.
 */
export function runComputeAdapterConformance(options: ComputeConformanceOptions): ConformanceReport {
  const { afterAll, beforeAll, describe, it } = vitestApi();
  const report: ConformanceReport = { name: options.name, passed: 0, failed: 0, skipped: [] };
  const runId = computeRunId();
  let env: ComputeConformanceEnv | undefined;
  let ctx: ComputeCaseContext | undefined;

  describe(`compute adapter conformance: ${options.name}`, () => {
    beforeAll(async () => {
      env = await options.create();
    });
    afterAll(async () => {
      if (ctx) await cancelLeftoverJobs(ctx);
      await env?.cleanup?.();
      const ran = report.passed + report.failed;
      console.info(`[conformance] compute ${options.name}: ${ran} ran (${report.passed} passed, ${report.failed} failed), ${report.skipped.length} skipped`);
    });

    for (const c of computeConformanceCases) {
      it(c.name, { timeout: options.testTimeoutMs ?? 120_000 }, async (t) => {
        if (!env) throw new Error(`compute conformance "${options.name}": create() has not finished (or failed)`);
        const reason = computeSkipReason(env.adapter.capabilities, c.needs, options.gaps);
        if (reason) {
          report.skipped.push({ name: c.name, reason });
          return t.skip(reason);
        }
        try {
          ctx ??= computeCaseContext(env, runId);
          await c.run(ctx);
          report.passed++;
        } catch (e) {
          report.failed++;
          throw e;
        }
      });
    }
  });
  return report;
}
