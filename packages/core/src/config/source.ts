import { isAbsolute, resolve } from 'node:path';
import { errorFromIssues } from '../errors/from-zod.js';
import { INPUT_LIMITS } from '../input/limits.js';
import { parseYamlText } from '../input/parse-yaml.js';
import { toPlainData } from '../input/plain-data.js';
import { readTextFile } from '../input/read-file.js';
import type { ErrorIssue } from '../errors/polycloud-error.js';

type Path = (string | number)[];

/** A config as given: a file path, YAML or JSON text, or an already-parsed object. */
export type ConfigSource = string | Record<string, unknown>;

export interface ParsedSource {
  raw: unknown;
  /** The file it was read from, when it was a path. */
  file?: string;
  /** Line (1-based) of the node at a path, when the source was text. */
  lineOf(path: Path): number | undefined;
}

const FILE_NAME = /\.(ya?ml|json)$/i;

/**
 * Reads a config: a string without a newline that ends in `.yaml`, `.yml` or `.json`
 * is a file path (relative to `cwd`); any other string is YAML (JSON is YAML);
 * an object is taken as is. Syntax errors are CONFIG_INVALID with line and column.
 *
 * Within the input limits ({@link INPUT_LIMITS}), checked before parsing deeper: a
 * file must be a regular file (a FIFO or device is refused at once, never read) of
 * at most `maxConfigBytes`; nesting, YAML aliases, string lengths and entries are
 * bounded; `__proto__` keys, circular references and throwing getters or Proxies in
 * an object are CONFIG_INVALID at their path.
 */
export function readConfigSource(source: ConfigSource, options: { cwd?: string } = {}): ParsedSource {
  if (typeof source === 'object' && source !== null && !Array.isArray(source)) {
    const issues: ErrorIssue[] = [];
    const raw = toPlainData(source, issues);
    if (issues.length) throw errorFromIssues('invalid polycloud config', issues);
    return { raw, lineOf: () => undefined };
  }
  if (typeof source !== 'string') {
    throw errorFromIssues('invalid polycloud config', [{ path: [], message: 'expected a file path, YAML/JSON text or an object' }]);
  }
  let text = source;
  let file: string | undefined;
  if (!source.includes('\n') && source.length <= 4096 && FILE_NAME.test(source.trim())) {
    file = isAbsolute(source.trim()) ? source.trim() : resolve(options.cwd ?? process.cwd(), source.trim());
    text = readTextFile(file, { maxBytes: INPUT_LIMITS.maxConfigBytes, invalidCode: 'CONFIG_INVALID', what: 'config file' });
  }
  const result = parseYamlText(text, INPUT_LIMITS.maxConfigBytes);
  if (!result.ok) throw errorFromIssues(`invalid polycloud config${file ? ` ${file}` : ''}`, result.issues).withContext(file ? { file } : {});
  return { raw: result.parsed.value, ...(file ? { file } : {}), lineOf: result.parsed.lineOf };
}
