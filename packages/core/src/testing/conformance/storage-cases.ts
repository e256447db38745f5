import { basicCases } from './storage/basic.js';
import { conditionCases } from './storage/conditions.js';
import { extraCases } from './storage/extras.js';
import { listingCases } from './storage/listing.js';
import { stalledCases } from './storage/stalled.js';
import { faultCases } from './storage/faults.js';
import type { StorageConformanceCase, StorageFaultCase } from './storage-types.js';

/**
 * Every storage conformance case, as data (`{ name, needs, run }`).
 * `runStorageAdapterConformance` maps them to vitest tests;
 * `runStorageConformanceCases` runs them without a test runner.
 */
export const storageConformanceCases: readonly StorageConformanceCase[] = Object.freeze([
  ...basicCases,
  ...listingCases,
  ...conditionCases,
  ...extraCases,
  ...stalledCases,
]);

/**
 * The fault cases: failure behaviour every adapter shares (a stopped storage → a
 * retryable UNAVAILABLE, working again once started; a body cut off mid-read). They
 * run after `storageConformanceCases` and only with a `faults` hook (stop / start).
 */
export const storageFaultCases: readonly StorageFaultCase[] = Object.freeze([...faultCases]);
