import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ErrorIssue } from '@polycloud/core';
import { createPolycloudFromConfig, loadPolycloudConfig } from '@polycloud/core/config';
import { interpolate } from '../src/config/interpolate.js';
import { parseDurationMs } from '../src/config/duration.js';
import { createSync } from '@polycloud/sync';
import { configRegistry, ENV, SECRET_A, SECRET_B, VALID } from './config-fixtures.js';

describe('loadPolycloudConfig', () => {
  const config = loadPolycloudConfig(VALID, { registry: configRegistry(), env: ENV });

  it('maps storage_providers, interpolates ${VAR} and renames snake_case options to camelCase', () => {
    const a = config.options.providers[0] as Record<string, unknown>;
    expect(a).toMatchObject({ name: 'cloud_a_oss', type: 'acme-s3', accessKey: SECRET_A, secretKey: SECRET_B, forcePathStyle: true });
    expect(a).not.toHaveProperty('access_key');
    expect(a).not.toHaveProperty('healthCheck');
    expect(config.options.providers.map((p) => p.name)).toEqual(['cloud_a_oss', 'cloud_b_obs', 'local']);
  });

  it("maps providers' healthCheck intervals onto the resources bound to them (shortest wins)", () => {
    const lb = (config.options.resources as { resource_id: string; routing: { health_check?: unknown } }[]).find((r) => r.resource_id === 'lb-123')!;
    expect(lb.routing.health_check).toEqual({ interval_ms: 15_000, timeout_ms: 250 });
  });

  it('maps durations, retry and residency', () => {
    expect(config.options.timeoutMs).toBe(30_000);
    expect(config.options.retry).toEqual({ maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 2000 });
    expect(config.options.residency).toEqual({ eu: ['eu-*', 'europe-*', 'westeurope'] });
  });

  it('parses DataJobs with core’s parser', () => {
    expect(config.jobs['data-cleaning']).toMatchObject({ name: 'data-cleaning', cloud: 'CLOUD_A', cpu: 2, memoryMiB: 4096 });
  });

  it('accepts jobs as a map whose keys name the jobs, and a resource-level health check under routing', () => {
    const text = `
providers: [{name: m, type: memory}, {name: local, type: local}]
resources:
  - resource_id: lb
    type: LogicalBucket
    routing: {strategy: primary, healthCheck: {interval: 1m30s, timeout: 2s}}
    providers: [{cloud: m, physical_id: b}]
jobs:
  nightly-report:
    apiVersion: batch.mcp/v1
    kind: DataJob
    spec: {image: report:v2, resources: {memory: 512Mi}}
`;
    const c = loadPolycloudConfig(text, { registry: configRegistry(), env: {} });
    expect(c.jobs['nightly-report']!.memoryMiB).toBe(512);
    expect((c.options.resources![0] as { routing: unknown }).routing).toEqual({ strategy: 'primary', health_check: { interval_ms: 90_000, timeout_ms: 2000 } });
  });

  it('reads JSON text, objects and files alike', () => {
    const object = {
      providers: [{ name: 'm', type: 'memory', buckets: ['b'] }],
      resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'm', physical_id: 'b' }] }],
    };
    const fromObject = loadPolycloudConfig(object, { registry: configRegistry() });
    const fromJson = loadPolycloudConfig(JSON.stringify(object), { registry: configRegistry() });
    const dir = mkdtempSync(join(tmpdir(), 'polycloud-config-'));
    writeFileSync(join(dir, 'polycloud.json'), JSON.stringify(object));
    const fromFile = loadPolycloudConfig('polycloud.json', { registry: configRegistry(), cwd: dir });
    expect(fromJson.options.providers).toEqual(fromObject.options.providers);
    expect(fromFile.options.providers).toEqual(fromObject.options.providers);
    expect(fromFile.file).toBe(join(dir, 'polycloud.json'));
  });

  it('creates a working instance, a user-defined adapter type included', async () => {
    const polycloud = createPolycloudFromConfig(VALID, { registry: configRegistry(), env: ENV, sync: createSync() });
    try {
      const put = await polycloud.bucket('lb-123').put('hello.txt', 'hi', { tags: { residency: 'eu' } });
      expect(put.binding).toBe('cloud_a_oss');
      const obj = await polycloud.bucket('lb-123').get('hello.txt', { binding: 'cloud_a_oss' });
      expect(await obj.text()).toBe('hi');
      expect(polycloud.storageAdapter('cloud_a_oss').type).toBe('memory');
    } finally {
      await polycloud.close();
    }
  });
});

