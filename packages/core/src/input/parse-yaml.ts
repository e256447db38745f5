import { createRequire } from 'node:module';
import type { Document, LineCounter } from 'yaml';
import type { ErrorIssue } from '../errors/polycloud-error.js';
import { INPUT_LIMITS } from './limits.js';
import { toPlainData } from './plain-data.js';
import { prescanYaml } from './yaml-prescan.js';

type Path = (string | number)[];

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;

/**
 * The `yaml` parser, loaded on the first YAML text parsed, not when core loads: an
 * application that never reads YAML (config files and DataJob text are the only
 * YAML) does not pay for it at `require('@polycloud/core')`. `yaml` resolves to the
 * same CommonJS file from `import` and `require`, so this is the one copy either way.
 */
function yaml(): YamlModule {
  return (yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule);
}

export interface ParsedYaml {
  /** Plain data, checked against the limits (see {@link toPlainData}). */
  value: unknown;
  /** Line (1-based) of the node at a path. */
  lineOf(path: Path): number | undefined;
}

export type LocatedIssue = ErrorIssue & { line?: number; column?: number };

/**
 * Parses YAML (or JSON) text within the input limits, never throwing anything but
 * the issues it returns: the size first, then a scan bounding the nesting before
 * the parser recurses, the syntax (the first error, with line and column), the
 * alias count (billion laughs and `<<` merge bombs), and the parsed value's depth,
 * strings, entries and keys. Issues carry their line when known.
 */
export function parseYamlText(
  text: string,
  maxBytes: number,
  options: { merge?: boolean } = {},
): { ok: true; parsed: ParsedYaml } | { ok: false; issues: LocatedIssue[] } {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) return { ok: false, issues: [{ path: [], message: `${bytes} bytes of text (at most ${maxBytes})` }] };
  const deep = prescanYaml(text);
  if (deep) return { ok: false, issues: [{ path: [], message: `${deep.message} at line ${deep.line}`, line: deep.line }] };
  const { isAlias, isCollection, isScalar, LineCounter, parseDocument, visit } = yaml();
  const lines = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: options.merge ?? true });
  } catch (e) {
    return { ok: false, issues: [{ path: [], message: `YAML could not be parsed (${e instanceof Error ? e.name : 'error'})` }] };
  }
  if (doc.errors.length) {
    // The first syntax error only: the ones after it are usually its consequences.
    const e = doc.errors[0]!;
    const at = e.linePos?.[0] ?? (Array.isArray(e.pos) ? lines.linePos(e.pos[0]) : undefined);
    const where = at ? ` at line ${at.line}, column ${at.col}` : '';
    return {
      ok: false,
      issues: [{ path: [], message: `YAML syntax error${where}: ${e.message.split('\n')[0]}`, ...(at ? { line: at.line, column: at.col } : {}) }],
    };
  }
  // A map key that is itself a map or list would be stringified ("[a]"): refused, not changed.
  let complexKey: number | undefined;
  visit(doc, {
    Pair(_, pair) {
      const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
      if (isCollection(key) || (isScalar(key) && typeof key.value === 'object' && key.value !== null)) {
        const range = (key as { range?: [number, number, number] } | undefined)?.range;
        complexKey = range ? lines.linePos(range[0]).line : 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (complexKey !== undefined) {
    return {
      ok: false,
      issues: [
        {
          path: [],
          message: `a map key that is a map, a list or binary${complexKey ? ` at line ${complexKey}` : ''} (keys are strings)`,
          ...(complexKey ? { line: complexKey } : {}),
        },
      ],
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: INPUT_LIMITS.maxAliasCount });
  } catch (e) {
    // yaml throws plain Errors here: "Excessive alias count" (billion laughs, merge
    // bombs), "Unresolved alias", "Merge sources must be maps or map aliases".
    const text = e instanceof Error ? String(e.message).split('\n')[0]!.slice(0, 200) : 'error';
    const bomb = text.includes('Excessive alias count');
    return {
      ok: false,
      issues: [{ path: [], message: bomb ? `too many YAML aliases (at most ${INPUT_LIMITS.maxAliasCount} resolved, merge keys included)` : `YAML: ${text}` }],
    };
  }
  const lineOf = (path: Path) => lineAt(doc, lines, path);
  const issues: LocatedIssue[] = [];
  const value = toPlainData(raw, issues);
  if (issues.length) return { ok: false, issues: issues.map((i) => ({ ...i, ...withLine(lineOf(i.path)) })) };
  return { ok: true, parsed: { value, lineOf } };
}

const withLine = (line: number | undefined) => (line === undefined ? {} : { line });

function lineAt(doc: Document, lines: LineCounter, path: Path): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    let node: unknown;
    try {
      node = doc.getIn(path.slice(0, n), true);
    } catch {
      continue;
    }
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (node && typeof node === 'object' && Array.isArray(range)) return lines.linePos(range[0]).line;
  }
  return undefined;
}
