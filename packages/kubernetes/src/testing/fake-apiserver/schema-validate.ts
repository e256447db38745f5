import type { JsonSchema } from '../../crd/structural.js';
import type { StatusCause } from './status.js';

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
const show = (v: unknown) => JSON.stringify(v);
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/**
 * Validates `value` against a structural schema (a CRD's `openAPIV3Schema`) the way the
 * API server does, with its messages (`spec.retries: Invalid value: 10: spec.retries in
 * body should be less than or equal to 9`), and prunes fields the schema does not know
 * (returned as `unknown`, which the server reports as warnings, not errors).
 */
export function validateStructural(schema: JsonSchema, value: unknown): { causes: StatusCause[]; unknown: string[] } {
  const causes: StatusCause[] = [];
  const unknown: string[] = [];
  walk(schema, value, '', causes, unknown);
  return { causes, unknown };
}

const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

function walk(s: JsonSchema, v: unknown, path: string, causes: StatusCause[], unknown: string[]): void {
  const at = path || '<root>';
  const bad = (message: string) => causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${show(v)}: ${at} in body ${message}`, field: at });
  if (s['x-kubernetes-int-or-string'] === true) {
    if (typeOf(v) !== 'integer' && typeof v !== 'string') bad('must be of type integer-or-string');
    return;
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === true && s['type'] === undefined) return;
  const type = s['type'] as string | undefined;
  const actual = typeOf(v);
  if (type && actual !== type && !(type === 'number' && actual === 'integer')) {
    causes.push({ reason: 'FieldValueTypeInvalid', message: `Invalid value: ${show(v)}: ${at} in body must be of type ${type}: "${actual}"`, field: at });
    return;
  }
  if (Array.isArray(s['enum']) && !s['enum'].some((e) => e === v)) {
    causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${show(v)}: supported values: ${s['enum'].map(show).join(', ')}`, field: at });
  }
  if (typeof v === 'string') {
    if (typeof s['minLength'] === 'number' && [...v].length < s['minLength']) bad(`should be at least ${s['minLength']} chars long`);
    if (typeof s['maxLength'] === 'number' && [...v].length > s['maxLength']) {
      causes.push({ reason: 'FieldValueTooLong', message: `Too long: may not be longer than ${s['maxLength']}`, field: at });
    }
    if (typeof s['pattern'] === 'string' && !new RegExp(s['pattern'], 'u').test(v)) bad(`should match '${s['pattern']}'`);
    if (s['format'] === 'date-time' && !DATE_TIME.test(v)) bad('must be of type date-time');
  }
  if (typeof v === 'number') {
    if (typeof s['minimum'] === 'number' && v < s['minimum']) bad(`should be greater than or equal to ${s['minimum']}`);
    if (typeof s['maximum'] === 'number' && v > s['maximum']) bad(`should be less than or equal to ${s['maximum']}`);
  }
  if (Array.isArray(v)) {
    if (typeof s['minItems'] === 'number' && v.length < s['minItems']) bad(`should have at least ${s['minItems']} items`);
    if (typeof s['maxItems'] === 'number' && v.length > s['maxItems']) {
      causes.push({ reason: 'FieldValueTooMany', message: `Too many: ${v.length}: must have at most ${s['maxItems']} items`, field: at });
    }
    const items = s['items'] as JsonSchema | undefined;
    if (items) v.forEach((item, i) => walk(items, item, join(path, i), causes, unknown));
  }
  if (actual === 'object') {
    const obj = v as Record<string, unknown>;
    for (const r of (s['required'] as string[] | undefined) ?? []) {
      if (obj[r] === undefined) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: join(path, r) });
    }
    const props = s['properties'] as Record<string, JsonSchema> | undefined;
    const additional = s['additionalProperties'] as JsonSchema | undefined;
    for (const [k, child] of Object.entries(obj)) {
      if (props?.[k]) walk(props[k], child, join(path, k), causes, unknown);
      else if (additional && typeof additional === 'object') walk(additional, child, join(path, k), causes, unknown);
      // metadata is the API server's own (validated as ObjectMeta), never pruned by a CRD schema
      else if (s['x-kubernetes-preserve-unknown-fields'] !== true && path !== 'metadata') {
        unknown.push(join(path, k));
        delete obj[k];
      }
    }
  }
}
