import { describe, expect, it } from 'vitest';
import { createAdapterRegistry, localComputeAdapterFactory } from '@polycloud/core';
import { createPolycloudFromConfig } from '@polycloud/core/config';
import type { StorageAdapterFactory } from '@polycloud/core/spi';
import { memoryStorageAdapterFactory } from '@polycloud/core/testing';
import { runCli } from '@polycloud/cli';
import { createProgressForTest, fakeTerminal } from './progress-fixture.js';
import { collector, memoryRegistry, run, tempDir, writeConfig } from './helpers.js';
import { createSync } from '@polycloud/sync';

const CONFIG = `
storage_providers:
  - name: cloud_a
    type: memory
    buckets: [bucket-a]
    healthCheck: {interval: 5s}
  - name: cloud_b
    type: memory
    buckets: [bucket-b]
  - name: local
    type: local
residency:
  eu: [eu-*, europe-*]
resources:
  - resource_id: lb-123
    type: LogicalBucket
    providers:
      - {cloud: cloud_a, physical_id: bucket-a, region: eu-west-1, weight: 3, tags: {quota: 1Ki}}
      - {cloud: cloud_b, physical_id: bucket-b, region: us-east-1}
  - resource_id: lc-1
    type: LogicalCluster
    providers:
      - {cloud: local, physical_id: here}
jobs:
  - apiVersion: batch.mcp/v1
    kind: DataJob
    metadata: {name: data-cleaning}
    spec:
      image: data-processor:v1
      command: [node, -e, "process.exit(0)"]
      resources: {cpu: 1, memory: 256Mi}
  - apiVersion: batch.mcp/v1
    kind: DataJob
    metadata: {name: broken}
    spec:
      image: data-processor:v1
      command: [node, -e, "process.exit(3)"]
`;

const dir = tempDir();
const config = writeConfig(dir, 'polycloud.yaml', CONFIG);

