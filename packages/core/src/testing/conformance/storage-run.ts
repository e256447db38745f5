import type { StorageAdapter } from '@polycloud/core/spi';
import { conformanceRunPrefix } from './run-id.js';
import { storageConformanceCases, storageFaultCases } from './storage-cases.js';
import {
  type StorageCaseContext,
  type StorageConformanceCase,
  type StorageConformanceFaults,
  type StorageConformanceGaps,
  type StorageFaultCase,
  storageSkipReason,
} from './storage-types.js';

/** The outcome of one case run outside vitest. */
export interface ConformanceCaseResult {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  /** Why it was skipped. */
  reason?: string;
  /** What failed (an AssertionError, or what the adapter threw). */
  error?: unknown;
}

export interface RunStorageConformanceCasesOptions {
  adapter: StorageAdapter;
  bucket: string;
  gaps?: StorageConformanceGaps;
  /** Defaults to every case. */
  cases?: readonly StorageConformanceCase[];
  /** Defaults to a fresh `pc-conformance/<id>/`. */
  prefix?: string;
  /** With a stop / start hook, the fault cases (`storageFaultCases`, or `faultCases`) run after the others. */
  faults?: StorageConformanceFaults;
  /** Defaults to every fault case; only run with `faults`. */
  faultCases?: readonly StorageFaultCase[];
}

/** The context of case number `index` of a run under `runPrefix`. */
export function storageCaseContext(adapter: StorageAdapter, bucket: string, runPrefix: string, index: number): StorageCaseContext {
  const prefix = `${runPrefix}${String(index).padStart(2, '0')}/`;
  return { adapter, bucket, prefix, key: (name) => `${prefix}${name}` };
}

/**
 * Runs conformance cases one after the other without a test runner and reports
 * each outcome: for a quick check in a script, or to show that a broken adapter
 * fails specific cases.
 */
export async function runStorageConformanceCases(options: RunStorageConformanceCasesOptions): Promise<ConformanceCaseResult[]> {
  const cases = options.cases ?? storageConformanceCases;
  const runPrefix = options.prefix ?? conformanceRunPrefix();
  const results: ConformanceCaseResult[] = [];
  for (const [index, c] of cases.entries()) {
    const reason = storageSkipReason(options.adapter.capabilities, c.needs, options.gaps);
    if (reason) {
      results.push({ name: c.name, status: 'skipped', reason });
      continue;
    }
    try {
      await c.run(storageCaseContext(options.adapter, options.bucket, runPrefix, index));
      results.push({ name: c.name, status: 'passed' });
    } catch (error) {
      results.push({ name: c.name, status: 'failed', error });
    }
  }
  const faults = options.faults;
  if (!faults) return results;
  for (const [index, c] of (options.faultCases ?? storageFaultCases).entries()) {
    const name = `faults: ${c.name}`;
    const reason = storageSkipReason(options.adapter.capabilities, c.needs, options.gaps);
    if (reason) {
      results.push({ name, status: 'skipped', reason });
      continue;
    }
    try {
      await c.run(storageCaseContext(options.adapter, options.bucket, runPrefix, cases.length + index), faults);
      results.push({ name, status: 'passed' });
    } catch (error) {
      results.push({ name, status: 'failed', error });
    }
  }
  return results;
}

/** Deletes every object under `prefix`, best effort (cleanup after a run). */
export async function deleteUnderPrefix(adapter: StorageAdapter, bucket: string, prefix: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await adapter.list(bucket, { prefix, ...(token === undefined ? {} : { continuationToken: token }) });
    for (const o of page.objects) await adapter.delete(bucket, o.key).catch(() => undefined);
    token = page.continuationToken;
  } while (token);
}
