import type { ZodError } from 'zod';
import type { ErrorIssue } from '../errors/polycloud-error.js';

type Path = (string | number)[];

/**
 * Edit distance with adjacent transpositions (optimal string alignment): `retyr` →
 * `retry` is 1, `acess_key` → `access_key` is 1.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Case, `_` and `-` ignored: `maxAttempts`, `max_attempts` and `max-attempts` are one word. */
const fold = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');

/**
 * The candidate closest to `word`: the same word written in another case or
 * separator style, else one at most 2 edits away (1 for words of 2 to 4 characters,
 * none for one character, so short names are not "corrected" into unrelated ones). Ties go to the
 * first candidate. Undefined when none is close enough.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = fold(word);
  if (w.length === 0 || word.length > 256) return undefined;
  const max = w.length <= 1 ? 0 : w.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === word || c.length > 256) continue;
    const d = editDistance(w, fold(c));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= max ? best : undefined;
}

/** ` (did you mean "retry"?)`, or '' when no candidate is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : ` (did you mean "${c}"?)`;
}

/** `accessKey` → `access_key` (to suggest in the style the file is written in). */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

// ---- zod schemas: the keys allowed where an unknown key was found -----------------

interface ZodInternals {
  _zod: { def: Record<string, unknown> & { type: string } };
}

const isSchema = (v: unknown): v is ZodInternals => typeof v === 'object' && v !== null && '_zod' in v;

/** Strips wrappers (optional, default, pipe, …) down to the schemas that take the value. */
function unwrap(schema: unknown, out: ZodInternals[] = [], depth = 0): ZodInternals[] {
  if (!isSchema(schema) || depth > 32) return out;
  const def = schema._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return unwrap(def['innerType'], out, depth + 1);
    case 'pipe':
      unwrap(def['in'], out, depth + 1);
      return unwrap(def['out'], out, depth + 1);
    case 'union':
      for (const o of (def['options'] as unknown[]) ?? []) unwrap(o, out, depth + 1);
      return out;
    case 'intersection':
      unwrap(def['left'], out, depth + 1);
      return unwrap(def['right'], out, depth + 1);
    case 'lazy':
      return unwrap((def['getter'] as () => unknown)(), out, depth + 1);
    default:
      out.push(schema);
      return out;
  }
}

/** The schemas that validate the value at `path` under `schema`. */
function schemasAt(schema: unknown, path: readonly PropertyKey[]): ZodInternals[] {
  let nodes = unwrap(schema);
  for (const segment of path) {
    const next: ZodInternals[] = [];
    for (const node of nodes) {
      const def = node._zod.def;
      if (def.type === 'object' && typeof segment === 'string') unwrap((def['shape'] as Record<string, unknown>)[segment], next);
      else if (def.type === 'array' && typeof segment === 'number') unwrap(def['element'], next);
      else if (def.type === 'record') unwrap(def['valueType'], next);
      else if (def.type === 'tuple' && typeof segment === 'number') unwrap((def['items'] as unknown[])[segment], next);
    }
    nodes = next;
    if (nodes.length === 0) break;
  }
  return nodes;
}

/** Keys an object schema at `path` allows (every object of a union). */
export function keysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  for (const node of schemasAt(schema, path)) {
    if (node._zod.def.type === 'object') for (const k of Object.keys(node._zod.def['shape'] as object)) keys.add(k);
  }
  return [...keys];
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const p of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[p];
  }
  return node;
}

/**
 * zod issues as ErrorIssues, paths prefixed: an unknown key reported at its own path
 * as `unknown key "retyr" (did you mean "retry"?)`, and a value outside an enum with
 * the closest allowed value. `input` is what was parsed (to read the value given).
 */
export function schemaIssues(schema: unknown, error: ZodError, input: unknown, prefix: Path = []): ErrorIssue[] {
  return error.issues.flatMap((issue) => {
    const rel = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const path = [...prefix, ...rel];
    if (issue.code === 'unrecognized_keys') {
      const allowed = keysAt(schema, rel);
      return issue.keys.map((k) => ({ path: [...path, k], message: `unknown key "${k}"${didYouMean(k, allowed)}` }));
    }
    if (issue.code === 'invalid_value' && Array.isArray(issue.values)) {
      const given = valueAt(input, rel);
      if (typeof given === 'string') {
        const options = issue.values.filter((v): v is string => typeof v === 'string');
        return [{ path, message: `${issue.message}${didYouMean(given, options)}` }];
      }
    }
    return [{ path, message: issue.message }];
  });
}
