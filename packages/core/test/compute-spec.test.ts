import { describe, expect, it } from 'vitest';
import { deriveIdempotencyKey, IDEMPOTENCY_KEY } from '@polycloud/core/spi';
import { isPolycloudError, parseDataJob } from '@polycloud/core';
import { parseCpu, parseMemoryMiB, parseQuantity } from '../src/compute/quantity.js';
import { parseTimeoutSeconds } from '../src/compute/duration.js';
import { ORIGINAL_DATAJOB_YAML } from './compute-fixtures.js';

function configError(fn: () => unknown): { path: (string | number)[] | undefined; code: string } {
  try {
    fn();
  } catch (e) {
    if (isPolycloudError(e)) return { path: e.path, code: e.code };
    throw e;
  }
  throw new Error('expected an error');
}

describe('Kubernetes quantities', () => {
  it.each([
    ['2', 2],
    [2, 2],
    ['0.5', 0.5],
    [0.5, 0.5],
    ['500m', 0.5],
    ['1500m', 1.5],
    ['1m', 0.001],
    ['.25', 0.25],
    ['3.', 3],
    ['1e0', 1],
    ['1k', 1000],
    ['+4', 4],
  ])('cpu %j → %d vCPU', (q, v) => expect(parseCpu(q)).toBe(v));

  it.each([
    ['4Gi', 4096],
    ['512Mi', 512],
    ['1Ti', 1024 * 1024],
    ['2048Ki', 2],
    ['1.5Gi', 1536],
    ['128974848', 123], // 123.0 MiB exactly
    [128974848, 123],
    ['129e6', 124], // 123.02 MiB, rounded up
    [129e6, 124],
    ['129M', 124],
    ['1G', 954], // 953.67 MiB, rounded up
    ['123Mi', 123],
    ['1', 1], // one byte still needs a whole MiB
    ['0.5Mi', 1],
  ])('memory %j → %d MiB', (q, v) => expect(parseMemoryMiB(q)).toBe(v));

  it.each(['4GB', '4gi', '4 Gi', 'Gi', '1.2.3', '-1', '5Ki2', '1e', '0x10', '', '4iB'])('refuses %j', (q) => {
    expect(() => parseMemoryMiB(q)).toThrow();
  });

  it.each(['-1', '-500m', '0', '0m', '0.0001', '100u', 'abc', '1025'])('refuses cpu %j', (q) => expect(() => parseCpu(q)).toThrow());

  it('is exact where floats are not (0.1 + 0.2 style values)', () => {
    expect(parseCpu('0.3')).toBe(0.3);
    expect(parseQuantity('0.1')).toEqual({ num: 1n, den: 10n });
    expect(parseQuantity('1E')).toEqual({ num: 10n ** 18n, den: 1n }); // E alone is exa, not an exponent
    expect(parseQuantity('1E3')).toEqual({ num: 1000n, den: 1n });
  });
});

describe('timeouts', () => {
  it.each([
    ['3600s', 3600],
    ['90s', 90],
    ['15m', 900],
    ['1h30m', 5400],
    ['2h', 7200],
    ['1h0m5s', 3605],
  ])('%j → %d s', (t, s) => expect(parseTimeoutSeconds(t)).toBe(s));
  it.each([0, -5, 1.5, '10ms', '1500ms', '0s', '1d', 'soon', '', 3600, '3600'])('refuses %j', (t) => expect(() => parseTimeoutSeconds(t as string)).toThrow());
  it('a bare number is refused with a hint to add a unit (it meant seconds here, milliseconds at the top of a config)', () => {
    expect(() => parseTimeoutSeconds(3600)).toThrow('a duration needs a unit: write "3600ms" or "3600s"');
    expect(() => parseDataJob({ apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'j' }, spec: { image: 'x', timeout: 3600 } })).toThrow(
      /spec\.timeout: a duration needs a unit/,
    );
    expect(parseDataJob({ apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'j' }, spec: { image: 'x', timeout: '3600s' } }).timeoutSeconds).toBe(
      3600,
    );
  });
});

