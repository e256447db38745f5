import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAdapterRegistry, localComputeAdapterFactory, PolycloudError } from '@polycloud/core';
import { createPolycloudFromConfig } from '@polycloud/core/config';
import type { StorageAdapterFactory } from '@polycloud/core/spi';
import { memoryStorageAdapterFactory } from '@polycloud/core/testing';
import { CLI_VERSION, createCliRegistry } from '@polycloud/cli';
import { createSync } from '@polycloud/sync';
import { memoryRegistry, run, tempDir, writeConfig } from './helpers.js';

const CONFIG = `
providers:
  - {name: cloud_a, type: memory, buckets: [bucket-a]}
  - {name: cloud_b, type: memory, buckets: [bucket-b, bucket-c]}
  - {name: local, type: local}
resources:
  - resource_id: lb-1
    type: LogicalBucket
    providers:
      - {cloud: cloud_a, physical_id: bucket-a, region: eu-west-1, weight: 3}
      - {cloud: cloud_b, physical_id: bucket-b, region: us-east-1}
  - resource_id: lc-1
    type: LogicalCluster
    providers:
      - {cloud: local, physical_id: here}
  - resource_id: lb-2
    type: LogicalBucket
    providers:
      - {cloud: cloud_b, physical_id: bucket-c}
jobs:
  - apiVersion: batch.mcp/v1
    kind: DataJob
    metadata: {name: quick}
    spec:
      image: x
      command: [node, -e, "process.exit(0)"]
`;

const dir = tempDir();
const config = writeConfig(dir, 'polycloud.yaml', CONFIG);

describe('where the config comes from', () => {
  it('--config takes any file name: an extensionless file is a file, not YAML text', async () => {
    const plain = writeConfig(dir, 'pcconfig', CONFIG);
    const r = await run(['validate', '--config', plain], { registry: memoryRegistry().registry });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${plain}: valid`);
    // validate's positional file is the same thing.
    expect((await run(['validate', plain], { registry: memoryRegistry().registry })).code).toBe(0);
  });

  it('POLYCLOUD_CONFIG, then ./polycloud.yaml in the working directory; --config wins over both', async () => {
    const other = tempDir();
    const envFile = writeConfig(other, 'from-env.yml', CONFIG);
    const byEnv = await run(['status', '--no-probe', '--json'], { registry: memoryRegistry().registry, env: { POLYCLOUD_CONFIG: envFile } });
    expect(byEnv.code, byEnv.stderr).toBe(0);
    const byDefault = await run(['validate', '--json'], { registry: memoryRegistry().registry, cwd: dir });
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(JSON.parse(byDefault.stdout)).toMatchObject({ ok: true, file: config });
    const bad = writeConfig(other, 'bad.yaml', 'providers: []\n');
    const wins = await run(['validate', '--config', config], { registry: memoryRegistry().registry, env: { POLYCLOUD_CONFIG: bad } });
    expect(wins.code).toBe(0);
  });

  it('no config anywhere: exit 2 naming the three ways to give one', async () => {
    const r = await run(['status'], { registry: memoryRegistry().registry, cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--config .*POLYCLOUD_CONFIG.*polycloud\.yaml/);
  });

  it('--config - reads stdin (bounded); a FIFO named as the config is refused, never read', async () => {
    const r = await run(['validate', '--config', '-', '--json'], { registry: memoryRegistry().registry, stdin: Readable.from([Buffer.from(CONFIG)]) });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, file: '-', resources: [{ id: 'lb-1' }, { id: 'lc-1' }, { id: 'lb-2' }] });
    const dev = await run(['validate', '/dev/stdin'], { registry: memoryRegistry().registry, stdin: Readable.from([CONFIG]) });
    expect(dev.code, dev.stderr).toBe(0);

    const huge = (function* () {
      for (let i = 0; i < 100; i++) yield Buffer.alloc(64 * 1024, 0x20);
    })();
    const big = await run(['validate', '--config', '-'], { registry: memoryRegistry().registry, stdin: Readable.from(huge) });
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/CONFIG_INVALID.*larger than/);

    const fifo = join(tempDir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const f = await run(['validate', '--config', fifo], { registry: memoryRegistry().registry });
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('a FIFO');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an invalid file names itself and every problem with its line, as before', async () => {
    const bad = writeConfig(dir, 'bad-no-ext', CONFIG.replace('type: local', 'type: lokal'));
    const r = await run(['validate', '--config', bad], { registry: memoryRegistry().registry });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: 1 problem (CONFIG_INVALID)`);
    expect(r.stderr).toMatch(/providers\[2\]\.type \(line 5\): unknown adapter type "lokal"/);
  });
});

