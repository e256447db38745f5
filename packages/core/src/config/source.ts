import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { PolycloudError } from '../errors/polycloud-error.js';
import { errorFromIssues } from '../errors/from-zod.js';

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
 */
export function readConfigSource(source: ConfigSource, options: { cwd?: string } = {}): ParsedSource {
  if (typeof source === 'object' && source !== null && !Array.isArray(source)) return { raw: source, lineOf: () => undefined };
  if (typeof source !== 'string') {
    throw errorFromIssues('invalid polycloud config', [{ path: [], message: 'expected a file path, YAML/JSON text or an object' }]);
  }
  let text = source;
  let file: string | undefined;
  if (!source.includes('\n') && FILE_NAME.test(source.trim())) {
    file = isAbsolute(source.trim()) ? source.trim() : resolve(options.cwd ?? process.cwd(), source.trim());
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new PolycloudError(code === 'ENOENT' ? 'NOT_FOUND' : 'PERMISSION_DENIED', `cannot read config file ${file} (${code ?? 'error'})`, {
        context: { path: [], file },
        retryable: false,
      });
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length) {
    // The first syntax error only: the ones after it are usually its consequences.
    const issues = doc.errors.slice(0, 1).map((e) => {
      const at = e.linePos?.[0] ?? (Array.isArray(e.pos) ? lines.linePos(e.pos[0]) : undefined);
      const where = at ? ` at line ${at.line}, column ${at.col}` : '';
      return { path: [] as Path, message: `YAML syntax error${where}: ${e.message.split('\n')[0]}`, ...(at ? { line: at.line, column: at.col } : {}) };
    });
    throw errorFromIssues(`invalid polycloud config${file ? ` ${file}` : ''}`, issues).withContext(file ? { file } : {});
  }
  return { raw: doc.toJS({ maxAliasCount: 100 }), ...(file ? { file } : {}), lineOf: (path) => lineOf(doc, lines, path) };
}

function lineOf(doc: Document, lines: LineCounter, path: Path): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && Array.isArray(node.range)) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}
