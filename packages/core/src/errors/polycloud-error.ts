import { type ErrorCode, ERROR_CODES, RETRYABLE_BY_DEFAULT } from './codes.js';
import { classifyNetworkError } from './network.js';
import { redact } from './redact.js';

/** A brand that survives two installed copies of core, where `instanceof` does not. */
const BRAND = Symbol.for('polycloud.error');

/** One problem found while validating input: where, and what is wrong. */
export interface ErrorIssue {
  /** Path into the offending document, e.g. `['providers', 1, 'physical_id']`. */
  path: (string | number)[];
  message: string;
}

/** Where an error happened. Never holds a secret. */
export interface ErrorContext {
  /** Adapter type (`s3`, `gcs`, `azure-blob`, `memory`, …). */
  provider?: string;
  /** Binding id inside a logical resource. */
  binding?: string;
  /** The logical resource id (`lb-123`). */
  resource?: string;
  /** Operation name (`put`, `get`, `submit`, …). */
  operation?: string;
  /** Object key or job id concerned. */
  key?: string;
  /** Path into the offending input (config, URM document, options, spec). */
  path?: (string | number)[];
  /** HTTP status the provider answered with, if any. */
  status?: number;
  /** Every problem found, for validation errors that report all at once. */
  issues?: ErrorIssue[];
  [extra: string]: unknown;
}

export interface PolycloudErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  context?: ErrorContext;
}

/**
 * The only error type polycloud throws. Branch on `code` (a closed set, see
 * {@link ERROR_CODES}) and `retryable`; the provider's original error is `cause`.
 * Messages are redacted: no keys, tokens or signed query strings.
 */
export class PolycloudError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly context: ErrorContext;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options: PolycloudErrorOptions = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PolycloudError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.context = options.context ?? {};
  }

  /** Same error with more context (existing keys win, so the innermost layer's facts stay). */
  withContext(context: ErrorContext): PolycloudError {
    const err = new PolycloudError(this.code, this.message, {
      retryable: this.retryable,
      cause: this.cause,
      context: { ...context, ...this.context },
    });
    err.stack = this.stack;
    return err;
  }

  /** First path of the offending input, if any. */
  get path(): (string | number)[] | undefined {
    return this.context.path ?? this.context.issues?.[0]?.path;
  }

  /**
   * `util.inspect` / `console.log` print the cause chain, and a provider's error can
   * carry a signed URL or SAS in its request details: the whole rendering is redacted.
   */
  [Symbol.for('nodejs.util.inspect.custom')](_depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
    const plain = Object.assign(new Error(this.message), { name: this.name, code: this.code, retryable: this.retryable, context: this.context });
    plain.stack = this.stack ?? '';
    if (this.cause !== undefined) (plain as { cause?: unknown }).cause = this.cause;
    return redact(inspect(plain, options));
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable, context: this.context };
  }
}

/**
 * True for a PolycloudError from any installed copy of core. Duck-typed on a global
 * symbol brand plus the code set, because `instanceof` fails across copies.
 */
export function isPolycloudError(value: unknown, code?: ErrorCode): value is PolycloudError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<PropertyKey, unknown>;
  const branded = v[BRAND] === true || v['name'] === 'PolycloudError';
  if (!branded || typeof v['code'] !== 'string' || !(ERROR_CODES as readonly string[]).includes(v['code'])) return false;
  return code === undefined || v['code'] === code;
}

/**
 * Wraps anything thrown into a PolycloudError: a PolycloudError passes through (with
 * context added), an AbortError becomes ABORTED, anything else UNEXPECTED with the
 * original as `cause`.
 */
export function toPolycloudError(error: unknown, context: ErrorContext = {}): PolycloudError {
  if (error instanceof PolycloudError) return error.withContext(context);
  if (isPolycloudError(error)) {
    const e = error as PolycloudError;
    return new PolycloudError(e.code, e.message, { retryable: e.retryable, cause: e.cause, context: { ...context, ...e.context } });
  }
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AbortError') {
    return new PolycloudError('ABORTED', 'the operation was aborted', { cause: error, context, retryable: false });
  }
  if (name === 'TimeoutError') {
    return new PolycloudError('TIMEOUT', 'the operation timed out', { cause: error, context, retryable: true });
  }
  const message = error instanceof Error ? error.message : String(error);
  const network = classifyNetworkError(error);
  if (network) return new PolycloudError(network.code, message, { cause: error, context, retryable: true });
  return new PolycloudError('UNEXPECTED', message, { cause: error, context, retryable: false });
}
