import { INPUT_LIMITS } from './limits.js';

/** What a cheap scan of YAML/JSON text found too deep, before any parser recursion. */
export interface PrescanProblem {
  line: number;
  message: string;
}

const OPEN = new Set(['[', '{']);
const CLOSE = new Set([']', '}']);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * Bounds the nesting of YAML/JSON text without parsing it: the `yaml` parser recurses
 * once per level and overflows the stack near 900 levels — and a stack overflow
 * inside it can leave V8 compiling a RegExp (yaml's `/(.*?)\r?\n/sy` in
 * `unfoldLines`) with no stack left on the NEXT parse, which aborts the process
 * (`FATAL ERROR: RegExpCompiler Allocation failed`). So the parser must never run
 * that deep: flow collections (`[`, `{` where a value starts, outside quotes and
 * comments) are counted, and block nesting is bounded by the indentation column
 * (compact `- - -` sequences counted as indentation). Over-approximates; the exact
 * depth is checked on the parsed tree.
 */
export function prescanYaml(text: string, maxDepth: number = INPUT_LIMITS.maxDepth, maxIndent: number = INPUT_LIMITS.maxIndent): PrescanProblem | undefined {
  let depth = 0;
  let line = 1;
  let atLineStart = true;
  let valueStart = true; // a scalar or collection may start here
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text[i]!;
    if (atLineStart) {
      // Indentation, then compact block indicators (`- `, `? `, `: `) count as columns.
      let col = 0;
      while (
        i < n &&
        (text[i] === ' ' || text[i] === '\t' || ((text[i] === '-' || text[i] === '?' || text[i] === ':') && (text[i + 1] === ' ' || text[i + 1] === '\t')))
      ) {
        col += text[i] === '-' || text[i] === '?' || text[i] === ':' ? 2 : 1;
        if (text[i] !== ' ' && text[i] !== '\t') i++;
        i++;
      }
      if (col > maxIndent) return { line, message: `a line is indented ${col} columns (at most ${maxIndent}): nesting too deep` };
      atLineStart = false;
      valueStart = true;
      if (i >= n) break;
      c = text[i]!;
    }
    if (c === '\n') {
      line++;
      atLineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (c === '#' && (i === 0 || isSpace(text[i - 1]!))) {
      while (i + 1 < n && text[i + 1] !== '\n') i++;
      continue;
    }
    if (valueStart && (c === '"' || c === "'")) {
      // A quoted scalar: skip to its end (it may span lines).
      for (i++; i < n; i++) {
        const q = text[i]!;
        if (q === '\n') line++;
        if (c === '"' && q === '\\') i++;
        else if (q === c) {
          if (c === "'" && text[i + 1] === "'") i++;
          else break;
        }
      }
      valueStart = false;
      continue;
    }
    if (OPEN.has(c) && (valueStart || depth > 0)) {
      depth++;
      if (depth > maxDepth) return { line, message: `nesting deeper than ${maxDepth} levels` };
      valueStart = true;
      continue;
    }
    if (CLOSE.has(c) && depth > 0) {
      depth--;
      valueStart = false;
      continue;
    }
    if (c === ',' && depth > 0) {
      valueStart = true;
      continue;
    }
    if ((c === ':' || c === '-' || c === '?') && (i + 1 >= n || isSpace(text[i + 1]!) || (depth > 0 && c === ':'))) {
      valueStart = true;
      continue;
    }
    valueStart = false;
  }
  return undefined;
}
