import { formatPath, isPolycloudError, redact } from '@polycloud/core/spi';
import { type CliStream, EXIT, line } from './io.js';

/**
 * The underlying cause of an error, as a short code: the errno of a network or file
 * error (`ECONNREFUSED`, `ENOTFOUND`, `EACCES`), else the provider's error code or
 * name (`NoSuchBucket`, `AuthorizationFailure`), else the HTTP status. Walks the
 * `cause` chain; never a message (messages can carry URLs and keys), always redacted.
 */
export function causeOf(error: unknown): string | undefined {
  let e: unknown = isPolycloudError(error) ? error.cause : error;
  for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (typeof e === 'object') {
      const o = e as {
        code?: unknown;
        errno?: unknown;
        Code?: unknown;
        name?: unknown;
        statusCode?: unknown;
        $metadata?: { httpStatusCode?: unknown };
        errors?: unknown;
        cause?: unknown;
      };
      // AggregateError (a dual-stack connect): the first inner error says it.
      if (Array.isArray(o.errors) && o.errors.length && o.code === undefined) {
        const inner = causeOf(o.errors[0]);
        if (inner) return inner;
      }
      if (typeof o.code === 'string' && /^[A-Za-z][\w.-]{1,63}$/.test(o.code)) return redact(o.code);
      if (typeof o.Code === 'string' && /^[A-Za-z][\w.-]{1,63}$/.test(o.Code)) return redact(o.Code);
      if (typeof o.name === 'string' && o.name !== 'Error' && o.name !== 'PolycloudError' && /^[A-Za-z][\w.-]{1,63}$/.test(o.name)) {
        const status = o.$metadata?.httpStatusCode ?? o.statusCode;
        return redact(typeof status === 'number' ? `${o.name} (HTTP ${status})` : o.name);
      }
      const status = o.$metadata?.httpStatusCode ?? o.statusCode;
      if (typeof status === 'number' && o.cause === undefined) return `HTTP ${status}`;
      e = o.cause;
    } else return undefined;
  }
  return undefined;
}

/** Prints an error: every issue with its path (and line), or the code and message. Returns the exit code. */
export function reportError(stderr: CliStream, error: unknown, options: { verbose?: boolean } = {}): number {
  const cause = causeOf(error);
  if (isPolycloudError(error)) {
    const issues = error.context.issues;
    if (issues?.length) {
      const file = typeof error.context['file'] === 'string' ? `${error.context['file']}: ` : '';
      line(stderr, `${file}${issues.length} problem${issues.length === 1 ? '' : 's'} (${error.code}):`);
      for (const issue of issues) {
        const at = (issue as { line?: number }).line;
        line(stderr, `  ${formatPath(issue.path)}${at === undefined ? '' : ` (line ${at})`}: ${redact(issue.message)}`);
      }
    } else {
      line(stderr, `error ${error.code}: ${redact(error.message)}${cause ? ` (cause: ${cause})` : ''}`);
    }
    if (options.verbose && error.cause instanceof Error) line(stderr, `  caused by: ${redact(error.cause.stack ?? error.cause.message)}`);
    return error.code === 'CONFIG_INVALID' || error.code === 'INVALID_ARGUMENT' ? EXIT.invalid : EXIT.failed;
  }
  line(stderr, `error: ${redact(error instanceof Error ? error.message : String(error))}`);
  if (options.verbose && error instanceof Error && error.stack) line(stderr, redact(error.stack));
  return EXIT.failed;
}

export interface ErrorBody {
  code: string;
  message: string;
  retryable?: boolean;
  path?: (string | number)[];
  cause?: string;
  issues?: unknown[];
  file?: string;
}

/** An error as `--json` prints it on stdout: `{"ok": false, "error": {code, message, path, cause, issues, file}}`, redacted. */
export function errorJson(error: unknown): string {
  return redact(JSON.stringify({ ok: false, error: errorBody(error) }, null, 2));
}

export function errorBody(error: unknown): ErrorBody {
  const cause = causeOf(error);
  if (!isPolycloudError(error))
    return { code: 'UNEXPECTED', message: redact(error instanceof Error ? error.message : String(error)), ...(cause ? { cause } : {}) };
  const { path, issues, file } = error.context;
  return {
    code: error.code,
    message: redact(error.message),
    retryable: error.retryable,
    ...(path === undefined ? {} : { path }),
    ...(cause ? { cause } : {}),
    ...(issues === undefined ? {} : { issues }),
    ...(typeof file === 'string' ? { file } : {}),
  };
}
