import { z } from 'zod';
import { errorFromIssues } from '../errors/from-zod.js';
import type { ErrorIssue } from '../errors/polycloud-error.js';

/** An AbortSignal, duck-typed so signals from another realm (a worker, a test VM) pass. */
export const AbortSignalSchema = z
  .custom<AbortSignal>(
    (v) =>
      v === undefined ||
      (typeof v === 'object' && v !== null && typeof (v as AbortSignal).aborted === 'boolean' && typeof (v as AbortSignal).addEventListener === 'function'),
    'expected an AbortSignal',
  )
  .optional();
const signal = AbortSignalSchema;
/** The options every call takes (CallOptions): the caller's signal and the overall deadline. */
export const callOptionsShape = {
  signal,
  timeoutMs: z
    .number()
    .int()
    .positive()
    .max(24 * 3_600_000)
    .optional(),
};
/** A map of the caller's own names: a `__proto__` key (which a record would drop, or turn into a prototype) is refused at its path. */
const userMap = <V extends z.ZodType>(value: V) =>
  z
    .custom<Record<string, unknown>>((v) => typeof v !== 'object' || v === null || !Object.hasOwn(v, '__proto__'), {
      message: 'a key named __proto__ is not allowed',
      path: ['__proto__'],
    })
    .pipe(z.record(z.string().min(1), value));
const tags = userMap(z.string()).optional();
const token = z.string().min(1).max(1024);

/**
 * zod schemas for every facade call's options (validated at the boundary,
 * INVALID_ARGUMENT with the path). Strict: an unknown option — a typo such as
 * `ifmatch`, or `limit` on a list — is refused at its path, never ignored (an
 * ignored condition would be an unconditional write). `presign` takes no `binding`:
 * a URL from a binding other than the routed one is not offered (see docs/decisions.md).
 */
export const bucketSchemas = {
  call: z.strictObject(callOptionsShape),
  put: z
    .strictObject({
      ...callOptionsShape,
      contentType: z.string().min(1).max(256).optional(),
      metadata: userMap(z.unknown()).optional(),
      tags,
      ifMatch: token.optional(),
      ifNoneMatch: z.literal('*').optional(),
      contentLength: z.number().int().nonnegative().optional(),
    })
    .refine((o) => !(o.ifMatch !== undefined && o.ifNoneMatch !== undefined), { message: 'ifMatch and ifNoneMatch are exclusive', path: ['ifNoneMatch'] }),
  get: z.strictObject({
    ...callOptionsShape,
    range: z
      .strictObject({ start: z.number().int().nonnegative(), end: z.number().int().nonnegative().optional() })
      .refine((r) => r.end === undefined || r.end >= r.start, { message: 'end must be >= start', path: ['end'] })
      .optional(),
    ifMatch: token.optional(),
    tags,
    binding: z.string().min(1).optional(),
  }),
  head: z.strictObject({ ...callOptionsShape, tags, binding: z.string().min(1).optional() }),
  list: z.strictObject({
    ...callOptionsShape,
    prefix: z.string().max(1024).optional(),
    delimiter: z.string().min(1).max(16).optional(),
    pageSize: z.number().int().min(1).max(100_000).optional(),
    continuationToken: z.string().min(1).optional(),
    binding: z.string().min(1).optional(),
  }),
  delete: z.strictObject({ ...callOptionsShape, ifMatch: token.optional(), tags }),
  presign: z.strictObject({
    ...callOptionsShape,
    method: z.enum(['GET', 'PUT']),
    expiresInSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600),
    contentType: z.string().min(1).optional(),
    tags,
  }),
};

/** Per schema, what it makes of `{}` (undefined when `{}` is invalid, e.g. presign's required fields). */
const emptyResults = new WeakMap<z.ZodType, { value: object | undefined }>();

/**
 * Validates a facade call's options. Absent or empty options are the common case and
 * run on every call: their result is the schema's own answer for `{}`, worked out
 * once per schema.
 */
export function parseCall<S extends z.ZodType>(schema: S, options: unknown, operation: string): z.output<S> {
  if (options === undefined || isEmptyPlainObject(options)) {
    let empty = emptyResults.get(schema);
    if (!empty) {
      const parsed = schema.safeParse({});
      emptyResults.set(schema, (empty = { value: parsed.success ? (parsed.data as object) : undefined }));
    }
    if (empty.value) return { ...empty.value } as z.output<S>;
  }
  let result: ReturnType<S['safeParse']>;
  try {
    result = schema.safeParse(options ?? {}) as ReturnType<S['safeParse']>;
  } catch {
    // A getter or Proxy trap that throws while the options are read.
    throw errorFromIssues(
      `invalid options for ${operation}`,
      [{ path: ['options'], message: 'the options could not be read (a getter or Proxy threw)' }],
      'INVALID_ARGUMENT',
    );
  }
  if (result.success) return result.data as z.output<S>;
  throw errorFromIssues(`invalid options for ${operation}`, optionIssues(result.error), 'INVALID_ARGUMENT');
}

/** zod issues at `options.…`; an unknown option at its own path (`options.ifmatch`). */
function optionIssues(error: z.ZodError): ErrorIssue[] {
  return error.issues.flatMap((issue) => {
    const path = ['options', ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => ({ path: [...path, k], message: 'unknown option' }));
    return [{ path, message: issue.message }];
  });
}

function isEmptyPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  for (const _ in value) return false;
  return true;
}
