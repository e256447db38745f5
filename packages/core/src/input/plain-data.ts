import type { ErrorIssue } from '../errors/polycloud-error.js';
import { INPUT_LIMITS } from './limits.js';

type Path = (string | number)[];

export interface PlainDataLimits {
  maxDepth: number;
  maxStringLength: number;
  maxNodes: number;
}

const DEFAULTS: PlainDataLimits = { maxDepth: INPUT_LIMITS.maxDepth, maxStringLength: INPUT_LIMITS.maxStringLength, maxNodes: INPUT_LIMITS.maxNodes };

function isPlainPrototype(proto: unknown): boolean {
  return proto === Object.prototype || proto === null;
}

/**
 * A plain-data copy of a document given by code or parsed from text, checked
 * against the input limits before anything looks at it: nesting depth, string and
 * key length, total entries, circular references, `__proto__` keys (which zod and
 * plain assignment would otherwise drop silently, or turn into a prototype), and
 * getters or Proxy traps that throw (read once here, inside a try). Every problem is
 * pushed to `issues` with its path; the copy holds what could be read.
 *
 * Objects that are not plain (class instances such as an adapter given in code,
 * Dates, Buffers) are kept by reference and not descended into.
 */
export function toPlainData(input: unknown, issues: ErrorIssue[], prefix: Path = [], limits: Partial<PlainDataLimits> = {}): unknown {
  const max = { ...DEFAULTS, ...limits };
  let nodes = 0;
  let tooMany = false;
  const ancestors = new Set<object>();
  const problem = (path: Path, message: string) => issues.push({ path, message });

  const walk = (value: unknown, path: Path, depth: number): unknown => {
    if (typeof value === 'string') {
      if (value.length > max.maxStringLength) problem(path, `a string of ${value.length} characters (at most ${max.maxStringLength})`);
      return value;
    }
    if (typeof value !== 'object' || value === null) return value;
    let isArray: boolean;
    let proto: unknown;
    try {
      isArray = Array.isArray(value);
      proto = Object.getPrototypeOf(value);
    } catch (e) {
      problem(path, `cannot be read (${describe(e)})`);
      return undefined;
    }
    if (!isArray && !isPlainPrototype(proto)) return value;
    if (ancestors.has(value)) {
      problem(path, 'circular reference');
      return undefined;
    }
    if (depth > max.maxDepth) {
      problem(path, `nested deeper than ${max.maxDepth} levels`);
      return undefined;
    }
    ancestors.add(value);
    try {
      if (isArray) {
        let length: number;
        try {
          length = (value as unknown[]).length;
        } catch (e) {
          problem(path, `cannot be read (${describe(e)})`);
          return undefined;
        }
        if (!count(length, path)) return [];
        const out: unknown[] = [];
        for (let i = 0; i < length; i++) {
          let item: unknown;
          try {
            item = (value as unknown[])[i];
          } catch (e) {
            problem([...path, i], `cannot be read (${describe(e)})`);
            continue;
          }
          out.push(walk(item, [...path, i], depth + 1));
        }
        return out;
      }
      let keys: (string | symbol)[];
      try {
        keys = Reflect.ownKeys(value);
      } catch (e) {
        problem(path, `cannot be read (${describe(e)})`);
        return undefined;
      }
      const out: Record<string, unknown> = {};
      const names = keys.filter((k): k is string => typeof k === 'string');
      if (!count(names.length, path)) return out;
      for (const key of names) {
        const at = [...path, key];
        let item: unknown;
        try {
          const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
          if (!descriptor?.enumerable) continue;
          item = (value as Record<string, unknown>)[key];
        } catch (e) {
          problem(at, `cannot be read (${describe(e)})`);
          continue;
        }
        if (key === '__proto__') {
          problem(at, 'a key named __proto__ is not allowed');
          continue;
        }
        if (key.length > max.maxStringLength) {
          problem(path, `a key of ${key.length} characters (at most ${max.maxStringLength})`);
          continue;
        }
        out[key] = walk(item, at, depth + 1);
      }
      return out;
    } finally {
      ancestors.delete(value);
    }
  };

  const count = (n: number, path: Path): boolean => {
    if (tooMany) return false;
    nodes += n;
    if (nodes > max.maxNodes) {
      tooMany = true;
      problem(path, `more than ${max.maxNodes} entries in one document`);
      return false;
    }
    return true;
  };

  return walk(input, prefix, 1);
}

/** Names what was thrown without reading its message (which may be a throwing getter, or hold a secret). */
function describe(e: unknown): string {
  try {
    return `${e instanceof Error ? e.name : typeof e} thrown while reading it`;
  } catch {
    return 'an exception thrown while reading it';
  }
}
