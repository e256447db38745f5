import { describe, expect, it } from 'vitest';
import { createPolycloud, formatPath, isPolycloudError, type PolycloudError } from '@polycloud/core';
import { loadPolycloudConfig } from '@polycloud/core/config';
import { configRegistry, ENV, VALID } from './config-fixtures.js';
import { closest, editDistance } from '../src/config/suggest.js';

function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return text.replace(from, to);
}

function load(text: string, env: Record<string, string> = ENV): PolycloudError {
  try {
    loadPolycloudConfig(text, { registry: configRegistry(), env });
  } catch (e) {
    if (isPolycloudError(e)) return e;
    throw e;
  }
  throw new Error('expected the config to be refused');
}

/** [case, config text, path the problem must be reported at, env] */
const CASES: [string, string, string, Record<string, string>?][] = [
  ['YAML syntax error', 'providers:\n  - name: a\n    type: [memory\n', '(root)'],
  ['duplicate YAML key', 'providers: []\nproviders: []\n', '(root)'],
  ['top level is a list', '- a\n- b\n', '(root)'],
  ['unknown top-level key', `${VALID}\nrouting_weights: {a: 1}\n`, 'routing_weights'],
  ['no providers at all', 'resources: []\n', 'providers'],
  ['providers and storage_providers both', `${VALID}\nproviders: [{name: x, type: memory}]\n`, 'storage_providers'],
  ['providers is not a list', 'providers: {name: a}\n', 'providers'],
  ['provider without name', replaceOnce(VALID, '  - name: cloud_b_obs\n', '  - nom: cloud_b_obs\n'), 'storage_providers[1].name'],
  ['provider name with spaces', replaceOnce(VALID, 'name: cloud_b_obs', 'name: "cloud b"'), 'storage_providers[1].name'],
  ['duplicate provider name', replaceOnce(VALID, 'name: cloud_b_obs', 'name: cloud_a_oss'), 'storage_providers[1].name'],
  ['provider without type', replaceOnce(VALID, '    type: memory\n', ''), 'storage_providers[1].type'],
  ['unknown adapter type', replaceOnce(VALID, 'type: memory', 'type: s4'), 'storage_providers[1].type'],
  ['missing environment variable', VALID, 'storage_providers[0].secret_key', { ENV_CLOUD_A_KEY: 'x-key-1234' }],
  ['malformed ${} reference', replaceOnce(VALID, '${ENV_CLOUD_A_KEY}', '${1BAD}'), 'storage_providers[0].access_key'],
  ['unterminated ${', replaceOnce(VALID, '${ENV_CLOUD_A_KEY}', '"${ENV_CLOUD_A_KEY"'), 'storage_providers[0].access_key'],
  ['adapter option of the wrong type', replaceOnce(VALID, 'force_path_style: true', 'force_path_style: "yes"'), 'storage_providers[0].force_path_style'],
  ['unknown adapter option', replaceOnce(VALID, 'force_path_style: true', 'force_path_style: true\n    path_style: true'), 'storage_providers[0].path_style'],
  ['invalid endpoint URL', replaceOnce(VALID, 'https://oss.cloud-a.example', 'not a url'), 'storage_providers[0].endpoint'],
  [
    'option written twice (snake and camel)',
    replaceOnce(VALID, 'force_path_style: true', 'force_path_style: true\n    forcePathStyle: true'),
    'storage_providers[0].forcePathStyle',
  ],
  ['bad health-check duration', replaceOnce(VALID, 'interval: 30s', 'interval: 30 seconds'), 'storage_providers[0].healthCheck.interval'],
  ['health-check interval too short', replaceOnce(VALID, 'interval: 15s', 'interval: 1ms'), 'storage_providers[1].healthCheck.interval'],
  ['unknown health-check key', replaceOnce(VALID, 'path: /health,', 'method: GET,'), 'storage_providers[0].healthCheck.method'],
  ['bad top-level timeout', replaceOnce(VALID, 'timeout: 30s', 'timeout: soon'), 'timeout'],
  ['bad retry attempts', replaceOnce(VALID, 'max_attempts: 4', 'max_attempts: many'), 'retry.max_attempts'],
  ['resources not a list', replaceOnce(VALID, 'resources:\n  - resource_id: lb-123', 'resources:\n  lb: {}\nx:\n  - resource_id: lb-123'), 'resources'],
  ['unknown resource type', replaceOnce(VALID, 'type: LogicalBucket', 'type: LogicalDisk'), 'resources[0].type'],
  ['duplicate resource ids', replaceOnce(VALID, 'resource_id: lc-1', 'resource_id: lb-123'), 'resources[1].resource_id'],
  ['binding to an unknown provider', replaceOnce(VALID, '{cloud: cloud_b_obs,', '{cloud: cloud_c,'), 'resources[0].providers[1].cloud'],
  [
    'binding with an explicit unknown provider',
    replaceOnce(VALID, '{cloud: cloud_b_obs,', '{cloud: CLOUD_B, provider: nope,'),
    'resources[0].providers[1].provider',
  ],
  ['bucket bound to a compute-only provider', replaceOnce(VALID, '{cloud: cloud_b_obs,', '{cloud: local,'), 'resources[0].providers[1].cloud'],
  ['binding without physical_id', replaceOnce(VALID, 'physical_id: bucket-b, ', ''), 'resources[0].providers[1].physical_id'],
  ['negative routing weight', replaceOnce(VALID, 'weight: 2', 'weight: -1'), 'resources[0].providers[0].weight'],
  ['bad price', replaceOnce(VALID, 'egress_gb: 0.09', 'egress_gb: cheap'), 'resources[0].providers[0].price.egress_gb'],
  ['unknown replication mode', replaceOnce(VALID, 'mode: async', 'mode: eventually'), 'resources[0].replication.mode'],
  ['residency tag naming no zone or region', replaceOnce(VALID, 'tags: {residency: eu}', 'tags: {residency: mars}'), 'resources[0].tags.residency'],
  ['residency zone without regions', replaceOnce(VALID, 'eu: [eu-*, europe-*, westeurope]', 'eu: []'), 'residency.eu'],
  [
    'bad resource health-check duration',
    replaceOnce(VALID, '    replication: {mode: async, conflict: lww}', '    replication: {mode: async, conflict: lww}\n    healthCheck: {interval: fast}'),
    'resources[0].healthCheck.interval',
  ],
  ['bad job memory quantity', replaceOnce(VALID, 'memory: 4Gi', 'memory: 4GB'), 'jobs[0].spec.resources.memory'],
  ['bad job cpu quantity', replaceOnce(VALID, 'cpu: 2', 'cpu: -2'), 'jobs[0].spec.resources.cpu'],
  ['job of the wrong kind', replaceOnce(VALID, 'kind: DataJob', 'kind: Job'), 'jobs[0].kind'],
  ['job without image', replaceOnce(VALID, '      image: data-processor:v1\n', ''), 'jobs[0].spec.image'],
  ['job pinned to an unknown cloud', replaceOnce(VALID, 'cloud: CLOUD_A\n      image', 'cloud: CLOUD_Z\n      image'), 'jobs[0].spec.cloud'],
  ['bucket tagged with residency, a binding without region', replaceOnce(VALID, ', region: europe-west1', ''), 'resources[0].providers[1]'],
  [
    'duplicate job names',
    `${VALID.replace(/\ntimeout:[\s\S]*$/, '')}\n  - apiVersion: batch.mcp/v1\n    kind: DataJob\n    metadata: {name: data-cleaning}\n    spec: {image: x}\n`,
    'jobs[1].metadata.name',
  ],
];

