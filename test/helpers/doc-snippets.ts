// Extracting and type-checking the ```ts blocks of the documentation; used by
// docs-snippets.test.ts and emulators-for-apps.test.ts.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const root = fileURLToPath(new URL('../..', import.meta.url));
const CONTEXT = join(root, 'test/fixtures/docs-snippets-context.d.ts');

export interface Snippet {
  /** Repository-relative Markdown file. */
  doc: string;
  /** 1-based line of the first code line in the Markdown file. */
  line: number;
  code: string;
  /** Module file name inside the document's snippet directory. */
  file: string;
}

function markdownFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md')) out.push(p);
    }
  };
  walk('docs');
  out.push('README.md');
  for (const p of readdirSync(join(root, 'packages'))) if (existsSync(join(root, 'packages', p, 'README.md'))) out.push(`packages/${p}/README.md`);
  return out.sort();
}

/** The ```ts blocks of one Markdown text (indented blocks in list items included, indentation removed). */
export function extractSnippets(doc: string, text: string): Snippet[] {
  const lines = text.split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ts\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(Math.min(indent, /^\s*/.exec(lines[j]!)![0].length)));
    if (j === lines.length) throw new Error(`${doc}:${i + 1}: unterminated code block`);
    const code = body.join('\n');
    const named = /^\/\/ file: ([\w.-]+\.ts)\s*$/.exec(body[0] ?? '');
    snippets.push({ doc, line: i + 2, code, file: named ? named[1]! : `L${i + 2}.ts` });
    i = j;
  }
  return snippets;
}

export function allSnippets(): Snippet[] {
  return markdownFiles().flatMap((doc) => extractSnippets(doc, readFileSync(join(root, doc), 'utf8')));
}

/** Type-checks the snippets as modules under `dir`; returns `doc:line: message` per error. */
export function checkSnippets(snippets: Snippet[], dir: string): string[] {
  rmSync(dir, { recursive: true, force: true });
  const where = new Map<string, Snippet>();
  for (const s of snippets) {
    const path = join(dir, s.doc.replace(/\.md$/, ''), s.file);
    if (where.has(path)) throw new Error(`${s.doc}:${s.line}: a second snippet named ${s.file}`);
    mkdirSync(dirname(path), { recursive: true });
    // `export {}` keeps a snippet without imports a module (its own scope, top-level await).
    writeFileSync(path, `${s.code}\nexport {};\n`);
    where.set(path, s);
  }
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
  };
  const program = ts.createProgram([CONTEXT, ...where.keys()], options);
  const out: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const s = d.file ? where.get(d.file.fileName) : undefined;
    if (d.file && s && d.start !== undefined) {
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      out.push(`${s.doc}:${s.line + line}: ${message}`);
    } else out.push(`${d.file ? relative(root, d.file.fileName) : '(program)'}: ${message}`);
  }
  return out;
}
