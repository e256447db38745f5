import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as aws from '@polycloud/adapter-aws';
import * as azure from '@polycloud/adapter-azure';
import * as gcp from '@polycloud/adapter-gcp';
import { describe, expect, it } from 'vitest';

// Every adapter package has one layout (docs/adapters.md, "Package layout"): the same
// file for the same job in each, and one naming scheme for what the package exports.
// Provider helpers go in extra files, each named in that section of the docs.

const root = resolve(import.meta.dirname, '..');
const PACKAGES = ['adapter-aws', 'adapter-gcp', 'adapter-azure'] as const;

/** The files every adapter's src/storage has (operation groups after the first seven). */
const STORAGE = [
  'index',
  'adapter',
  'options',
  'capabilities',
  'errors',
  'client',
  'context',
  'read',
  'write',
  'list',
  'delete',
  'copy',
  'presign',
  'bucket',
  'metadata',
];
/** The files every adapter's src/compute has. */
const COMPUTE = ['index', 'adapter', 'options', 'errors', 'status', 'client', 'request'];

const filesOf = (pkg: string, dir: string) =>
  readdirSync(join(root, 'packages', pkg, 'src', dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();

const layoutDoc = (() => {
  const text = readFileSync(join(root, 'docs/adapters.md'), 'utf8');
  const start = text.indexOf('## Package layout');
  const end = text.indexOf('\n## ', start + 1);
  return start < 0 ? '' : text.slice(start, end < 0 ? undefined : end);
})();

describe.each(PACKAGES)('%s file layout', (pkg) => {
  it('src/ holds index.ts, storage/, compute/ and nothing unexpected', () => {
    const entries = readdirSync(join(root, 'packages', pkg, 'src')).sort();
    expect(entries.filter((e) => !['index.ts', 'storage', 'compute', 'shared'].includes(e))).toEqual([]);
    expect(entries).toEqual(expect.arrayContaining(['index.ts', 'storage', 'compute']));
  });

  it.each([
    ['storage', STORAGE],
    ['compute', COMPUTE],
  ] as const)('src/%s has the shared file set', (dir, required) => {
    const files = filesOf(pkg, dir);
    expect(
      required.filter((f) => !files.includes(f)),
      `missing in packages/${pkg}/src/${dir}`,
    ).toEqual([]);
  });

  it.each(['storage', 'compute'] as const)('every provider helper in src/%s is documented in docs/adapters.md', (dir) => {
    const required: readonly string[] = dir === 'storage' ? STORAGE : COMPUTE;
    const extras = filesOf(pkg, dir).filter((f) => !required.includes(f));
    expect(extras.filter((f) => !layoutDoc.includes(`${pkg}/src/${dir}/${f}.ts`))).toEqual([]);
  });

  it('the package entry re-exports storage and compute only', () => {
    // after its module doc comment (`@module @polycloud/adapter-…`, which names it in `npm run docs:api`)
    const entry = readFileSync(join(root, 'packages', pkg, 'src/index.ts'), 'utf8');
    expect(entry).toMatch(new RegExp(`^/\\*\\*[^]*?@module @polycloud/${pkg}\\n \\*/\\n`));
    expect(entry.replace(/^\/\*\*[^]*?\*\/\n/, '').trim()).toBe("export * from './storage/index.js';\nexport * from './compute/index.js';");
  });
});

/**
 * One scheme for every adapter `Name` (S3, Gcs, AzureBlob, AwsBatch, GcpBatch, AzureAci):
 * `create<Name>Adapter`, `<name>AdapterFactory`, `<Name>AdapterOptionsSchema` and
 * `map<Name>Error` (plus a compute adapter's `<Name>TargetOptionsSchema`). Nothing else
 * is exported at run time but the deprecated aliases listed here, until 0.3.
 */
const EXPORTS: Record<(typeof PACKAGES)[number], { module: Record<string, unknown>; storage: string; compute: string; deprecated: string[] }> = {
  'adapter-aws': { module: aws, storage: 'S3', compute: 'AwsBatch', deprecated: ['mapBatchError'] },
  'adapter-gcp': { module: gcp, storage: 'Gcs', compute: 'GcpBatch', deprecated: ['toGcsError'] },
  'adapter-azure': {
    module: azure,
    storage: 'AzureBlob',
    compute: 'AzureAci',
    deprecated: ['mapAzureError', 'mapAciError', 'createAzureContainerInstancesAdapter'],
  },
};

const lower = (name: string) => name[0]!.toLowerCase() + name.slice(1);
const namesFor = (name: string) => [`create${name}Adapter`, `${lower(name)}AdapterFactory`, `${name}AdapterOptionsSchema`, `map${name}Error`];

describe.each(PACKAGES)('%s exports', (pkg) => {
  const { module, storage, compute, deprecated } = EXPORTS[pkg];

  it('are the factories, create functions, option schemas and error mappers (plus deprecated aliases)', () => {
    const expected = [...namesFor(storage), ...namesFor(compute), `${compute}TargetOptionsSchema`, ...deprecated].sort();
    expect(Object.keys(module).sort()).toEqual(expected);
  });

  it('registers each factory under its own name', () => {
    expect(module[`${lower(storage)}AdapterFactory`]).toMatchObject({ kind: 'storage' });
    expect(module[`${lower(compute)}AdapterFactory`]).toMatchObject({ kind: 'compute' });
  });

  it('keeps each deprecated alias the same function as its new name, marked @deprecated in the source', () => {
    const sources = ['storage', 'compute'].flatMap((dir) =>
      readdirSync(join(root, 'packages', pkg, 'src', dir)).map((f) => readFileSync(join(root, 'packages', pkg, 'src', dir, f), 'utf8')),
    );
    for (const alias of deprecated) {
      const declaration = sources.join('\n').match(new RegExp(`/\\*\\* @deprecated use (\\w+); removed in 0\\.3 \\*/\\nexport const ${alias} = (\\w+);`));
      expect(declaration, alias).not.toBeNull();
      expect(declaration![1]).toBe(declaration![2]);
      expect(module[alias]).toBe(module[declaration![1]!]);
    }
  });
});
