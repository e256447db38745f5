import type { ZodError } from 'zod';
import type { ErrorCode } from './codes.js';
import { type ErrorIssue, PolycloudError } from './polycloud-error.js';

/** Turns zod issues into {@link ErrorIssue}s, with an optional path prefix. */
export function zodIssues(error: ZodError, prefix: (string | number)[] = []): ErrorIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    // An unknown key is reported at its own path (`spec.imagePullPolicy`), not at the object holding it.
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => ({ path: [...path, k], message: `Unrecognized key: "${k}"` }));
    return [{ path, message: issue.message }];
  });
}

export function formatPath(path: (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * A PolycloudError (CONFIG_INVALID by default) listing every issue with its path.
 * The message names each path; `context.path` is the first one.
 */
export function errorFromIssues(what: string, issues: ErrorIssue[], code: ErrorCode = 'CONFIG_INVALID'): PolycloudError {
  const lines = issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
  return new PolycloudError(code, `${what}: ${lines.join('; ')}`, {
    retryable: false,
    context: { path: issues[0]?.path ?? [], issues },
  });
}

/**
 * Parses `input` with a zod schema; on failure throws CONFIG_INVALID (or `code`)
 * naming every offending path. Never lets a ZodError escape.
 */
export function parseWithSchema<S extends { safeParse(input: unknown): { success: true; data: unknown } | { success: false; error: ZodError } }>(
  schema: S,
  input: unknown,
  what: string,
  options: { code?: ErrorCode; pathPrefix?: (string | number)[] } = {},
): Extract<ReturnType<S['safeParse']>, { success: true }>['data'] {
  const result = schema.safeParse(input);
  if (result.success) return result.data as never;
  throw errorFromIssues(what, zodIssues(result.error, options.pathPrefix), options.code ?? 'CONFIG_INVALID');
}
