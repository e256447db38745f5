import { accept, type ConfigCase, invalid } from './types.js';

const P = 'providers:\n  - {name: a, type: memory, buckets: [b]}\n';
const R = 'resources:\n  - {resource_id: lb, type: LogicalBucket, providers: [{cloud: a, physical_id: b}]}\n';
const BASE = P + R;
/** BASE with one resource line replaced. */
const withBinding = (binding: string) => `${P}resources:\n  - {resource_id: lb, type: LogicalBucket, providers: [${binding}]}\n`;
const withResource = (resource: string) => `${P}resources:\n  - ${resource}\n`;
const JOB = (spec: string) => `${BASE}jobs:\n  - apiVersion: batch.mcp/v1\n    kind: DataJob\n    metadata: {name: j}\n    spec: {image: x, ${spec}}\n`;

const deepJson = (n: number) => `{"providers":[{"name":"a","type":"memory"}],"router":{"x":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}}`;
const deepBlock = (levels: number) => {
  let t = `${BASE}router:\n  x:\n`;
  for (let i = 0; i < levels; i++) t += `${'  '.repeat(i + 2)}a:\n`;
  return `${t}${'  '.repeat(levels + 2)}1\n`;
};
const laughs = () => {
  let t = `${BASE}l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n`;
  for (let i = 1; i < 10; i++)
    t += `l${i}: &l${i} [${Array(9)
      .fill(`*l${i - 1}`)
      .join(', ')}]\n`;
  return t;
};
const mergeBomb = () => {
  let t = `${BASE}m0: &m0 {a: 1}\n`;
  for (let i = 1; i < 25; i++) t += `m${i}: &m${i}\n  <<: [*m${i - 1}, *m${i - 1}]\n  k${i}: 1\n`;
  return t;
};