describe('sync placement in the config file (replication.state_binding / journal_placement / state_buckets)', () => {
  const text = (replication: string) => `
providers:
  - {name: a, type: memory, buckets: [data-a]}
  - {name: b, type: memory, buckets: [data-b, sync-b]}
resources:
  - resource_id: lb
    type: LogicalBucket
    providers: [{cloud: a, physical_id: data-a}, {cloud: b, physical_id: data-b, role: standby}]
    replication: ${replication}
`;

  it('reaches the sync plugin: every change record goes to the state binding (in its state bucket)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'polycloud-sync-')), 'polycloud.yaml');
    writeFileSync(file, text('{mode: async, state_binding: b, journal_placement: state, state_buckets: {b: sync-b}}'));
    const polycloud = createPolycloudFromConfig(file, { registry: configRegistry(), sync: createSync({ autoStart: false }) });
    try {
      const put = await polycloud.bucket('lb').put('k', 'v');
      expect(put.binding).toBe('a');
      const keys = async (provider: string, bucket: string) =>
        (await polycloud.storageAdapter(provider).list(bucket, { prefix: '_polycloud/' })).objects.map((o) => o.key);
      expect((await keys('b', 'sync-b')).some((k) => k.includes('journal'))).toBe(true);
      expect(await keys('a', 'data-a')).toEqual([]);
      expect(await keys('b', 'data-b')).toEqual([]);
    } finally {
      await polycloud.close();
    }
  });

  it('is validated with the rest of the file, with did-you-mean', () => {
    const issues = (replication: string) => {
      try {
        loadPolycloudConfig(text(replication), { registry: configRegistry() });
      } catch (e) {
        return (e as { context: { issues: ErrorIssue[] } }).context.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      }
      throw new Error('accepted');
    };
    expect(issues('{state_binding: c}')).toEqual(['resources.0.replication.state_binding: no binding with id "c"']);
    expect(issues('{journal_placement: state}')).toEqual([
      'resources.0.replication.journal_placement: journal_placement "state" needs state_binding (the binding whose journal takes every record)',
    ]);
    expect(issues('{journal_placement: sate, state_binding: b}')).toEqual([
      expect.stringMatching(/^resources\.0\.replication\.journal_placement: .*\(did you mean "state"\?\)$/),
    ]);
    expect(issues('{state_bucket: {b: x}}')).toEqual(['resources.0.replication.state_bucket: unknown key "state_bucket" (did you mean "state_buckets"?)']);
    expect(issues('{state_buckets: {bb: x}}')).toEqual(['resources.0.replication.state_buckets.bb: no binding with id "bb" (did you mean "b"?)']);
  });
});

describe('interpolation', () => {
  const run = (value: unknown, env: Record<string, string>) => {
    const issues: ErrorIssue[] = [];
    const out = interpolate(value, env, issues);
    return { ...out, issues };
  };

  it('supports ${VAR}, ${VAR:-default}, ${VAR-default} and $${ as a literal', () => {
    const r = run({ a: '${A}', b: 'x-${B:-fallback}-y', c: '${C-unset}', d: '${E:-}', e: '$${A}', f: ['${A}'], g: 3 }, { A: 'alpha', E: '' });
    expect(r.value).toEqual({ a: 'alpha', b: 'x-fallback-y', c: 'unset', d: '', e: '${A}', f: ['alpha'], g: 3 });
    expect(r.used).toEqual(['alpha', 'alpha']);
    expect(r.issues).toEqual([]);
  });

  it('`:-` also replaces an empty value, `-` only an unset one', () => {
    expect(run({ a: '${X:-d}', b: '${X-d}' }, { X: '' }).value).toEqual({ a: 'd', b: '' });
  });

  it('reports each missing variable with its path', () => {
    const r = run({ p: [{ k: '${K1}' }, { k: '${K2}' }] }, {});
    expect(r.issues.map((i) => i.path)).toEqual([
      ['p', 0, 'k'],
      ['p', 1, 'k'],
    ]);
    expect(r.issues[1]!.message).toContain('K2');
  });
});

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['2h', 7_200_000],
    ['0.5ms', 1],
    ['1h0m5s', 3_605_000],
  ] as const)('%s → %d ms', (input, ms) => {
    expect(parseDurationMs(input)).toBe(ms);
  });

  it.each(['5 s', '5sec', 's', '30s1m', '', '-1s', true, 750, '1000', -1])('refuses %s', (input) => {
    expect(() => parseDurationMs(input)).toThrow();
  });

  it('one grammar: a bare number is refused in the config and in a DataJob alike, with a hint to add a unit', () => {
    const refused = (text: string) => {
      try {
        loadPolycloudConfig(text, { registry: configRegistry(), env: ENV });
      } catch (e) {
        return (e as { context: { issues: ErrorIssue[] } }).context.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      }
      throw new Error('accepted');
    };
    const issues = refused(VALID.replace('timeout: 30s', 'timeout: 250').replace('image: data-processor:v1', 'image: data-processor:v1\n      timeout: 250'));
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^timeout: a duration needs a unit: write "250ms" or "250s"/),
        expect.stringMatching(/^jobs\.0\.spec\.timeout: a duration needs a unit: write "250ms" or "250s"/),
      ]),
    );
  });
});
