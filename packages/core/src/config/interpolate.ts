import type { ErrorIssue } from '../errors/polycloud-error.js';

type Path = (string | number)[];

/** `${NAME}`, `${NAME:-default}` (default when unset or empty), `${NAME-default}` (default when unset); `$${` is a literal `${`. */
const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const EXPRESSION = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([\s\S]*))?$/;

export interface InterpolationResult {
  value: unknown;
  /** Values taken from the environment (to register as secrets). */
  used: string[];
}

/**
 * Replaces `${VAR}` references in every string of a parsed config, in place of a
 * copy. Each unset variable without a default, and each malformed reference, is an
 * issue naming the variable and the path where it is used. Values stay strings.
 */
export function interpolate(input: unknown, env: Readonly<Record<string, string | undefined>>, issues: ErrorIssue[], path: Path = []): InterpolationResult {
  const used: string[] = [];
  const walk = (value: unknown, at: Path): unknown => {
    if (typeof value === 'string') return replace(value, at);
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...at, i]));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...at, k])]));
    }
    return value;
  };
  const replace = (text: string, at: Path): string =>
    text.replace(REFERENCE, (match, body: string | undefined) => {
      if (match === '$${') return '${';
      if (body === undefined) {
        issues.push({ path: at, message: 'unterminated ${ (write $${ for a literal)' });
        return match;
      }
      const m = EXPRESSION.exec(body);
      if (!m) {
        issues.push({ path: at, message: `"\${${body}}" is not a variable reference (use \${NAME} or \${NAME:-default})` });
        return match;
      }
      const [, name, op, fallback] = m;
      const set = env[name!];
      if (set !== undefined && !(op === ':-' && set === '')) {
        used.push(set);
        return set;
      }
      if (op !== undefined) return fallback ?? '';
      issues.push({ path: at, message: `environment variable ${name} is not set` });
      return '';
    });
  return { value: walk(input, path), used };
}
