import type { StorageAdapter } from '@polycloud/core/spi';
import { conformanceRunPrefix } from './run-id.js';
import { vitestApi } from './vitest-api.js';
import { storageConformanceCases, storageFaultCases } from './storage-cases.js';
import { deleteUnderPrefix, storageCaseContext } from './storage-run.js';
import { type StorageConformanceEnv, type StorageConformanceFaults, type StorageConformanceGaps, storageSkipReason } from './storage-types.js';

export interface StorageConformanceOptions {
  /** Shown in the suite name, e.g. `aws (s3rver)`. */
  name: string;
  /** Called once before the cases: an adapter and an existing bucket. */
  create: () => Promise<StorageConformanceEnv>;
  /** What this environment lacks although the adapter declares it; those cases are skipped with the text. */
  gaps?: StorageConformanceGaps;
  /** Your own tests, inside the same describe block, with the same adapter and bucket. */
  additionalTests?: (get: () => { adapter: StorageAdapter; bucket: string }) => void;
  /**
   * Stop / start the storage behind the adapter (an emulator's `stop()` / `restart()`):
   * the fault cases then run last, after `additionalTests`. Without it they are skipped.
   */
  faults?: StorageConformanceFaults;
}

/** Why the fault cases are skipped when the suite has no `faults` hook. */
const NO_FAULTS_HOOK = "no faults hook: pass faults: { stop, start } (e.g. the emulator's stop / restart) to run the fault cases";

/** Counts of one suite, filled in as it runs (also printed when it ends). */
export interface ConformanceReport {
  readonly name: string;
  passed: number;
  failed: number;
  skipped: { name: string; reason: string }[];
}

/**
 * Declares the storage conformance suite as a vitest `describe` block: every case
 * of `storageConformanceCases`, run against the adapter `create` returns, in a
 * fresh key prefix that is cleaned up afterwards. A case whose capability the
 * adapter does not declare, or that `gaps` names, is skipped with the reason.
 */
export function runStorageAdapterConformance(options: StorageConformanceOptions): ConformanceReport {
  const { afterAll, beforeAll, describe, it } = vitestApi();
  const report: ConformanceReport = { name: options.name, passed: 0, failed: 0, skipped: [] };
  const runPrefix = conformanceRunPrefix();
  let env: StorageConformanceEnv | undefined;
  const get = () => {
    if (!env) throw new Error(`storage conformance "${options.name}": create() has not finished (or failed)`);
    return { adapter: env.adapter, bucket: env.bucket };
  };

  describe(`storage adapter conformance: ${options.name}`, () => {
    beforeAll(async () => {
      env = await options.create();
    });
    afterAll(async () => {
      try {
        if (env) await deleteUnderPrefix(env.adapter, env.bucket, runPrefix).catch(() => undefined);
      } finally {
        await env?.cleanup?.();
        const ran = report.passed + report.failed;
        console.info(`[conformance] storage ${options.name}: ${ran} ran (${report.passed} passed, ${report.failed} failed), ${report.skipped.length} skipped`);
      }
    });

    for (const [index, c] of storageConformanceCases.entries()) {
      it(c.name, { timeout: c.timeoutMs ?? 30_000 }, async (t) => {
        const { adapter, bucket } = get();
        const reason = storageSkipReason(adapter.capabilities, c.needs, options.gaps);
        if (reason) {
          report.skipped.push({ name: c.name, reason });
          return t.skip(reason);
        }
        try {
          await c.run(storageCaseContext(adapter, bucket, runPrefix, index));
          report.passed++;
        } catch (e) {
          report.failed++;
          throw e;
        }
      });
    }

    options.additionalTests?.(get);

    // Last: stopping and starting the storage may lose its data (in-memory emulators).
    const faultsIndex = storageConformanceCases.length;
    for (const [index, c] of storageFaultCases.entries()) {
      it(`faults: ${c.name}`, { timeout: c.timeoutMs ?? 30_000 }, async (t) => {
        const { adapter, bucket } = get();
        const reason = options.faults ? storageSkipReason(adapter.capabilities, c.needs, options.gaps) : NO_FAULTS_HOOK;
        if (reason) {
          report.skipped.push({ name: c.name, reason });
          return t.skip(reason);
        }
        try {
          await c.run(storageCaseContext(adapter, bucket, runPrefix, faultsIndex + index), options.faults!);
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