describe('malformed config files: every problem reported with its path (CONFIG_INVALID)', () => {
  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)('%s', (_name, text, path, env) => {
    const error = load(text, env);
    expect(error.code).toBe('CONFIG_INVALID');
    const paths = (error.context.issues ?? []).map((i) => formatPath(i.path));
    expect(paths).toContain(path);
  });
});

describe('error details', () => {
  it('reports every problem at once, across sections', () => {
    let text = replaceOnce(VALID, 'type: memory', 'type: s4');
    text = replaceOnce(text, 'memory: 4Gi', 'memory: 4GB');
    text = replaceOnce(text, 'tags: {residency: eu}', 'tags: {residency: mars}');
    text = replaceOnce(text, 'timeout: 30s', 'timeout: soon');
    const error = load(text, { REGION: 'x' });
    const paths = (error.context.issues ?? []).map((i) => formatPath(i.path));
    expect(paths).toEqual(
      expect.arrayContaining([
        'storage_providers[1].type',
        'jobs[0].spec.resources.memory',
        'resources[0].tags.residency',
        'timeout',
        'storage_providers[0].access_key',
        'storage_providers[0].secret_key',
      ]),
    );
  });

  it('a missing variable names the variable', () => {
    const error = load(VALID, { ENV_CLOUD_A_KEY: 'abcd-1234' });
    const issue = error.context.issues!.find((i) => formatPath(i.path) === 'storage_providers[0].secret_key')!;
    expect(issue.message).toContain('ENV_CLOUD_A_SECRET');
  });

  it('YAML syntax errors carry line and column', () => {
    const error = load('providers:\n  - name: a\n    type: [memory\n');
    const issue = error.context.issues![0] as { line?: number; column?: number; message: string };
    expect(issue.line).toBeGreaterThanOrEqual(3);
    expect(issue.message).toMatch(/line \d+, column \d+/);
  });

  it('issues found in a text config carry the line of the offending node', () => {
    const error = load(replaceOnce(VALID, 'type: memory', 'type: s4'));
    const issue = error.context.issues!.find((i) => formatPath(i.path) === 'storage_providers[1].type') as { line?: number };
    const expected = VALID.split('\n').findIndex((l) => l.includes('type: memory')) + 1;
    expect(issue.line).toBe(expected);
  });

  it('a config file that does not exist is NOT_FOUND', () => {
    expect(() => loadPolycloudConfig('/nonexistent/polycloud.yaml', { registry: configRegistry() })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});

/** Every issue as `path: message`. */
function messages(error: PolycloudError): string[] {
  return (error.context.issues ?? []).map((i) => `${formatPath(i.path)}: ${i.message}`);
}

describe('one pass: schema problems and cross-field problems together', () => {
  it('a resource with a schema error still has its residency tag checked', () => {
    const error = load(replaceOnce(replaceOnce(VALID, 'weight: 2', 'weight: -2'), 'tags: {residency: eu}', 'tags: {residency: mars}'));
    const paths = error.context.issues!.map((i) => formatPath(i.path));
    expect(paths).toEqual(expect.arrayContaining(['resources[0].providers[0].weight', 'resources[0].tags.residency']));
  });

  it('a resource with a schema error still has its bindings checked against the providers', () => {
    const error = load(replaceOnce(replaceOnce(VALID, 'weight: 2', 'weight: -2'), '{cloud: cloud_b_obs,', '{cloud: cloud_b_ob,'));
    expect(messages(error)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^resources\[0\]\.providers\[0\]\.weight/),
        'resources[0].providers[1].cloud: no provider named "cloud_b_ob" (did you mean "cloud_b_obs"?) (configured: cloud_a_oss, cloud_b_obs, local)',
      ]),
    );
  });

  it('a job with a schema error still has spec.cloud checked', () => {
    const error = load(replaceOnce(replaceOnce(VALID, 'memory: 4Gi', 'memory: 4GB'), 'cloud: CLOUD_A\n      image', 'cloud: CLOUD_Z\n      image'));
    const paths = error.context.issues!.map((i) => formatPath(i.path));
    expect(paths).toEqual(expect.arrayContaining(['jobs[0].spec.resources.memory', 'jobs[0].spec.cloud']));
  });

  it('a top-level schema error and a residency error are reported together', () => {
    const error = load(replaceOnce(replaceOnce(VALID, 'max_attempts: 4', 'max_attempts: 4, retyr: 1'), 'tags: {residency: eu}', 'tags: {residency: mars}'));
    expect(messages(error)).toEqual(
      expect.arrayContaining(['retry.retyr: unknown key "retyr"', expect.stringMatching(/^resources\[0\]\.tags\.residency: residency "mars"/)]),
    );
  });

  it('a residency zone with a problem is still a zone: tags naming it are not reported as well', () => {
    const error = load(replaceOnce(VALID, 'eu: [eu-*, europe-*, westeurope]', 'eu: []'));
    expect(messages(error)).toEqual(['residency.eu: a residency zone needs at least one region']);
  });

  it('an unset ${VAR} is reported once, not again by the option it leaves empty', () => {
    const error = load(VALID, { ENV_CLOUD_A_KEY: 'x-key-1234' });
    expect(messages(error)).toEqual(['storage_providers[0].secret_key: environment variable ENV_CLOUD_A_SECRET is not set']);
  });

  it('an unknown adapter type is reported once: bindings to that provider are not "no provider named …"', () => {
    const text = `
providers:
  - {name: CLOUD_A, type: s4}
  - {name: CLOUD_B, type: memory}
resources:
  - {resource_id: lb, type: LogicalBucket, replication: {mode: none}, providers: [{cloud: CLOUD_A, physical_id: b}, {cloud: CLOUD_B, physical_id: c}]}
`;
    expect(messages(load(text))).toEqual(['providers[0].type: unknown adapter type "s4" (registered: acme-s3, local, memory)']);
    // The same through createPolycloud (options given in code).
    try {
      createPolycloud({
        registry: configRegistry(),
        providers: [
          { name: 'CLOUD_A', type: 's4' },
          { name: 'CLOUD_B', type: 'memory' },
        ],
        resources: [
          {
            resource_id: 'lb',
            type: 'LogicalBucket',
            replication: { mode: 'none' },
            providers: [
              { cloud: 'CLOUD_A', physical_id: 'b' },
              { cloud: 'CLOUD_B', physical_id: 'c' },
            ],
          },
        ],
      });
      expect.unreachable();
    } catch (e) {
      expect(messages(e as PolycloudError)).toEqual([expect.stringMatching(/^providers\[0\]\.type: unknown adapter type "s4" \(registered: /)]);
    }
  });
});

describe('did you mean', () => {
  it.each([
    ['an unknown top-level key', `${VALID}retyr: {}\n`, 'retyr: unknown key "retyr" (did you mean "retry"?)'],
    [
      'an unknown key in a section',
      replaceOnce(VALID, 'max_attempts: 4', 'max_atempts: 4'),
      'retry.max_atempts: unknown key "max_atempts" (did you mean "max_attempts"?)',
    ],
    [
      'an unknown resource key',
      replaceOnce(VALID, 'replication: {mode: async', 'replicaton: {mode: async'),
      'resources[0].replicaton: unknown key "replicaton" (did you mean "replication"?)',
    ],
    [
      'an unknown binding key',
      replaceOnce(VALID, 'physical_id: bucket-b', 'physcial_id: bucket-b'),
      'resources[0].providers[1].physcial_id: unknown key "physcial_id" (did you mean "physical_id"?)',
    ],
    [
      'an unknown health-check key',
      replaceOnce(VALID, 'path: /health,', 'intervall: 1s,'),
      'storage_providers[0].healthCheck.intervall: unknown key "intervall" (did you mean "interval"?)',
    ],
    [
      'an unknown DataJob key',
      replaceOnce(VALID, 'image: data-processor:v1', 'imag: data-processor:v1'),
      'jobs[0].spec.imag: unknown key "imag" (did you mean "image"?)',
    ],
    [
      'an enum value',
      replaceOnce(VALID, 'mode: async', 'mode: asynch'),
      'resources[0].replication.mode: Invalid option: expected one of "async"|"sync"|"none" (did you mean "async"?)',
    ],
    [
      'an adapter option, in the style written',
      replaceOnce(VALID, 'access_key:', 'acess_key:'),
      'storage_providers[0].acess_key: unknown option "acess_key" for adapter type "acme-s3" (did you mean "access_key"?)',
    ],
    [
      'an adapter type',
      replaceOnce(VALID, 'type: memory', 'type: memroy'),
      'storage_providers[1].type: unknown adapter type "memroy" (did you mean "memory"?) (registered: acme-s3, local, memory)',
    ],
    [
      'a job pinned to a misspelt cloud',
      replaceOnce(VALID, 'cloud: CLOUD_A\n      image', 'cloud: CLOUD_a\n      image'),
      'jobs[0].spec.cloud: no LogicalCluster binding with id or cloud "CLOUD_a" (did you mean "CLOUD_A"?) (known: CLOUD_A, local)',
    ],
  ])('%s', (_name, text, expected) => {
    expect(messages(load(text))).toContain(expected);
  });

  it('a misspelt required adapter option is reported once, at the misspelling', () => {
    expect(messages(load(replaceOnce(VALID, 'access_key:', 'acess_key:')))).toEqual([
      'storage_providers[0].acess_key: unknown option "acess_key" for adapter type "acme-s3" (did you mean "access_key"?)',
    ]);
  });

  it('suggests nothing for a word far from every allowed one', () => {
    expect(messages(load(`${VALID}zzz: 1\n`))).toContain('zzz: unknown key "zzz"');
  });
});

describe('closest', () => {
  it('allows transpositions and ignores case and separators; short words get one edit', () => {
    expect(editDistance('retyr', 'retry')).toBe(1);
    expect(closest('maxAttempts', ['max_attempts', 'max_delay'])).toBe('max_attempts');
    expect(closest('s4', ['s3', 'gcs'])).toBe('s3');
    expect(closest('abc', ['xyz'])).toBeUndefined();
    expect(closest('tiemout', ['timeout', 'retry'])).toBe('timeout');
  });
});
