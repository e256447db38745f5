import { callCases } from './corpus-calls.js';
import { configCases } from './corpus-config.js';
import { jobCases } from './corpus-jobs.js';
import { urmCases } from './corpus-urm.js';
import type { HostileCase } from './types.js';

/** Every case of the hostile-input corpus, in a fixed order (indexes are stable within a run). */
export const CORPUS: readonly HostileCase[] = [...configCases, ...urmCases, ...jobCases, ...callCases];