/** Config files and objects (loadPolycloudConfig; `polycloud validate` for text). */
export const configCases: ConfigCase[] = [
  // — valid baselines —
  { kind: 'config', name: 'a minimal valid file', text: BASE, expect: accept },
  {
    kind: 'config',
    name: 'the same as JSON',
    text: JSON.stringify({
      providers: [{ name: 'a', type: 'memory', buckets: ['b'] }],
      resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'a', physical_id: 'b' }] }],
    }),
    expect: accept,
  },
  { kind: 'config', name: 'CRLF line endings', text: BASE.replace(/\n/g, '\r\n'), expect: accept },
  { kind: 'config', name: 'a byte-order mark', text: `\ufeff${BASE}`, expect: accept },
  {
    kind: 'config',
    name: 'a few aliases (within the limit)',
    text: `${P.replace('buckets: [b]', 'buckets: &bk [b]')}${R}residency: {eu: *bk}\n`,
    expect: accept,
  },
  { kind: 'config', name: 'a merge key used once', text: `${BASE}retry: &r {max_attempts: 3}\ntimeout: 5s\n`, expect: accept },
  {
    kind: 'config',
    name: 'nesting within the limit (router, 40 levels: only the router key is unknown)',
    text: deepBlock(40),
    expect: invalid(['router', 'x']),
  },
  { kind: 'config', name: 'a valid router section', text: `${BASE}router:\n  caller: {region: eu-west-1}\n  role_weights: {primary: 2}\n`, expect: accept },
  { kind: 'config', name: 'a physical_id with dots that are not segments', text: withBinding('{cloud: a, physical_id: "bucket..x/a.b"}'), expect: accept },
  { kind: 'config', name: 'a memory quantity of whole bytes in milli units (1000m = 1 byte)', text: JOB('resources: {memory: 1000m}'), expect: accept },
  {
    kind: 'config',
    name: 'an image with shell metacharacters is a plain string',
    text: JOB('image: "alpine; touch /tmp/pwned #"').replace('image: x, ', ''),
    expect: accept,
  },
  {
    kind: 'config',
    name: 'an unresolved YAML tag on free text stays text',
    text: P.replace('buckets: [b]}', 'buckets: [b], description: !!js/function "function () {}"}') + R,
    expect: accept,
  },
  {
    kind: 'config',
    name: 'symbol keys in an object are not config',
    object: () => ({ [Symbol('x')]: 1, providers: [{ name: 'a', type: 'memory' }] }),
    expect: accept,
  },
  {
    kind: 'config',
    name: 'a getter that answers is read once',
    object: () => ({
      get providers() {
        return [{ name: 'a', type: 'memory' }];
      },
    }),
    expect: accept,
  },

  // — size and shape limits —
  { kind: 'config', name: 'JSON nested 1000 deep under router (aborted Node on a second load)', text: deepJson(1000), expect: invalid([]) },
  { kind: 'config', name: 'JSON nested 100000 deep', text: deepJson(100_000), expect: invalid([]) },
  { kind: 'config', name: 'YAML flow nesting 70 deep', text: `${BASE}router: ${'['.repeat(70)}${']'.repeat(70)}\n`, expect: invalid([]) },
  { kind: 'config', name: 'YAML block nesting 1000 deep (indentation)', text: deepBlock(1000), expect: invalid([]) },
  { kind: 'config', name: 'compact sequences 5000 deep (- - - …)', text: `${BASE}router:\n  x:\n    ${'- '.repeat(5000)}1\n`, expect: invalid([]) },
  {
    kind: 'config',
    name: 'block nesting 70 deep (within the indent bound, over the depth limit)',
    text: deepBlock(70),
    expect: invalid(['router', 'x', ...Array<string>(62).fill('a')]),
  },
  { kind: 'config', name: 'billion laughs (9 × 9 aliases, 10 levels)', text: laughs(), expect: invalid([]) },
  { kind: 'config', name: '24-level << merge bomb', text: mergeBomb(), expect: invalid([]) },
  { kind: 'config', name: 'a 5 MiB file (over the 4 MiB limit)', text: `${BASE}# ${'x'.repeat(5 * 1024 * 1024)}\n`, expect: invalid([]) },
  {
    kind: 'config',
    name: 'a 70 000-character string',
    text: P.replace('buckets: [b]}', `buckets: [b], description: "${'d'.repeat(70_000)}"}`) + R,
    expect: invalid(['providers', 0, 'description']),
  },
  {
    kind: 'config',
    name: 'a 70 000-character key',
    text: withResource(`{resource_id: lb, type: LogicalBucket, tags: {${'k'.repeat(70_000)}: v}, providers: [{cloud: a, physical_id: b}]}`),
    expect: invalid(['resources', 0, 'tags']),
  },
  {
    kind: 'config',
    name: '100 001 list entries',
    text: `${BASE}residency:\n  eu: [${Array(100_001).fill('r').join(',')}]\n`,
    expect: invalid(['residency', 'eu']),
  },

  { kind: 'config', name: 'an alias to an anchor never set (found by the fuzz test)', text: `${BASE}<<: *a\n`, expect: invalid([]) },
  { kind: 'config', name: 'a merge of a scalar (found by the fuzz test)', text: `${BASE}s: &s 1\nm:\n  <<: *s\n`, expect: invalid([]) },
  { kind: 'config', name: 'a map key that is a list (would be stringified)', text: `${BASE}residency: {[eu]: [eu-west-1]}\n`, expect: invalid([]) },
  { kind: 'config', name: 'a map key that is binary', text: `${BASE}residency: {!!binary ZXU=: [eu-west-1]}\n`, expect: invalid([]) },

  // — __proto__ and other prototype names —
  {
    kind: 'config',
    name: '__proto__ in S3 provider options (YAML)',
    text: 'providers:\n  - name: a\n    type: s3\n    __proto__: {endpoint: "http://127.0.0.1:9/evil"}\n',
    expect: invalid(['providers', 0, '__proto__']),
  },
  {
    kind: 'config',
    name: '__proto__ in provider options (JSON)',
    text: '{"providers":[{"name":"a","type":"s3","__proto__":{"endpoint":"http://127.0.0.1:9/evil"}}]}',
    expect: invalid(['providers', 0, '__proto__']),
  },
  { kind: 'config', name: '__proto__ at the top', text: `${BASE}__proto__: {timeout: 1}\n`, expect: invalid(['__proto__']) },
  {
    kind: 'config',
    name: '__proto__ in resource tags',
    text: withResource('{resource_id: lb, type: LogicalBucket, tags: {__proto__: eu}, providers: [{cloud: a, physical_id: b}]}'),
    expect: invalid(['resources', 0, 'tags', '__proto__']),
  },
  {
    kind: 'config',
    name: '__proto__ in binding tags',
    text: withBinding('{cloud: a, physical_id: b, tags: {__proto__: {quota: 1Ki}}}'),
    expect: invalid(['resources', 0, 'providers', 0, 'tags', '__proto__']),
  },
  { kind: 'config', name: '__proto__ in DataJob env', text: JOB('env: {__proto__: {PATH: /evil}}'), expect: invalid(['jobs', 0, 'spec', 'env', '__proto__']) },
  {
    kind: 'config',
    name: '__proto__ as a job name key',
    text: `${BASE}jobs:\n  __proto__: {apiVersion: batch.mcp/v1, kind: DataJob, spec: {image: x}}\n`,
    expect: invalid(['jobs', '__proto__']),
  },
  {
    kind: 'config',
    name: '__proto__ in the router section',
    text: `${BASE}router:\n  __proto__: {caller: {region: x}}\n`,
    expect: invalid(['router', '__proto__']),
  },
  { kind: 'config', name: '__proto__ in residency', text: `${BASE}residency:\n  __proto__: [eu-west-1]\n`, expect: invalid(['residency', '__proto__']) },
  { kind: 'config', name: 'constructor at the top is an unknown key', text: `${BASE}constructor: 1\n`, expect: invalid(['constructor']) },
  { kind: 'config', name: 'adapter type __proto__', text: 'providers:\n  - {name: a, type: __proto__}\n', expect: invalid(['providers', 0, 'type']) },
  { kind: 'config', name: 'adapter type constructor', text: 'providers:\n  - {name: a, type: constructor}\n', expect: invalid(['providers', 0, 'type']) },
  { kind: 'config', name: 'adapter type toString', text: 'providers:\n  - {name: a, type: toString}\n', expect: invalid(['providers', 0, 'type']) },
  {
    kind: 'config',
    name: 'residency tag "constructor" with no zones',
    text: withResource('{resource_id: lb, type: LogicalBucket, tags: {residency: constructor}, providers: [{cloud: a, physical_id: b}]}'),
    expect: invalid(['resources', 0, 'tags', 'residency']),
  },
  {
    kind: 'config',
    name: 'residency tag "toString" with no zones',
    text: withResource('{resource_id: lb, type: LogicalBucket, tags: {residency: toString}, providers: [{cloud: a, physical_id: b}]}'),
    expect: invalid(['resources', 0, 'tags', 'residency']),
  },
  {
    kind: 'config',
    name: 'residency tag naming no zone',
    text: withResource('{resource_id: lb, type: LogicalBucket, tags: {residency: mars}, providers: [{cloud: a, physical_id: b}]}'),
    expect: invalid(['resources', 0, 'tags', 'residency']),
  },
  {
    kind: 'config',
    name: 'residency tag naming a zone',
    text: `${withResource('{resource_id: lb, type: LogicalBucket, tags: {residency: eu}, providers: [{cloud: a, physical_id: b, region: eu-west-1}]}')}residency: {eu: [eu-*]}\n`,
    expect: accept,
  },

  // — planted secrets (no output may show them) —
  {
    kind: 'config',
    name: 'a secret_key next to an invalid region',
    text: 'providers:\n  - {name: a, type: s3, access_key: AKIAPLANTED, secret_key: sk_live_secret_value_1, region: ""}\n',
    expect: invalid(['providers', 0, 'region']),
  },
  {
    kind: 'config',
    name: 'a secret_key quoted back by an invalid endpoint',
    text: 'providers:\n  - {name: a, type: s3, secret_key: sk_live_secret_value_2, endpoint: sk_live_secret_value_2}\n',
    expect: invalid(['providers', 0, 'endpoint']),
  },
  {
    kind: 'config',
    name: 'a secret under __proto__',
    text: 'providers:\n  - {name: a, type: s3, __proto__: {secret_key: sk_live_secret_value_3}}\n',
    expect: invalid(['providers', 0, '__proto__']),
  },

  // — router section —
  {
    kind: 'config',
    name: 'router: an unknown key, nested',
    text: `${BASE}router:\n  caller: {region: eu-west-1, zone: a}\n`,
    expect: invalid(['router', 'caller', 'zone']),
  },
  {
    kind: 'config',
    name: 'router: a snake_case key with a bad value (path as written)',
    text: `${BASE}router:\n  role_weights: {primary: -1}\n`,
    expect: invalid(['router', 'role_weights', 'primary']),
  },
  { kind: 'config', name: 'router: a list', text: `${BASE}router: [1, 2]\n`, expect: invalid(['router']) },
  { kind: 'config', name: 'router: a string', text: `${BASE}router: fast\n`, expect: invalid(['router']) },

  // — physical ids —
  {
    kind: 'config',
    name: 'physical_id bucket-x/../other',
    text: withBinding('{cloud: a, physical_id: bucket-x/../other}'),
    expect: invalid(['resources', 0, 'providers', 0, 'physical_id']),
  },
  {
    kind: 'config',
    name: 'physical_id ..',
    text: withBinding('{cloud: a, physical_id: ".."}'),
    expect: invalid(['resources', 0, 'providers', 0, 'physical_id']),
  },
  {
    kind: 'config',
    name: 'physical_id a/./b',
    text: withBinding('{cloud: a, physical_id: a/./b}'),
    expect: invalid(['resources', 0, 'providers', 0, 'physical_id']),
  },
  {
    kind: 'config',
    name: 'physical_id with a backslash segment ..',
    text: withBinding('{cloud: a, physical_id: "a\\\\..\\\\b"}'),
    expect: invalid(['resources', 0, 'providers', 0, 'physical_id']),
  },
  {
    kind: 'config',
    name: 'physical_id empty',
    text: withBinding('{cloud: a, physical_id: ""}'),
    expect: invalid(['resources', 0, 'providers', 0, 'physical_id']),
  },

  // — DataJob memory quantities —
  {
    kind: 'config',
    name: 'memory "1m" (one milli-byte) is not rounded up to 1 MiB',
    text: JOB('resources: {memory: 1m}'),
    expect: invalid(['jobs', 0, 'spec', 'resources', 'memory']),
  },
  { kind: 'config', name: 'memory 0.5 (half a byte)', text: JOB('resources: {memory: 0.5}'), expect: invalid(['jobs', 0, 'spec', 'resources', 'memory']) },
  { kind: 'config', name: 'memory 1e-3', text: JOB('resources: {memory: "1e-3"}'), expect: invalid(['jobs', 0, 'spec', 'resources', 'memory']) },
  { kind: 'config', name: 'memory 4GB (not a quantity)', text: JOB('resources: {memory: 4GB}'), expect: invalid(['jobs', 0, 'spec', 'resources', 'memory']) },

  // — syntax and types —
  { kind: 'config', name: 'a YAML syntax error', text: `${BASE}timeout: [1,\n`, expect: invalid([]) },
  { kind: 'config', name: 'duplicate keys', text: `${BASE}timeout: 1s\ntimeout: 2s\n`, expect: invalid([]) },
  { kind: 'config', name: 'tab indentation', text: 'providers:\n\t- {name: a, type: memory}\n', expect: invalid([]) },
  {
    kind: 'config',
    name: 'a NUL byte in a resource id',
    text: withResource('{resource_id: lb\u0000x, type: LogicalBucket, providers: [{cloud: a, physical_id: b}]}'),
    expect: invalid(['resources', 0, 'resource_id']),
  },
  { kind: 'config', name: 'timeout 0', text: `${BASE}timeout: 0\n`, expect: invalid(['timeout']) },
  { kind: 'config', name: 'retry base_delay of a year', text: `${BASE}retry: {base_delay: 8760h}\n`, expect: invalid(['retry', 'base_delay']) },
  { kind: 'config', name: 'an empty file', text: '', expect: invalid([]) },
  { kind: 'config', name: 'a number', text: '42', expect: invalid([]) },
  { kind: 'config', name: 'a list', text: '[1, 2]', expect: invalid([]) },
  { kind: 'config', name: 'providers is a map', text: 'providers: {a: 1}\n', expect: invalid(['providers']) },
  { kind: 'config', name: 'a provider that is null', text: 'providers:\n  - null\n', expect: invalid(['providers', 0]) },
  { kind: 'config', name: 'a provider name with a path', text: 'providers:\n  - {name: ../etc, type: memory}\n', expect: invalid(['providers', 0, 'name']) },
  {
    kind: 'config',
    name: 'an S3 endpoint file:///etc/passwd',
    text: 'providers:\n  - {name: a, type: s3, endpoint: "file:///etc/passwd"}\n',
    expect: invalid(['providers', 0, 'endpoint']),
  },
  {
    kind: 'config',
    name: 'a binary-tagged region',
    text: 'providers:\n  - {name: a, type: s3, region: !!binary aGVsbG8=}\n',
    expect: invalid(['providers', 0, 'region']),
  },
  {
    kind: 'config',
    name: 'an unset variable',
    text: 'providers:\n  - {name: a, type: s3, endpoint: "${NOPE_NOT_SET}"}\n',
    expect: invalid(['providers', 0, 'endpoint']),
  },
  { kind: 'config', name: 'an unterminated ${', text: 'providers:\n  - {name: a, type: s3, region: "${NOPE"}\n', expect: invalid(['providers', 0, 'region']) },
  {
    kind: 'config',
    name: 'a variable reference with an expression',
    text: 'providers:\n  - {name: a, type: s3, region: "${$(curl 127.0.0.1)}"}\n',
    expect: invalid(['providers', 0, 'region']),
  },
  { kind: 'config', name: 'timeout 1e309', text: `${BASE}timeout: 1e309\n`, expect: invalid(['timeout']) },
  { kind: 'config', name: 'timeout -1', text: `${BASE}timeout: -1\n`, expect: invalid(['timeout']) },
  { kind: 'config', name: 'timeout of a thousand years', text: `${BASE}timeout: 9000000h\n`, expect: invalid(['timeout']) },
  { kind: 'config', name: 'retry max_attempts 1e6', text: `${BASE}retry: {max_attempts: 1000000}\n`, expect: invalid(['retry', 'max_attempts']) },
  { kind: 'config', name: 'concurrency 0x10', text: `${BASE}concurrency: "0x10"\n`, expect: invalid(['concurrency']) },
  { kind: 'config', name: 'seed 1.5', text: `${BASE}seed: 1.5\n`, expect: invalid(['seed']) },
  { kind: 'config', name: 'version 2', text: `${BASE}version: 2\n`, expect: invalid(['version']) },
  { kind: 'config', name: 'resources is a map', text: `${P}resources: {lb: 1}\n`, expect: invalid(['resources']) },
  {
    kind: 'config',
    name: 'a resource type with a trailing space',
    text: withResource('{resource_id: lb, type: "LogicalBucket ", providers: [{cloud: a, physical_id: b}]}'),
    expect: invalid(['resources', 0, 'type']),
  },
  {
    kind: 'config',
    name: 'resource_id ../../etc',
    text: withResource('{resource_id: ../../etc, type: LogicalBucket, providers: [{cloud: a, physical_id: b}]}'),
    expect: invalid(['resources', 0, 'resource_id']),
  },
  {
    kind: 'config',
    name: 'resource_id with a right-to-left override',
    text: withResource('{resource_id: "lb\u202Egpj", type: LogicalBucket, providers: [{cloud: a, physical_id: b}]}'),
    expect: invalid(['resources', 0, 'resource_id']),
  },
  {
    kind: 'config',
    name: 'a weight of .inf',
    text: withBinding('{cloud: a, physical_id: b, weight: .inf}'),
    expect: invalid(['resources', 0, 'providers', 0, 'weight']),
  },
  {
    kind: 'config',
    name: 'a weight of .nan',
    text: withBinding('{cloud: a, physical_id: b, weight: .nan}'),
    expect: invalid(['resources', 0, 'providers', 0, 'weight']),
  },
  {
    kind: 'config',
    name: 'a weight as a string',
    text: withBinding('{cloud: a, physical_id: b, weight: "3"}'),
    expect: invalid(['resources', 0, 'providers', 0, 'weight']),
  },
  {
    kind: 'config',
    name: 'a health check interval of 0s',
    text: 'providers:\n  - {name: a, type: memory, health_check: {interval: 0s}}\n',
    expect: invalid(['providers', 0, 'health_check', 'interval']),
  },
  {
    kind: 'config',
    name: 'a binding to a provider that does not exist',
    text: withBinding('{cloud: nowhere, physical_id: b}'),
    expect: invalid(['resources', 0, 'providers', 0, 'cloud']),
  },

  // — objects given in code (API only) —
  {
    kind: 'config',
    name: 'a getter that throws',
    object: () => ({
      get providers(): unknown {
        throw new Error('boom with sk_live_secret');
      },
    }),
    expect: invalid(['providers']),
  },
  {
    kind: 'config',
    name: 'a Proxy whose ownKeys trap throws',
    object: () =>
      new Proxy(
        {},
        {
          ownKeys() {
            throw new Error('trap');
          },
        },
      ),
    expect: invalid([]),
  },
  {
    kind: 'config',
    name: 'a Proxy whose get trap throws',
    object: () =>
      new Proxy(
        { providers: [] as unknown[] },
        {
          get() {
            throw new Error('trap');
          },
        },
      ),
    expect: invalid(['providers']),
  },
  {
    kind: 'config',
    name: 'a Proxy whose getPrototypeOf trap throws',
    object: () =>
      new Proxy(
        {},
        {
          getPrototypeOf() {
            throw new Error('trap');
          },
        },
      ),
    expect: invalid([]),
  },
  {
    kind: 'config',
    name: 'a revoked Proxy inside',
    object: () => {
      const r = Proxy.revocable({}, {});
      r.revoke();
      return { providers: [r.proxy] };
    },
    expect: invalid(['providers', 0]),
  },
  {
    kind: 'config',
    name: 'a circular reference',
    object: () => {
      const p: Record<string, unknown> = { name: 'a', type: 'memory' };
      p['self'] = p;
      return { providers: [p] };
    },
    expect: invalid(['providers', 0, 'self']),
  },
  {
    kind: 'config',
    name: 'an own __proto__ key (JSON.parse)',
    object: () => JSON.parse('{"__proto__": {"x": 1}, "providers": [{"name": "a", "type": "memory"}]}') as Record<string, unknown>,
    expect: invalid(['__proto__']),
  },
  { kind: 'config', name: 'a Map as providers', object: () => ({ providers: new Map([['a', 1]]) }), expect: invalid(['providers']) },
  {
    kind: 'config',
    name: 'a Date as timeout',
    object: () => ({ providers: [{ name: 'a', type: 'memory' }], timeout: new Date(0) }),
    expect: invalid(['timeout']),
  },
  { kind: 'config', name: 'a BigInt seed', object: () => ({ providers: [{ name: 'a', type: 'memory' }], seed: 10n }), expect: invalid(['seed']) },
  {
    kind: 'config',
    name: 'a function as concurrency',
    object: () => ({ providers: [{ name: 'a', type: 'memory' }], concurrency: () => 4 }),
    expect: invalid(['concurrency']),
  },
  {
    kind: 'config',
    name: 'a sparse array of length 2^32-1',
    object: () => {
      const a: unknown[] = [];
      a.length = 2 ** 32 - 1;
      return { providers: a };
    },
    expect: invalid(['providers']),
  },
  {
    kind: 'config',
    name: 'objects nested 10 000 deep',
    object: () => {
      let v: Record<string, unknown> = {};
      const top = { providers: [{ name: 'a', type: 'memory' }], router: v };
      for (let i = 0; i < 10_000; i++) {
        const n = {};
        v['a'] = n;
        v = n;
      }
      return top;
    },
    expect: invalid(['router', ...Array<string>(63).fill('a')]),
  },
];