describe('polycloud validate', () => {
  it('prints a summary and exits 0 for a valid file', async () => {
    const r = await run(['validate', config], { registry: memoryRegistry().registry });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${config}: valid`);
    expect(r.stdout).toContain('lb-123 (LogicalBucket, 2 bindings)');
    expect(r.stdout).toContain('jobs: data-cleaning, broken');
    expect(r.stderr).toBe('');
  });

  it('--json prints a machine-readable summary', async () => {
    const r = await run(['validate', config, '--json'], { registry: memoryRegistry().registry });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, jobs: ['data-cleaning', 'broken'], resources: [{ id: 'lb-123', bindings: 2 }, { id: 'lc-1' }] });
  });

  it('lists every problem with its path and line, and exits 2', async () => {
    const bad = writeConfig(
      dir,
      'bad.yaml',
      CONFIG.replace('type: local', 'type: lokal')
        .replace('memory: 256Mi', 'memory: 256MB')
        .replace('{cloud: cloud_b,', '{cloud: cloud_c,')
        .replace('interval: 5s', 'interval: 5 s'),
    );
    const r = await run(['validate', bad], { registry: memoryRegistry().registry });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('4 problems (CONFIG_INVALID)');
    expect(r.stderr).toMatch(/storage_providers\[2\]\.type \(line \d+\): unknown adapter type "lokal"/);
    expect(r.stderr).toMatch(/jobs\[0\]\.spec\.resources\.memory \(line \d+\)/);
    expect(r.stderr).toMatch(/resources\[0\]\.providers\[1\]\.cloud \(line \d+\): no provider named "cloud_c"/);
    expect(r.stderr).toMatch(/storage_providers\[0\]\.healthCheck\.interval \(line \d+\)/);
  });

  it('names a missing environment variable and never prints secret values', async () => {
    const file = writeConfig(
      dir,
      'env.yaml',
      CONFIG.replace('    buckets: [bucket-a]\n', '    buckets: [bucket-a]\n    capabilities: {multipart: "${FLAG}"}\n    ifNoneMatchFailure: ${TOKEN}\n'),
    );
    const r = await run(['validate', file], { registry: memoryRegistry().registry, env: { TOKEN: 'tok-SECRET-value-99' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('environment variable FLAG is not set');
    expect(r.stderr).toMatch(/storage_providers\[0\]\.ifNoneMatchFailure/);
    expect(r.stderr + r.stdout).not.toContain('tok-SECRET-value-99');
  });

  it('a missing file exits 1 with NOT_FOUND; bad usage exits 2; --help exits 0', async () => {
    const missing = await run(['validate', `${dir}/nope.yaml`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('NOT_FOUND');
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['validate'])).code).toBe(2);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('explain');
  });
});

describe('polycloud explain', () => {
  it('shows the chosen binding and every candidate with its sub-scores', async () => {
    const r = await run(['explain', '--config', config, 'lb-123', 'reports/a.csv'], { registry: memoryRegistry().registry });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('write lb-123/reports/a.csv → cloud_a');
    for (const column of ['rank', 'binding', 'verdict', 'weight', 'sub-scores']) expect(r.stdout).toContain(column);
    expect(r.stdout).toMatch(/static=3/);
    expect(r.stdout).toMatch(/cloud_b/);
  });

  it('applies data tags: a residency tag rejects the binding outside the zone', async () => {
    const r = await run(['explain', '--config', config, 'lb-123', 'k', '--tag', 'residency=eu', '--json'], { registry: memoryRegistry().registry });
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout) as { chosen: string; candidates: { binding: string; verdict: string }[] };
    expect(e.chosen).toBe('cloud_a');
    expect(e.candidates.find((c) => c.binding === 'cloud_b')!.verdict).toBe('residency');
  });

  it("uses the config's router section (caller region → distance sub-scores); a bad router option is a config error", async () => {
    const withRouter = writeConfig(dir, 'router.yaml', `${CONFIG}router:\n  caller: {region: eu-west-1}\n  price_floor_ratio: 0.5\n`);
    const r = await run(['explain', '--config', withRouter, 'lb-123', 'k', '--json'], { registry: memoryRegistry().registry });
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout) as { candidates: { binding: string; scores: Record<string, number> }[] };
    expect(e.candidates.find((c) => c.binding === 'cloud_a')!.scores['distanceKm']).toBe(0);
    expect(e.candidates.find((c) => c.binding === 'cloud_b')!.scores['distanceKm']).toBeGreaterThan(5000);
    const bad = writeConfig(dir, 'badrouter.yaml', `${CONFIG}router:\n  caller: {region: eu-west-1, zone: a}\n`);
    const v = await run(['validate', bad], { registry: memoryRegistry().registry });
    expect(v.code).toBe(2);
    // Checked while loading (issue 13): at the key as written, with its line.
    expect(v.stderr).toMatch(/router\.caller\.zone \(line \d+\): unknown key/);
  });

  it('exits 1 when no binding qualifies, with --json as without', async () => {
    const usOnly = writeConfig(dir, 'us-only.yaml', CONFIG.replace('region: eu-west-1, weight: 3', 'region: us-west-1, weight: 3'));
    const text = await run(['explain', '--config', usOnly, 'lb-123', 'k', '--tag', 'residency=eu'], { registry: memoryRegistry().registry });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('(no binding qualifies)');
    const json = await run(['explain', '--config', usOnly, 'lb-123', 'k', '--tag', 'residency=eu', '--json'], { registry: memoryRegistry().registry });
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { chosen?: string }).chosen).toBeUndefined();
  });

  it('an unknown bucket exits 1 with NOT_FOUND', async () => {
    const r = await run(['explain', '--config', config, 'lb-nope', 'k'], { registry: memoryRegistry().registry });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NOT_FOUND');
  });
});

describe('polycloud status', () => {
  it('prints health, circuit, lag and backlog per binding; --usage adds bytes and quota', async () => {
    const { registry, clouds } = memoryRegistry();
    const r0 = await run(['status', '--config', config], { registry });
    expect(r0.code).toBe(0);
    clouds.get('cloud_a')!.putObject('bucket-a', 'big', 'x'.repeat(2048));
    const r = await run(['status', '--config', config, '--usage'], { registry });
    expect(r.code).toBe(0);
    for (const column of ['resource', 'binding', 'health', 'circuit', 'lag', 'backlog', 'usage', 'quota']) expect(r.stdout).toContain(column);
    expect(r.stdout).toMatch(/cloud_a .*eu-west-1 .*up .*closed .*2\.0 KiB .*1\.0 KiB/);
    const json = JSON.parse((await run(['status', '--config', config, '--json', '--usage'], { registry })).stdout) as {
      binding: string;
      health: string;
      usageBytes?: number;
      backlog?: number;
    }[];
    expect(json.map((x) => x.binding)).toEqual(['cloud_a', 'cloud_b', 'local']);
    expect(json[0]).toMatchObject({ health: 'up', usageBytes: 2048, backlog: 0 });
  });

  it('--timeout that is not a positive number of ms is a usage error (exit 2), not a silent 5000', async () => {
    for (const bad of ['abc', '0', '-5', '1.5', '10s']) {
      const r = await run(['status', '--config', config, '--timeout', bad], { registry: memoryRegistry().registry });
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain('INVALID_ARGUMENT');
    }
    expect((await run(['status', '--config', config, '--timeout', '2000'], { registry: memoryRegistry().registry })).code).toBe(0);
  });

  it('exits 1 when a binding is down', async () => {
    const { registry, down } = memoryRegistry();
    down.add('cloud_b');
    const r = await run(['status', '--config', config, '--json'], { registry });
    expect(r.code).toBe(1);
    const rows = JSON.parse(r.stdout) as { binding: string; health: string; error?: string }[];
    expect(rows.find((x) => x.binding === 'cloud_b')).toMatchObject({ health: 'down', error: 'UNAVAILABLE' });
    expect(rows.find((x) => x.binding === 'cloud_a')).toMatchObject({ health: 'up' });
  });
});

describe('polycloud sync', () => {
  it('replicates the journal backlog with plain progress lines when not on a terminal', async () => {
    const { registry, clouds } = memoryRegistry();
    const writer = createPolycloudFromConfig(config, { registry, env: {}, sync: createSync({ autoStart: false }) });
    for (let i = 0; i < 5; i++) await writer.bucket('lb-123').put(`k${i}`, `value ${i}`);
    await writer.close();
    expect(
      clouds
        .get('cloud_b')!
        .keys('bucket-b')
        .filter((k) => !k.startsWith('_polycloud/')),
    ).toEqual([]);

    const before = JSON.parse((await run(['status', '--config', config, '--json'], { registry })).stdout) as { binding: string; backlog?: number }[];
    expect(before.find((x) => x.binding === 'cloud_b')!.backlog).toBe(5);

    const dry = await run(['sync', '--config', config, 'lb-123', '--dry-run'], { registry });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: 5 journal entries waiting');
    expect(
      clouds
        .get('cloud_b')!
        .keys('bucket-b')
        .filter((k) => !k.startsWith('_polycloud/')),
    ).toEqual([]);

    const r = await run(['sync', '--config', config, 'lb-123'], { registry });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/replicate lb-123: 5\/5 objects, \d+ B, [\d.]+ obj\/s, .*ETA 0s/);
    expect(r.stdout).toMatch(/replicated lb-123: 5 change\(s\) applied, 35 B, 0 conflict\(s\), 0 failed key\(s\)/);
    expect(
      clouds
        .get('cloud_b')!
        .keys('bucket-b')
        .filter((k) => !k.startsWith('_polycloud/')),
    ).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
  });

  it('--reconcile --dry-run shows what is missing where, and changes nothing; --reconcile repairs it', async () => {
    const { registry, clouds } = memoryRegistry();
    await run(['status', '--config', config], { registry });
    clouds.get('cloud_a')!.putObject('bucket-a', 'outside/1.txt', 'hello');
    clouds.get('cloud_b')!.putObject('bucket-b', 'outside/2.txt', 'world!');
    const dry = await run(['sync', '--config', config, 'lb-123', '--reconcile', '--dry-run'], { registry });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/binding .*listed/);
    expect(dry.stdout).toMatch(/cloud_a .*1/);
    expect(dry.stdout).toContain(
      "dry run (the engine's plan): 2 key(s) to bring in line, 0 deleted outside polycloud, 0 to delete everywhere of 0 synchronised; nothing was changed",
    );
    expect(clouds.get('cloud_b')!.keys('bucket-b')).toEqual(['outside/2.txt']);

    const r = await run(['sync', '--config', config, 'lb-123', '--reconcile'], { registry });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/reconciled lb-123: 2 change\(s\) applied, 11 B/);
    const user = (name: string, bucket: string) =>
      clouds
        .get(name)!
        .keys(bucket)
        .filter((k) => !k.startsWith('_polycloud/'));
    expect(user('cloud_a', 'bucket-a')).toEqual(['outside/1.txt', 'outside/2.txt']);
    expect(user('cloud_b', 'bucket-b')).toEqual(['outside/1.txt', 'outside/2.txt']);
  });

  it('refuses a bucket without replication (exit 2)', async () => {
    const file = writeConfig(
      dir,
      'norepl.yaml',
      CONFIG.replace(
        '      - {cloud: cloud_b, physical_id: bucket-b, region: us-east-1}\n',
        '      - {cloud: cloud_b, physical_id: bucket-b, region: us-east-1}\n    replication: {mode: none}\n',
      ),
    );
    const r = await run(['sync', '--config', file, 'lb-123'], { registry: memoryRegistry().registry });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('INVALID_ARGUMENT');
  });

  it('sync on a terminal draws the progress bar', async () => {
    const { registry } = memoryRegistry();
    const writer = createPolycloudFromConfig(config, { registry, env: {}, sync: createSync({ autoStart: false }) });
    for (let i = 0; i < 3; i++) await writer.bucket('lb-123').put(`t${i}`, 'abc');
    await writer.close();
    const stdout = fakeTerminal();
    const code = await runCli(['sync', '--config', config, 'lb-123'], { stdout, stderr: collector(), env: {}, registry });
    expect(code).toBe(0);
    expect(stdout.text).toMatch(/replicate lb-123 \[█+\] 3\/3 objects \| 9 B \|/);
  });

  it('a sync engine that throws still stops the terminal progress bar (the cursor is shown again)', async () => {
    const { registry } = memoryRegistry();
    const writer = createPolycloudFromConfig(config, { registry, env: {}, sync: createSync({ autoStart: false }) });
    for (let i = 0; i < 3; i++) await writer.bucket('lb-123').put(`f${i}`, 'abc');
    await writer.close();
    // Taking the replication lease fails with a programming error (not a PolycloudError): the engine throws.
    const broken = createAdapterRegistry([
      {
        ...memoryStorageAdapterFactory,
        create: (options, context) => {
          const adapter = registry.createStorage('memory', options, context);
          return {
            ...adapter,
            put: (bucket, key, ...rest) => (key.endsWith('lease') ? Promise.reject(new TypeError('boom')) : adapter.put(bucket, key, ...rest)),
          };
        },
      } as StorageAdapterFactory,
      localComputeAdapterFactory,
    ]);
    let checked = 0;
    for (const args of [
      ['sync', '--config', config, 'lb-123'],
      ['sync', '--config', config, 'lb-123', '--reconcile'],
    ]) {
      const stdout = fakeTerminal();
      const code = await runCli(args, { stdout, stderr: collector(), env: {}, registry: broken });
      const hide = stdout.text.lastIndexOf('\x1b[?25l');
      if (hide < 0) continue; // the command failed before drawing a bar: nothing to restore
      expect(code, args.join(' ')).not.toBe(0);
      expect(stdout.text.lastIndexOf('\x1b[?25h'), args.join(' ')).toBeGreaterThan(hide);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('draws a progress bar on a terminal', () => {
    const out = createProgressForTest();
    expect(out).toMatch(/replicate lb \[[█░]+\] 3\/4 objects \| 3\.0 KiB \| .* obj\/s/);
  });
});

describe('polycloud job', () => {
  it('submit --wait runs a job from the config on the local adapter', async () => {
    const { registry } = memoryRegistry();
    const r = await run(['job', 'submit', '--config', config, 'data-cleaning', '--wait', '--json'], { registry });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { id: string; state: string; exitCode: number; binding: string };
    expect(out).toMatchObject({ state: 'SUCCEEDED', exitCode: 0, binding: 'local' });
    expect(out.id).toMatch(/^lc-1\/local\/data-cleaning-[0-9a-f]{16}$/);
  });

  it('submit of a job file; a failing job exits 1', async () => {
    const job = writeConfig(
      dir,
      'job.yaml',
      'apiVersion: batch.mcp/v1\nkind: DataJob\nmetadata: {name: from-file}\nspec:\n  image: x\n  command: [node, -e, "process.exit(0)"]\n',
    );
    const ok = await run(['job', 'submit', '--config', config, job, '--wait'], { registry: memoryRegistry().registry });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/submitted from-file → lc-1\/local\/from-file-/);
    const failed = await run(['job', 'submit', '--config', config, 'broken', '--wait', '--json'], { registry: memoryRegistry().registry });
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ state: 'FAILED', exitCode: 3 });
  });

  it('submit of an invalid job file lists its problems (exit 2)', async () => {
    const job = writeConfig(
      dir,
      'badjob.yaml',
      'apiVersion: batch.mcp/v1\nkind: DataJob\nmetadata: {name: Bad_Name}\nspec: {image: x, resources: {cpu: lots}}\n',
    );
    const r = await run(['job', 'submit', '--config', config, job], { registry: memoryRegistry().registry });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('metadata.name');
    expect(r.stderr).toContain('spec.resources.cpu');
  });

  it('explain shows where a job would run: the cheaper binding wins', async () => {
    const priced = writeConfig(
      dir,
      'priced.yaml',
      CONFIG.replace('  - name: local\n    type: local\n', '  - name: local\n    type: local\n  - name: local-night\n    type: local\n').replace(
        '      - {cloud: local, physical_id: here}\n',
        '      - {cloud: local, physical_id: here, price: {vcpu_hour: 0.05}}\n      - {cloud: local-night, physical_id: there, price: {vcpu_hour: 0.01}}\n',
      ),
    );
    const r = await run(['job', 'explain', '--config', priced, 'data-cleaning'], { registry: memoryRegistry().registry });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('submit data-cleaning (1 vCPU, 256 MiB) on lc-1 → local-night');
    expect(r.stdout).toMatch(/price=/);
  });

  it('a job reference that is neither a config job nor a file is a usage error (exit 2), with --json too', async () => {
    for (const cmd of ['submit', 'explain']) {
      const r = await run(['job', cmd, '--config', config, 'no-such-job'], { registry: memoryRegistry().registry });
      expect(r.code, cmd).toBe(2);
      expect(r.stderr).toContain('INVALID_ARGUMENT');
    }
  });

  it('job explain exits 1 when no binding qualifies, with --json as without', async () => {
    const job = writeConfig(
      dir,
      'eu-job.yaml',
      'apiVersion: batch.mcp/v1\nkind: DataJob\nmetadata: {name: eu-only}\nspec:\n  image: x\n  tags: {residency: eu}\n',
    );
    const usOnly = writeConfig(
      dir,
      'us-cluster.yaml',
      CONFIG.replace('      - {cloud: local, physical_id: here}\n', '      - {cloud: local, physical_id: here, region: us-east-1}\n'),
    );
    const text = await run(['job', 'explain', '--config', usOnly, job], { registry: memoryRegistry().registry });
    expect(text.code).toBe(1);
    const json = await run(['job', 'explain', '--config', usOnly, job, '--json'], { registry: memoryRegistry().registry });
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { chosen?: string }).chosen).toBeUndefined();
  });

  it('status of an id that is not a job id exits 2; of an unknown job exits 1 (NOT_FOUND)', async () => {
    expect((await run(['job', 'status', '--config', config, 'nonsense'], { registry: memoryRegistry().registry })).code).toBe(2);
    expect((await run(['job', 'status', '--config', config, 'lc-nope/local/x'], { registry: memoryRegistry().registry })).code).toBe(2);
    expect((await run(['job', 'status', '--config', config, 'lc-1/nope/x'], { registry: memoryRegistry().registry })).code).toBe(2);
    const r = await run(['job', 'status', '--config', config, 'lc-1/local/nope'], { registry: memoryRegistry().registry });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NOT_FOUND');
  });
});
