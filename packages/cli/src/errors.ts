import { formatPath, isPolycloudError, redact } from '@polycloud/core/spi';
import { type CliStream, EXIT, line } from './io.js';

/** Prints an error: every issue with its path (and line), or the code and message. Returns the exit code. */
export function reportError(stderr: CliStream, error: unknown): number {
  if (isPolycloudError(error)) {
    const issues = error.context.issues;
    if (issues?.length) {
      const file = typeof error.context['file'] === 'string' ? `${error.context['file']}: ` : '';
      line(stderr, `${file}${issues.length} problem${issues.length === 1 ? '' : 's'} (${error.code}):`);
      for (const issue of issues) {
        const at = (issue as { line?: number }).line;
        line(stderr, `  ${formatPath(issue.path)}${at === undefined ? '' : ` (line ${at})`}: ${redact(issue.message)}`);
      }
      return error.code === 'CONFIG_INVALID' || error.code === 'INVALID_ARGUMENT' ? EXIT.invalid : EXIT.failed;
    }
    line(stderr, `error ${error.code}: ${redact(error.message)}`);
    return error.code === 'CONFIG_INVALID' || error.code === 'INVALID_ARGUMENT' ? EXIT.invalid : EXIT.failed;
  }
  line(stderr, `error: ${redact(error instanceof Error ? error.message : String(error))}`);
  return EXIT.failed;
}

/** An error as `--json` prints it: `{"error": {code, message, retryable, path, issues, file}}`, redacted. */
export function errorJson(error: unknown): string {
  if (!isPolycloudError(error)) return redact(JSON.stringify({ error: { code: 'UNEXPECTED', message: error instanceof Error ? error.message : String(error) } }, null, 2));
  const { path, issues, file } = error.context;
  const body = {
    code: error.code,
    message: error.message,
    retryable: error.retryable,
    ...(path === undefined ? {} : { path }),
    ...(issues === undefined ? {} : { issues }),
    ...(typeof file === 'string' ? { file } : {}),
  };
  return redact(JSON.stringify({ error: body }, null, 2));
}