describe('--json on every command', () => {
  it('an invalid config: {ok: false, error: {code, message, issues, file}} on stdout, exit 2', async () => {
    const bad = writeConfig(dir, 'bad.yaml', CONFIG.replace('type: local', 'type: lokal'));
    for (const argv of [
      ['validate', '--config', bad, '--json'],
      ['--json', 'status', '--config', bad],
      ['sync', 'lb-1', '--config', bad, '--json'],
    ]) {
      const r = await run(argv, { registry: memoryRegistry().registry });
      expect(r.code, argv.join(' ')).toBe(2);
      const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; file: string; issues: { path: unknown[]; line: number }[] } };
      expect(out).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID', file: bad } });
      expect(out.error.issues[0]).toMatchObject({ path: ['providers', 2, 'type'], line: 5 });
    }
  });

  it('a usage error with --json is JSON too', async () => {
    const r = await run(['explain', '--config', config, '--json'], { registry: memoryRegistry().registry });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('status --json gives the cause of a failed probe (ECONNREFUSED), not just UNAVAILABLE', { timeout: 60_000 }, async () => {
    const file = writeConfig(
      dir,
      's3-down.yaml',
      'providers:\n  - {name: aws, type: s3, endpoint: "http://127.0.0.1:9", region: us-east-1, access_key: AKIAEXAMPLE, secret_key: not-a-real-secret, force_path_style: true}\nresources:\n  - resource_id: lb\n    type: LogicalBucket\n    providers: [{cloud: aws, physical_id: b}]\nretry: {max_attempts: 1}\n',
    );
    const r = await run(['status', '--config', file, '--json', '--timeout', '3000'], { registry: await createCliRegistry({ types: ['s3'] }) });
    expect(r.code).toBe(1);
    const rows = JSON.parse(r.stdout) as { binding: string; health: string; error?: string; cause?: string }[];
    expect(rows[0]).toMatchObject({ health: 'down', error: 'UNAVAILABLE', cause: 'ECONNREFUSED' });
    expect(r.stdout).not.toContain('not-a-real-secret');
  });

  it('a probe error with a provider cause; the table shows it too', async () => {
    const base = memoryRegistry();
    const registry = createAdapterRegistry([
      {
        ...memoryStorageAdapterFactory,
        create: (options, context) => {
          const adapter = base.registry.createStorage('memory', options, context);
          if (context.name !== 'cloud_b') return adapter;
          const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
          return { ...adapter, probe: () => Promise.reject(new PolycloudError('UNAVAILABLE', 'cloud_b is down', { cause })) };
        },
      } as StorageAdapterFactory,
      localComputeAdapterFactory,
    ]);
    const r = await run(['status', '--config', config], { registry });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/cloud_b .*down \(UNAVAILABLE: ECONNREFUSED\)/);
  });

  it('sync --json: the result as JSON, no progress lines', async () => {
    const { registry } = memoryRegistry();
    const writer = createPolycloudFromConfig(config, { registry, env: {}, sync: createSync({ autoStart: false }) });
    for (let i = 0; i < 3; i++) await writer.bucket('lb-1').put(`j${i}`, 'abc');
    await writer.close();
    const r = await run(['sync', 'lb-1', '--config', config, '--json'], { registry });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, bucket: 'lb-1', applied: 3, bytes: 9, failedKeys: [] });
    const dry = await run(['sync', 'lb-1', '--config', config, '--json', '--reconcile', '--dry-run'], { registry });
    expect(JSON.parse(dry.stdout)).toMatchObject({ ok: true, dryRun: true, plan: { status: 'ok', changed: 0, total: 3 } });
  });

  it('--quiet: no progress and no tables, the result line only; --quiet with --verbose is a usage error', async () => {
    const { registry } = memoryRegistry();
    const writer = createPolycloudFromConfig(config, { registry, env: {}, sync: createSync({ autoStart: false }) });
    await writer.bucket('lb-1').put('q', 'abc');
    await writer.close();
    const r = await run(['-q', 'sync', 'lb-1', '--config', config], { registry });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^replicated lb-1: 1 change/);
    expect((await run(['--quiet', '--verbose', 'validate', config], { registry })).code).toBe(2);
  });

  it('--verbose: the SDK log lines on stderr', async () => {
    const r = await run(['--verbose', 'ls', '--config', config, 'lb-1'], { registry: memoryRegistry().registry });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\[debug\] list on lb-1\/cloud_a ok/m);
    expect((await run(['ls', '--config', config, 'lb-1'], { registry: memoryRegistry().registry })).stderr).not.toContain('[debug]');
  });
});

