import type { ErrorIssue } from '../errors/polycloud-error.js';
import { camelCase, renameDeep } from './keys.js';

type Path = (string | number)[];

/** A router package's options schema (e.g. `RouterOptionsSchema` of `@polycloud/router`). */
export interface RouterOptionsValidator {
  safeParse(
    input: unknown,
  ):
    | { success: true }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string; code?: string; keys?: readonly string[] }[] } };
}

/** Walks the section as written in the file along a camelCase path, returning the keys as written (`max_attempts`, not `maxAttempts`). */
function asWritten(raw: unknown, path: readonly PropertyKey[]): Path {
  const out: Path = [];
  let node = raw;
  for (const segment of path) {
    const p = typeof segment === 'symbol' ? String(segment) : segment;
    if (typeof p === 'string' && node && typeof node === 'object' && !Array.isArray(node)) {
      const key = Object.keys(node).find((k) => k === p) ?? Object.keys(node).find((k) => camelCase(k) === p) ?? p;
      out.push(key);
      node = (node as Record<string, unknown>)[key];
    } else {
      out.push(p);
      node = Array.isArray(node) && typeof p === 'number' ? node[p] : undefined;
    }
  }
  return out;
}

/**
 * Checks the `router:` section with the router's own schema while the file is
 * loaded, so its problems are listed with all the others, at the keys as written
 * (snake_case when the file is) under `router`, with their lines.
 */
export function checkRouterSection(raw: unknown, validator: RouterOptionsValidator, issues: ErrorIssue[]): void {
  const result = validator.safeParse(renameDeep(raw ?? {}));
  if (result.success) return;
  for (const issue of result.error.issues) {
    const at = ['router', ...asWritten(raw, issue.path)];
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const k of issue.keys) issues.push({ path: ['router', ...asWritten(raw, [...issue.path, k])], message: 'unknown key' });
    } else issues.push({ path: at, message: issue.message });
  }
}