describe('parseDataJob', () => {
  it('accepts the original design YAML verbatim', () => {
    const job = parseDataJob(ORIGINAL_DATAJOB_YAML);
    expect(job).toEqual({
      name: 'data-cleaning',
      labels: {},
      cloud: 'CLOUD_A',
      image: 'data-processor:v1',
      env: {},
      cpu: 2,
      memoryMiB: 4096,
      retries: 0,
      tags: {},
    });
  });

  it('accepts the same job as JSON text and as an object', () => {
    const manifest = {
      apiVersion: 'batch.mcp/v1',
      kind: 'DataJob',
      metadata: { name: 'data-cleaning' },
      spec: { cloud: 'CLOUD_A', image: 'data-processor:v1', resources: { cpu: 2, memory: '4Gi' } },
    };
    expect(parseDataJob(JSON.stringify(manifest))).toEqual(parseDataJob(ORIGINAL_DATAJOB_YAML));
    expect(parseDataJob(manifest)).toEqual(parseDataJob(ORIGINAL_DATAJOB_YAML));
  });

  it('reads command, args, env (map or Kubernetes list), timeout, retries and tags', () => {
    const job = parseDataJob(`
apiVersion: batch.mcp/v1
kind: DataJob
metadata: {name: clean, labels: {team: data}}
spec:
  image: data-processor:v1
  command: [node, clean.js]
  args: ["--day", "2026-01-01"]
  env: [{name: LEVEL, value: debug}, {name: BATCH, value: 100}]
  resources: {cpu: 500m, memory: 512Mi}
  timeout: 1h30m
  retries: 2
  tags: {residency: eu, priority: low}
`);
    expect(job).toMatchObject({
      command: ['node', 'clean.js'],
      args: ['--day', '2026-01-01'],
      env: { LEVEL: 'debug', BATCH: '100' },
      cpu: 0.5,
      memoryMiB: 512,
      timeoutSeconds: 5400,
      retries: 2,
      tags: { residency: 'eu', priority: 'low' },
      labels: { team: 'data' },
    });
    expect(
      parseDataJob({
        ...JSON.parse(JSON.stringify({ apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'x' }, spec: { image: 'i', env: { A: 'b' } } })),
      }),
    ).toMatchObject({ env: { A: 'b' }, cpu: 1, memoryMiB: 2048 });
  });

  it.each([
    ['negative cpu', 'cpu: 2', 'cpu: -1', ['spec', 'resources', 'cpu']],
    ['4GB instead of 4Gi', 'memory: 4Gi', 'memory: 4GB', ['spec', 'resources', 'memory']],
  ])('%s → CONFIG_INVALID at the path', (_what, from, to, path) => {
    const yaml = ORIGINAL_DATAJOB_YAML.replace(from as string, to as string);
    expect(configError(() => parseDataJob(yaml))).toEqual({ code: 'CONFIG_INVALID', path });
  });

  it('no image → CONFIG_INVALID at spec.image', () => {
    expect(configError(() => parseDataJob(ORIGINAL_DATAJOB_YAML.replace('  image: data-processor:v1\n', '')))).toEqual({
      code: 'CONFIG_INVALID',
      path: ['spec', 'image'],
    });
  });

  it('an unknown field → CONFIG_INVALID naming it', () => {
    const err = configError(() => parseDataJob(ORIGINAL_DATAJOB_YAML.replace('    memory: 4Gi', '    memory: 4Gi\n    gpu: 1')));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.path?.slice(0, 2)).toEqual(['spec', 'resources']);
    expect(configError(() => parseDataJob(ORIGINAL_DATAJOB_YAML.replace('kind: DataJob', 'kind: Job')))).toEqual({ code: 'CONFIG_INVALID', path: ['kind'] });
    expect(configError(() => parseDataJob('spec: [unclosed')).code).toBe('CONFIG_INVALID');
  });

  it('derives a deterministic, provider-safe idempotency key that ignores spec.cloud', () => {
    const a = parseDataJob(ORIGINAL_DATAJOB_YAML);
    const b = parseDataJob(ORIGINAL_DATAJOB_YAML.replace('cloud: CLOUD_A', 'cloud: CLOUD_B'));
    const c = parseDataJob(ORIGINAL_DATAJOB_YAML.replace('memory: 4Gi', 'memory: 8Gi'));
    expect(deriveIdempotencyKey(a)).toBe(deriveIdempotencyKey(b));
    expect(deriveIdempotencyKey(a)).not.toBe(deriveIdempotencyKey(c));
    expect(deriveIdempotencyKey(a)).toMatch(/^data-cleaning-[0-9a-f]{16}$/);
    const odd = parseDataJob(ORIGINAL_DATAJOB_YAML.replace('name: data-cleaning', `name: 9.${'x'.repeat(100)}`));
    expect(deriveIdempotencyKey(odd)).toMatch(IDEMPOTENCY_KEY);
    expect(deriveIdempotencyKey(odd).length).toBeLessThanOrEqual(63);
    expect(IDEMPOTENCY_KEY.test(`a${'-b'.repeat(31)}`)).toBe(true); // 63 characters
    expect(IDEMPOTENCY_KEY.test(`a${'-b'.repeat(32)}`)).toBe(false); // 65
    expect(['9abc', 'a--b', 'a-', 'A'].some((k) => IDEMPOTENCY_KEY.test(k))).toBe(false);
  });
});

describe('already-parsed DataJobs', () => {
  it('only jobs parseDataJob returned skip validation; a look-alike object is validated', () => {
    const parsed = parseDataJob(ORIGINAL_DATAJOB_YAML);
    expect(parseDataJob(parsed)).toBe(parsed);
    let code: string | undefined;
    try {
      parseDataJob({ ...parsed, cpu: -5 });
    } catch (e) {
      code = isPolycloudError(e) ? e.code : 'not a PolycloudError';
    }
    expect(code).toBe('CONFIG_INVALID');
  });
});

describe('parseDataJob on hostile input (as loadDataJob and the config loader)', () => {
  it('a YAML alias bomb is CONFIG_INVALID, not a raw Error', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(',')}]`,
      ),
    ].join('\n');
    expect(() => parseDataJob(bomb)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('memory that is not a whole number of bytes ("1m" = one milli-byte) is refused, not rounded up to 1 MiB', () => {
    const job = { apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'j' }, spec: { image: 'alpine', resources: { memory: '1m' } } };
    expect(() => parseDataJob(job)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(parseDataJob({ ...job, spec: { ...job.spec, resources: { memory: '1Mi' } } }).memoryMiB).toBe(1);
  });

  it('a __proto__ key in env is refused at its path, not dropped', () => {
    const env = JSON.parse('{"A":"1","__proto__":{"B":"2"}}') as Record<string, string>;
    const job = { apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'j' }, spec: { image: 'alpine', env } };
    try {
      parseDataJob(job);
      expect.unreachable('accepted');
    } catch (e) {
      expect(e).toMatchObject({ code: 'CONFIG_INVALID' });
      expect(JSON.stringify((e as { context: unknown }).context)).toContain('__proto__');
    }
  });
});
