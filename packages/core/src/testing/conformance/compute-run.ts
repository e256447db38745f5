import { randomBytes } from 'node:crypto';
import { computeConformanceCases } from './compute-cases.js';
import { cancelLeftoverJobs, computeCaseContext } from './compute-context.js';
import { type ComputeConformanceCase, type ComputeConformanceEnv, type ComputeConformanceGaps, computeSkipReason } from './compute-types.js';
import type { ConformanceCaseResult } from './storage-run.js';

/** A short `[a-z0-9]` id for one compute conformance run (idempotency keys are at most 63 characters). */
export function computeRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Runs compute conformance cases without a test runner and reports each outcome. */
export async function runComputeConformanceCases(
  env: ComputeConformanceEnv,
  options: { gaps?: ComputeConformanceGaps; cases?: readonly ComputeConformanceCase[]; runId?: string } = {},
): Promise<ConformanceCaseResult[]> {
  const ctx = computeCaseContext(env, options.runId ?? computeRunId());
  const results: ConformanceCaseResult[] = [];
  for (const c of options.cases ?? computeConformanceCases) {
    const reason = computeSkipReason(env.adapter.capabilities, c.needs, options.gaps);
    if (reason) {
      results.push({ name: c.name, status: 'skipped', reason });
      continue;
    }
    try {
      await c.run(ctx);
      results.push({ name: c.name, status: 'passed' });
    } catch (error) {
      results.push({ name: c.name, status: 'failed', error });
    }
  }
  await cancelLeftoverJobs(ctx);
  return results;
}
