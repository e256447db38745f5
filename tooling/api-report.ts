// The public surface of every package entry, as a sorted list of exported names with
// their kind. `npm run api:update` writes it to api/<package>[.<entry>].api.txt; the
// `api-report` test compares the sources with those files, so a name cannot become
// public (or stop being public) without a reviewed change to the report.
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const reportDir = join(root, 'api');

export interface EntryPoint {
  /** e.g. `@polycloud/core/spi` */
  specifier: string;
  /** the report's file name, e.g. `core.spi.api.txt` */
  file: string;
  source: string;
}

/** Every entry a package's `exports` map publishes, mapped to its source file. */
export function entryPoints(): EntryPoint[] {
  const out: EntryPoint[] = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, unknown> };
    for (const sub of Object.keys(pkg.exports ?? { '.': {} })) {
      if (sub.endsWith('.json')) continue; // package.json, JSON Schemas: data, not code
      const rest = sub === '.' ? '' : sub.slice(2);
      out.push({
        specifier: rest ? `${pkg.name}/${rest}` : pkg.name,
        file: `${dir}${rest ? '.' + rest.replaceAll('/', '.') : ''}.api.txt`,
        source: join(root, 'packages', dir, 'src', rest ? `${rest}/index.ts` : 'index.ts'),
      });
    }
  }
  return out.map((e) => ({ ...e, source: resolveSource(e.source) }));
}

function resolveSource(path: string): string {
  try {
    readFileSync(path);
    return path;
  } catch {
    return path.replace(/\/index\.ts$/, '.ts');
  }
}

function kindOf(checker: ts.TypeChecker, symbol: ts.Symbol): string {
  const s = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const f = s.flags;
  if (f & ts.SymbolFlags.Class) return 'class';
  if (f & ts.SymbolFlags.Function) return 'function';
  if (f & ts.SymbolFlags.Enum) return 'enum';
  if (f & ts.SymbolFlags.Variable) return 'const';
  if (f & ts.SymbolFlags.Interface) return 'interface';
  if (f & ts.SymbolFlags.TypeAlias) return 'type';
  if (f & ts.SymbolFlags.Namespace) return 'namespace';
  return 'other';
}

/** `kind name` lines, sorted, for each entry point (one TypeScript program for all). */
export function apiReports(entries = entryPoints()): Map<EntryPoint, string> {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error('tsconfig.json could not be read');
  const program = ts.createProgram(
    entries.map((e) => e.source),
    config.options,
  );
  const checker = program.getTypeChecker();
  const reports = new Map<EntryPoint, string>();
  for (const entry of entries) {
    const sf = program.getSourceFile(entry.source);
    const moduleSymbol = sf && checker.getSymbolAtLocation(sf);
    if (!moduleSymbol) throw new Error(`no module for ${entry.source}`);
    const lines = checker
      .getExportsOfModule(moduleSymbol)
      .map((s) => `${kindOf(checker, s)} ${s.getName()}`)
      .sort((a, b) => a.split(' ')[1]!.localeCompare(b.split(' ')[1]!, 'en'));
    reports.set(entry, `# ${entry.specifier}: ${lines.length} names\n${lines.join('\n')}\n`);
  }
  return reports;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(reportDir, { recursive: true });
  for (const [entry, text] of apiReports()) {
    writeFileSync(join(reportDir, entry.file), text);
    console.log(text.split('\n', 1)[0]);
  }
}