describe('--version', () => {
  it("is the CLI package's own version", async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(CLI_VERSION).toBe(pkg.version);
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});

describe("sync --reconcile --dry-run is the engine's plan", () => {
  it('an emptied destination: the plan is blocked by the mass-delete guard (as the real run is), not "would copy"', async () => {
    const { registry, clouds } = memoryRegistry();
    const writer = createPolycloudFromConfig(config, { registry, env: {}, sync: createSync({ autoStart: false }) });
    for (let i = 0; i < 20; i++) await writer.bucket('lb-1').put(`m${i}`, 'abc');
    await writer.close();
    expect((await run(['sync', 'lb-1', '--config', config], { registry })).code).toBe(0);
    // The objects vanish from one binding, outside polycloud.
    for (const k of clouds.get('cloud_b')!.keys('bucket-b')) if (!k.startsWith('_polycloud/')) clouds.get('cloud_b')!.deleteObject('bucket-b', k);
    const dry = await run(['sync', 'lb-1', '--config', config, '--reconcile', '--dry-run'], { registry });
    expect(dry.stdout).toContain('blocked by the mass-delete guard');
    expect(dry.stdout).not.toMatch(/would copy|to copy/);
    expect(dry.stdout).toMatch(/20 to delete everywhere of 20 synchronised/);
    expect(dry.code).toBe(1);
    const real = await run(['sync', 'lb-1', '--config', config, '--reconcile'], { registry });
    expect(real.code).toBe(1);
    expect(real.stderr).toContain('blocked by the mass-delete guard');
    expect(
      clouds
        .get('cloud_a')!
        .keys('bucket-a')
        .filter((k) => !k.startsWith('_polycloud/')),
    ).toHaveLength(20);
  });
});

describe('object commands on a LogicalBucket', () => {
  it('cp local → bucket, ls, stat, cat, cp bucket → local and → bucket, rm; --json', async () => {
    const { registry, clouds } = memoryRegistry();
    const work = tempDir();
    writeFileSync(join(work, 'report.csv'), 'day,total\n1,42\n');
    mkdirSync(join(work, 'out'));
    const cli = (...argv: string[]) => run(['--config', config, ...argv], { registry, cwd: work });

    const up = await cli('cp', 'report.csv', 'lb-1/reports/');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/report\.csv → lb-1\/reports\/report\.csv: 15 B \(cloud_a\)/);
    expect(clouds.get('cloud_a')!.keys('bucket-a')).toContain('reports/report.csv');

    const top = await cli('ls', 'lb-1');
    expect(top.stdout).toMatch(/DIR +reports\//);
    expect(top.stdout).not.toContain('_polycloud');
    const ls = JSON.parse((await cli('ls', 'lb-1/reports/', '--json')).stdout) as { objects: { key: string; size: number }[] };
    expect(ls.objects).toEqual([expect.objectContaining({ key: 'reports/report.csv', size: 15 })]);
    const rec = JSON.parse((await cli('ls', '-r', 'lb-1', '--json')).stdout) as { objects: { key: string }[] };
    expect(rec.objects.map((o) => o.key)).toEqual(['reports/report.csv']);

    expect(JSON.parse((await cli('stat', 'lb-1/reports/report.csv', '--json')).stdout)).toMatchObject({
      ok: true,
      key: 'reports/report.csv',
      size: 15,
      binding: 'cloud_a',
    });
    expect((await cli('cat', 'lb-1/reports/report.csv')).stdout).toBe('day,total\n1,42\n');

    expect((await cli('cp', 'lb-1/reports/report.csv', 'out/')).code).toBe(0);
    expect(readFileSync(join(work, 'out', 'report.csv'), 'utf8')).toBe('day,total\n1,42\n');
    const copy = await cli('cp', 'lb-1/reports/report.csv', 'lb-1/archive/r.csv', '--json');
    expect(JSON.parse(copy.stdout)).toMatchObject({ ok: true, destination: 'lb-1/archive/r.csv', bytes: 15 });

    // Another LogicalBucket: read through lb-1's router, written through lb-2's.
    const across = await cli('cp', 'lb-1/reports/report.csv', 'lb-2/');
    expect(across.stdout).toMatch(/lb-1\/reports\/report\.csv → lb-2\/report\.csv: 15 B \(cloud_b\)/);
    expect(clouds.get('cloud_b')!.keys('bucket-c')).toEqual(['report.csv']);
    // A local path that starts like a bucket needs ./ (it is the bucket otherwise).
    expect((await cli('cp', ':lb-2/report.csv', './lb-2-copy.csv')).code).toBe(0);
    expect(readFileSync(join(work, 'lb-2-copy.csv'), 'utf8')).toBe('day,total\n1,42\n');

    const rm = await cli('rm', 'lb-1/reports/report.csv', 'lb-1/archive/r.csv');
    expect(rm.code).toBe(0);
    expect(JSON.parse((await cli('ls', '-r', 'lb-1', '--json')).stdout)).toMatchObject({ objects: [] });
  });

  it('a missing object exits 1 (NOT_FOUND); an unknown bucket or a key-less target exits 2', async () => {
    const { registry } = memoryRegistry();
    const missing = await run(['stat', 'lb-1/nope', '--config', config, '--json'], { registry });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await run(['ls', 'lb-zz', '--config', config], { registry })).code).toBe(2);
    expect((await run(['cat', 'lb-1', '--config', config], { registry })).code).toBe(2);
  });
});

