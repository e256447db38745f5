import { dataJobCrdSchema } from '../../crd.js';
import type { JsonSchema } from '../../crd/structural.js';

let cached: JsonSchema | undefined;

/** The DataJob CRD's openAPIV3Schema, built once: what the fake validates DataJobs against. */
export function dataJobCrdSchemaFromJson(): JsonSchema {
  return (cached ??= dataJobCrdSchema());
}
