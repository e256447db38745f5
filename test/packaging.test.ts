import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const core = join(root, 'packages/core');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// Packs @polycloud/core as it would be published, installs the tarball into a
// fresh project (with vitest, the optional peer that the conformance suites in
// `@polycloud/core/testing` run on; npm adds the required peer @opentelemetry/api)
// and uses it from both `import` and `require`, and from TypeScript under NodeNext
// with the library checked too (skipLibCheck: false).
describe('@polycloud/core as a published package', () => {
  let work: string;
  let tarball: string;

  beforeAll(async () => {
    if (!existsSync(join(core, 'dist/index.cjs'))) await run(npm, ['run', 'build'], { cwd: core });
    work = mkdtempSync(join(tmpdir(), 'polycloud-pack-'));
    await run(npm, ['pack', '--pack-destination', work], { cwd: core });
    tarball = join(
      work,
      readdirSync(work).find((f) => f.endsWith('.tgz'))!,
    );
    const app = join(work, 'app');
    await run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const dev = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies;
    const pinned = ['typescript', '@types/node'].map((n) => `${n}@${dev[n]}`);
    await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball, 'vitest@4.1.12', ...pinned], {
      cwd: app,
      timeout: 240_000,
    });
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('passes publint --strict', async () => {
    const { stdout } = await run(npm, ['exec', '--', 'publint', '--strict'], { cwd: core });
    expect(stdout).toContain('All good');
  }, 120_000);

  it('passes @arethetypeswrong/cli --pack', async () => {
    const { stdout } = await run(npm, ['exec', '--', 'attw', '--pack', '.'], { cwd: core });
    expect(stdout).toContain('No problems found');
  }, 120_000);

  it('works from require()', async () => {
    const script = `
      const core = require('@polycloud/core');
      const testing = require('@polycloud/core/testing');
      const spi = require('@polycloud/core/spi');
      const doc = core.parseUrmDocument({ resource_id: 'lb-123', type: 'LogicalBucket', providers: [{ cloud: 'CLOUD_A', physical_id: 'bucket-x' }] });
      let code; try { core.parseUrmDocument({}) } catch (e) { code = core.isPolycloudError(e) && e.code }
      const oneClass = spi.PolycloudError === core.PolycloudError && new spi.PolycloudError('NOT_FOUND', 'x') instanceof core.PolycloudError;
      console.log(JSON.stringify({ id: doc.resource_id, code, testing: typeof testing, oneClass }));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: join(work, 'app') });
    expect(JSON.parse(stdout)).toEqual({ id: 'lb-123', code: 'CONFIG_INVALID', testing: 'object', oneClass: true });
  }, 60_000);

  it('works from import', async () => {
    const script = `
      import { parseUrmDocument, createAdapterRegistry, PolycloudError } from '@polycloud/core';
      import * as testing from '@polycloud/core/testing';
      import { PolycloudError as SpiError } from '@polycloud/core/spi';
      const doc = parseUrmDocument({ resource_id: 'lb-123', type: 'LogicalBucket', providers: [{ cloud: 'CLOUD_A', physical_id: 'bucket-x' }] });
      const oneClass = SpiError === PolycloudError;
      console.log(JSON.stringify({ id: doc.resource_id, registry: typeof createAdapterRegistry().register, err: new PolycloudError('NOT_FOUND', 'x').code, testing: typeof testing, oneClass }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: join(work, 'app') });
    expect(JSON.parse(stdout)).toEqual({ id: 'lb-123', registry: 'function', err: 'NOT_FOUND', testing: 'object', oneClass: true });
  }, 60_000);

  it('has its required peer @opentelemetry/api installed by npm, and loads no yaml at require', async () => {
    const script = `require('@polycloud/core'); console.log(JSON.stringify({ otel: Object.keys(require.cache).some((k) => k.includes('@opentelemetry')), yaml: Object.keys(require.cache).some((k) => /node_modules[\\\\/]yaml[\\\\/]/.test(k)) }));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: join(work, 'app') });
    expect(JSON.parse(stdout)).toEqual({ otel: true, yaml: false });
    const after = `const c = require('@polycloud/core/config'); try { c.loadPolycloudConfig('providers: []\\nresources: []\\n'); } catch {} console.log(Object.keys(require.cache).some((k) => /node_modules[\\\\/]yaml[\\\\/]/.test(k)));`;
    expect((await run(process.execPath, ['-e', after], { cwd: join(work, 'app') })).stdout.trim()).toBe('true');
  }, 60_000);

  it('type-checks under module/moduleResolution NodeNext, strict, skipLibCheck false; events handlers are typed', async () => {
    const app = join(work, 'app');
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        files: ['app.mts', 'app.cts'],
      }),
    );
    // ESM: the four entries, and a handler whose event is typed (a wrong property is an error).
    writeFileSync(
      join(app, 'app.mts'),
      `import { createPolycloud, type OperationEvent } from '@polycloud/core';
import { loadPolycloudConfig, type PolycloudConfig } from '@polycloud/core/config';
import type { StorageAdapter } from '@polycloud/core/spi';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';

const adapter: StorageAdapter = createMemoryStorageAdapter({ buckets: ['b'] });
const polycloud = createPolycloud({
  providers: [{ name: 'mem', adapter }],
  resources: [{ resource_id: 'lb-1', type: 'LogicalBucket', providers: [{ cloud: 'mem', physical_id: 'b' }] }],
});
polycloud.events.on('operation', (e) => {
  const ms: number = e.durationMs;
  const event: OperationEvent = e;
  // @ts-expect-error an operation event has no such property
  console.log(ms, event.ok, e.noSuchProperty);
});
export const loaded: PolycloudConfig = loadPolycloudConfig('providers: []\\nresources: []\\n');
`,
    );
    // CommonJS: the same through require.
    writeFileSync(
      join(app, 'app.cts'),
      `import core = require('@polycloud/core');
import config = require('@polycloud/core/config');
const polycloud = core.createPolycloud({ providers: [], resources: [] });
polycloud.events.on('failover', (e) => {
  const from: string = e.from;
  // @ts-expect-error a failover event has no such property
  console.log(from, e.noSuchProperty);
});
export const load = config.loadPolycloudConfig;
`,
    );
    const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app }).then(
      () => ({ ok: true, out: '' }),
      (e: { stdout?: string }) => ({ ok: false, out: e.stdout ?? String(e) }),
    );
    expect(result).toEqual({ ok: true, out: '' });
  }, 120_000);
});
