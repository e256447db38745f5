import { basicCases } from './storage/basic.js';
import { conditionCases } from './storage/conditions.js';
import { extraCases } from './storage/extras.js';
import { listingCases } from './storage/listing.js';
import { stalledCases } from './storage/stalled.js';
import type { StorageConformanceCase } from './storage-types.js';

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
