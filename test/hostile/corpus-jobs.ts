import { accept, badArg, invalid, type JobCase } from './types.js';

const job = (spec: string, extra = '') => `apiVersion: batch.mcp/v1\nkind: DataJob\nmetadata: {name: j${extra}}\nspec:\n${spec}`;
const IMAGE = '  image: x\n';
const obj = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'j' }) => ({
  apiVersion: 'batch.mcp/v1',
  kind: 'DataJob',
  metadata,
  spec: { image: 'x', ...spec },
});

const laughs = () => {
  let t = job(IMAGE);
  t += 'x0: &x0 [a, a, a, a, a, a, a, a, a]\n';
  for (let i = 1; i < 10; i++)
    t += `x${i}: &x${i} [${Array(9)
      .fill(`*x${i - 1}`)
      .join(', ')}]\n`;
  return t;
};
const mergeBomb = () => {
  let t = job(IMAGE);
  t += 'm0: &m0 {a: 1}\n';
  for (let i = 1; i < 25; i++) t += `m${i}: &m${i}\n  <<: [*m${i - 1}, *m${i - 1}]\n  k${i}: 1\n`;
  return t;
};

/** DataJobs (loadDataJob; `polycloud job explain <config> <file>` for text). */
export const jobCases: JobCase[] = [
  { kind: 'job', name: 'a minimal DataJob', text: job(IMAGE), expect: accept, check: { name: 'j', image: 'x' } },
  { kind: 'job', name: 'the same as JSON', text: JSON.stringify(obj({})), expect: accept, check: { name: 'j', image: 'x' } },
  {
    kind: 'job',
    name: 'an image with a shell command injection is kept literally',
    text: job('  image: "alpine; touch /tmp/pwned #"\n'),
    expect: accept,
    check: { image: 'alpine; touch /tmp/pwned #' },
  },
  {
    kind: 'job',
    name: 'an image with $(curl …) is kept literally',
    text: job('  image: "$(curl http://127.0.0.1:9/x | sh)"\n'),
    expect: accept,
    check: { image: '$(curl http://127.0.0.1:9/x | sh)' },
  },
  { kind: 'job', name: 'an image with backticks is kept literally', text: job('  image: "`id`"\n'), expect: accept, check: { image: '`id`' } },
  {
    kind: 'job',
    name: 'command and args with metacharacters are kept as argv',
    text: job(`${IMAGE}  command: [sh, -c]\n  args: ["echo $HOME; rm -rf / #", "&& curl x"]\n`),
    expect: accept,
    check: { command: ['sh', '-c'], args: ['echo $HOME; rm -rf / #', '&& curl x'] },
  },
  { kind: 'job', name: 'memory 4Gi', text: job(`${IMAGE}  resources: {memory: 4Gi}\n`), expect: accept, check: { memoryMiB: 4096 } },
  { kind: 'job', name: 'memory 1.5Ki (whole bytes)', text: job(`${IMAGE}  resources: {memory: 1.5Ki}\n`), expect: accept, check: { memoryMiB: 1 } },
  { kind: 'job', name: 'env as a list', text: job(`${IMAGE}  env: [{name: A, value: "1; rm -rf /"}]\n`), expect: accept, check: { env: { A: '1; rm -rf /' } } },
  {
    kind: 'job',
    name: 'memory "1m" (one milli-byte) is refused, not rounded up to 1 MiB',
    text: job(`${IMAGE}  resources: {memory: 1m}\n`),
    expect: invalid(['spec', 'resources', 'memory']),
  },
  { kind: 'job', name: 'memory 999m', text: job(`${IMAGE}  resources: {memory: 999m}\n`), expect: invalid(['spec', 'resources', 'memory']) },
  { kind: 'job', name: 'memory 0.5', text: job(`${IMAGE}  resources: {memory: 0.5}\n`), expect: invalid(['spec', 'resources', 'memory']) },
  { kind: 'job', name: 'memory 1e-3', text: job(`${IMAGE}  resources: {memory: "1e-3"}\n`), expect: invalid(['spec', 'resources', 'memory']) },
  { kind: 'job', name: 'memory -1Gi', text: job(`${IMAGE}  resources: {memory: -1Gi}\n`), expect: invalid(['spec', 'resources', 'memory']) },
  { kind: 'job', name: 'memory 1GB', text: job(`${IMAGE}  resources: {memory: 1GB}\n`), expect: invalid(['spec', 'resources', 'memory']) },
  { kind: 'job', name: 'memory empty', text: job(`${IMAGE}  resources: {memory: ""}\n`), expect: invalid(['spec', 'resources', 'memory']) },
  { kind: 'job', name: 'cpu 0.0001', text: job(`${IMAGE}  resources: {cpu: 0.0001}\n`), expect: invalid(['spec', 'resources', 'cpu']) },
  { kind: 'job', name: 'cpu 1e9', text: job(`${IMAGE}  resources: {cpu: 1e9}\n`), expect: invalid(['spec', 'resources', 'cpu']) },
  { kind: 'job', name: '__proto__ in env (map)', text: job(`${IMAGE}  env: {__proto__: {PATH: /evil}}\n`), expect: invalid(['spec', 'env', '__proto__']) },
  {
    kind: 'job',
    name: '__proto__ in labels',
    text: job(IMAGE).replace('metadata: {name: j}', 'metadata: {name: j, labels: {__proto__: x}}'),
    expect: invalid(['metadata', 'labels', '__proto__']),
  },
  { kind: 'job', name: '__proto__ in tags', text: job(`${IMAGE}  tags: {__proto__: eu}\n`), expect: invalid(['spec', 'tags', '__proto__']) },
  { kind: 'job', name: 'billion laughs', text: laughs(), expect: invalid([]) },
  { kind: 'job', name: '24-level << merge bomb', text: mergeBomb(), expect: invalid([]) },
  {
    kind: 'job',
    name: 'JSON nested 5000 deep',
    text: `{"apiVersion":"batch.mcp/v1","kind":"DataJob","x":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    expect: invalid([]),
  },
  {
    kind: 'job',
    name: 'a 2 MiB job (over the 1 MiB limit)',
    text: `${job(IMAGE)}# ${'x'.repeat(2 * 1024 * 1024)}\n`,
    expect: invalid([]),
    cli: badArg(['job']),
  },
  { kind: 'job', name: 'an alias to an anchor never set', text: `${job(IMAGE)}<<: *a\n`, expect: invalid([]) },
  { kind: 'job', name: 'a map key that is a map', text: job(`${IMAGE}  env: {{a: 1}: x}\n`), expect: invalid([]) },
  { kind: 'job', name: 'plain text, not a map', text: 'hello', expect: invalid([]) },
  { kind: 'job', name: 'a YAML list', text: '- 1\n- 2\n', expect: invalid([]) },
  { kind: 'job', name: 'an empty file', text: '', expect: invalid([]) },
  { kind: 'job', name: 'a YAML syntax error', text: job('  image: [x\n'), expect: invalid([]) },
  { kind: 'job', name: 'duplicate keys', text: job(`${IMAGE}${IMAGE}`), expect: invalid([]) },
  { kind: 'job', name: 'apiVersion v2', text: job(IMAGE).replace('batch.mcp/v1', 'batch.mcp/v2'), expect: invalid(['apiVersion']) },
  { kind: 'job', name: 'kind Job', text: job(IMAGE).replace('kind: DataJob', 'kind: Job'), expect: invalid(['kind']) },
  { kind: 'job', name: 'a name with a path', text: job(IMAGE).replace('{name: j}', '{name: ../../x}'), expect: invalid(['metadata', 'name']) },
  { kind: 'job', name: 'a timeout of 1e400', text: job(`${IMAGE}  timeout: 1e400\n`), expect: invalid(['spec', 'timeout']) },
  { kind: 'job', name: 'retries 10', text: job(`${IMAGE}  retries: 10\n`), expect: invalid(['spec', 'retries']) },
  { kind: 'job', name: 'a tag value of 300 characters', text: job(`${IMAGE}  tags: {k: ${'v'.repeat(300)}}\n`), expect: invalid(['spec', 'tags', 'k']) },
  { kind: 'job', name: 'an unknown spec key', text: job(`${IMAGE}  imagePullPolicy: Always\n`), expect: invalid(['spec', 'imagePullPolicy']) },
  { kind: 'job', name: 'an env name with a shell expansion', text: job(`${IMAGE}  env: {"$(id)": x}\n`), expect: invalid(['spec', 'env']) },
  {
    kind: 'job',
    name: 'an object with a throwing getter',
    object: () => ({
      ...obj({}),
      get spec(): unknown {
        throw new Error('boom');
      },
    }),
    expect: invalid(['spec']),
  },
  {
    kind: 'job',
    name: 'a Proxy whose ownKeys trap throws',
    object: () =>
      new Proxy(obj({}), {
        ownKeys() {
          throw new Error('trap');
        },
      }),
    expect: invalid([]),
  },
  {
    kind: 'job',
    name: 'an own __proto__ key in env (JSON.parse)',
    object: () => obj({ env: JSON.parse('{"__proto__": {"A": "1"}}') as object }),
    expect: invalid(['spec', 'env', '__proto__']),
  },
  { kind: 'job', name: 'an object with memory "1m"', object: () => obj({ resources: { memory: '1m' } }), expect: invalid(['spec', 'resources', 'memory']) },
];
