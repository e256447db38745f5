import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
// `@polycloud/core/testing` run on) and uses it from both `import` and `require`.
describe('@polycloud/core as a published package', () => {
  let work: string;
  let tarball: string;

  beforeAll(async () => {
    if (!existsSync(join(core, 'dist/index.cjs'))) await run(npm, ['run', 'build'], { cwd: core });
    work = mkdtempSync(join(tmpdir(), 'polycloud-pack-'));
    await run(npm, ['pack', '--pack-destination', work], { cwd: core });
    tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    const app = join(work, 'app');
    await run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball, 'vitest@4.1.12'], { cwd: app, timeout: 240_000 });
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
});