describe('job submit on the local adapter', () => {
  it('without --wait: refused (exit 2, nothing submitted) with the advice to use --wait', async () => {
    const r = await run(['job', 'submit', 'quick', '--config', config, '--json'], { registry: memoryRegistry().registry });
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string; path: string[] } };
    expect(out).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', path: ['wait'] } });
    expect(out.error.message).toContain('--wait');
    const waited = await run(['job', 'submit', 'quick', '--config', config, '--wait', '--json'], { registry: memoryRegistry().registry });
    expect(waited.code).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({ state: 'SUCCEEDED' });
  });
});

describe('interrupts in-process (the signal runCli is given)', () => {
  it('SIGTERM during sync: 143, a summary, leases released (the next run replicates the rest at once)', async () => {
    const { registry: base } = memoryRegistry();
    const slow = createAdapterRegistry([
      {
        ...memoryStorageAdapterFactory,
        create: (options, context) => {
          const adapter = base.createStorage('memory', options, context);
          if (context.name !== 'cloud_b') return adapter;
          return { ...adapter, put: async (...args: Parameters<typeof adapter.put>) => (await new Promise((r) => setTimeout(r, 150)), adapter.put(...args)) };
        },
      } as StorageAdapterFactory,
      localComputeAdapterFactory,
    ]);
    const writer = createPolycloudFromConfig(config, { registry: base, env: {}, sync: createSync({ autoStart: false }) });
    for (let i = 0; i < 200; i++) await writer.bucket('lb-1').put(`s${i}`, 'abc');
    await writer.close();
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGTERM'), 300);
    const r = await run(['sync', 'lb-1', '--config', config], { registry: slow, signal: controller.signal });
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/replication of lb-1 interrupted \(SIGTERM\): \d+ change\(s\) applied.*leases released/);
    const again = await run(['sync', 'lb-1', '--config', config, '--json'], { registry: base });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const out = JSON.parse(again.stdout) as { ok: boolean; applied: number; targets: { backlog: number }[] };
    expect(out.ok).toBe(true);
    expect(out.applied).toBeGreaterThan(0);
    for (const t of out.targets) expect(t.backlog).toBe(0);
  });

  it('a command without its own handling ends at once with 130', async () => {
    const job = writeConfig(
      dir,
      'slow-job.yaml',
      `apiVersion: batch.mcp/v1\nkind: DataJob\nmetadata: {name: slow-${Date.now().toString(36)}}\nspec:\n  image: x\n  command: [node, -e, "setTimeout(() => {}, 3000)"]\n`,
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGINT'), 300);
    const started = Date.now();
    const r = await run(['job', 'submit', job, '--wait', '--config', config], { registry: memoryRegistry().registry, signal: controller.signal });
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(r.stderr).toContain('interrupted (SIGINT)');
    expect(Date.now() - started).toBeLessThan(2500);
  });
});
