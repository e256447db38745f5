import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  files?: string[];
  keywords?: string[];
  homepage?: string;
  bugs?: { url?: string };
  repository?: { type?: string; url?: string; directory?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
}

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest }))
  .filter((p) => !p.pkg.private);

/** The compute SDK of each adapter: an optional peer, never a dependency (a storage-only install must not pull it). */
const COMPUTE_SDK: Record<string, string> = {
  'adapter-aws': '@aws-sdk/client-batch',
  'adapter-gcp': '@google-cloud/batch',
  'adapter-azure': '@azure/arm-containerinstance',
};

describe('every public package is publishable as users expect', () => {
  it('the public packages are the nine', () => {
    expect(packages.map((p) => p.dir).sort()).toEqual([
      'adapter-aws',
      'adapter-azure',
      'adapter-gcp',
      'cli',
      'core',
      'gateway',
      'kubernetes',
      'router',
      'sync',
    ]);
  });

  for (const { dir, pkg } of packages) {
    describe(pkg.name, () => {
      it('ships a README (install line, an example, links) and the root LICENSE', () => {
        const readme = readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8');
        expect(readme).toContain(`npm install `);
        expect(readme).toMatch(/```(ts|sh)\n/);
        expect(readme).toContain('https://github.com/polycloud/polycloud/blob/main/docs/');
        expect(readFileSync(join(root, 'packages', dir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(root, 'LICENSE'), 'utf8'));
        expect(pkg.license).toBe('Apache-2.0');
        expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'LICENSE']));
      });

      it('has repository, homepage, bugs and keywords', () => {
        expect(pkg.repository).toEqual({ type: 'git', url: 'git+https://github.com/polycloud/polycloud.git', directory: `packages/${dir}` });
        expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/polycloud\/polycloud/);
        expect(pkg.bugs?.url).toBe('https://github.com/polycloud/polycloud/issues');
        expect(pkg.keywords?.length).toBeGreaterThan(2);
      });

      it('declares its dependencies and peers as ranges, not pinned versions', () => {
        const pinned = Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies }).filter(([, v]) => !/^[\^~]/.test(v));
        expect(pinned).toEqual([]);
      });
    });
  }

  it('@opentelemetry/api is a required peer of core (imported at load), not a dependency', () => {
    const core = packages.find((p) => p.dir === 'core')!.pkg;
    expect(core.dependencies?.['@opentelemetry/api']).toBeUndefined();
    expect(core.peerDependencies?.['@opentelemetry/api']).toBe('^1.9.0');
    expect(core.peerDependenciesMeta?.['@opentelemetry/api']).toBeUndefined();
  });
});

describe('README examples compile', () => {
  // Every ```ts block of a package README, type-checked against the sources with the
  // repository's compiler options (the paths map the package names to their sources).
  const blocks = packages.flatMap(({ dir }) =>
    [...readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m, i) => ({
      file: join(root, 'packages', dir, `README.example-${i}.ts`),
      text: m[1]!,
    })),
  );

  it('the packages have examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  it('type-checks each one', () => {
    const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const virtual = new Map(blocks.map((b) => [b.file, b.text]));
    const host = ts.createCompilerHost(parsed.options);
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (f) => virtual.has(f) || fileExists(f);
    host.readFile = (f) => virtual.get(f) ?? readFile(f);
    host.getSourceFile = (f, lang, ...rest) => (virtual.has(f) ? ts.createSourceFile(f, virtual.get(f)!, lang) : getSourceFile(f, lang, ...rest));
    const program = ts.createProgram([...virtual.keys()], { ...parsed.options, noEmit: true }, host);
    const errors = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && virtual.has(d.file.fileName))
      .map((d) => `${d.file!.fileName.slice(root.length + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(errors).toEqual([]);
  }, 120_000);
});

describe('a storage-only install of an adapter pulls no compute SDK', () => {
  const work = mkdtempSync(join(tmpdir(), 'polycloud-adapter-pack-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const [dir, sdk] of Object.entries(COMPUTE_SDK)) {
    it(`@polycloud/${dir}: ${sdk} is an optional peer (and a devDependency), not a dependency, in the packed package.json`, async () => {
      const cwd = join(root, 'packages', dir);
      if (!existsSync(join(cwd, 'dist/index.cjs'))) await run(npm, ['run', 'build'], { cwd });
      const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', work], { cwd });
      const [{ filename, files }] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
      expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/index.cjs']));
      const { stdout: manifest } = await run('tar', ['-xzOf', join(work, filename), 'package/package.json']);
      const packed = JSON.parse(manifest) as Manifest;
      expect(Object.keys(packed.dependencies ?? {})).not.toContain(sdk);
      expect(packed.peerDependencies?.[sdk]).toMatch(/^\^/);
      expect(packed.peerDependenciesMeta?.[sdk]).toEqual({ optional: true });
      expect(packed.devDependencies?.[sdk]).toBeDefined();
      // Nor do its types: an app type-checked with `skipLibCheck: false` and no compute
      // SDK installed must resolve every import of the declarations.
      for (const dts of ['dist/index.d.ts', 'dist/index.d.cts']) {
        const { stdout: types } = await run('tar', ['-xzOf', join(work, filename), `package/${dts}`]);
        const imported = [...types.matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
        expect(imported, dts).not.toContain(sdk);
      }
    }, 180_000);
  }
});
