/**
 * Fuzzes the loaders (issue 13) with fast-check, fixed seeds: arbitrary JSON and
 * YAML-like text and objects as config files, URM documents and DataJobs. Every
 * call must return, or throw a PolycloudError with a path — never another error —
 * within PER_CALL_MS. Run as a child process by test/hostile-fuzz.test.ts (which
 * bounds the whole run, so a hang fails instead of blocking); prints one JSON line.
 * Usage: node --import tsx test/hostile/fuzz.ts
 */
import fc from 'fast-check';
import { createAdapterRegistry, isPolycloudError, localComputeAdapterFactory, parseUrmDocument } from '@polycloud/core';
import { loadDataJob, loadPolycloudConfig } from '@polycloud/core/config';
import { memoryStorageAdapterFactory } from '@polycloud/core/testing';

const PER_CALL_MS = 2000;
const SEEDS = [1, 42, 20261206];
const registry = createAdapterRegistry([memoryStorageAdapterFactory, localComputeAdapterFactory]);
const tally = { calls: 0, accepted: 0, refused: 0 };

/** Runs one loader call: true when it returned or threw a PolycloudError with a path; throws a description otherwise. */
function check(what: string, call: () => unknown): boolean {
  const started = performance.now();
  tally.calls++;
  try {
    call();
    tally.accepted++;
  } catch (e) {
    if (!isPolycloudError(e))
      throw new Error(
        `${what}: a ${String((e as { name?: unknown } | null)?.name)} escaped: ${String((e as { message?: unknown } | null)?.message).slice(0, 200)}`,
      );
    if (!Array.isArray(e.context.path)) throw new Error(`${what}: ${e.code} without a path`);
    tally.refused++;
  }
  const ms = performance.now() - started;
  if (ms > PER_CALL_MS) throw new Error(`${what}: took ${Math.round(ms)} ms`);
  return true;
}

/** Sets an own property (never through a setter: `__proto__` is a key like any other here, not the prototype). */
const define = (o: object, k: string | number, v: unknown) => Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
/** The own object at `k`, made when absent (the walk never leaves the document, e.g. into Object.prototype). */
function child(node: Record<string | number, unknown>, k: string | number): Record<string | number, unknown> {
  const own = Object.hasOwn(node, k) ? node[k] : undefined;
  if (typeof own === 'object' && own !== null) return own as Record<string | number, unknown>;
  const made = {};
  define(node, k, made);
  return made;
}

const KEYS = [
  'providers',
  'storage_providers',
  'resources',
  'residency',
  'jobs',
  'router',
  'timeout',
  'retry',
  'concurrency',
  'seed',
  'version',
  '__proto__',
  'constructor',
  'name',
  'type',
  'memory',
  'resource_id',
  'physical_id',
  'cloud',
  'tags',
  'spec',
  'env',
  'image',
  '<<',
];
const key = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 }));
/** JSON-like values whose keys are often the ones the loaders know. */
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom('memory', 'local', 'LogicalBucket', 'LogicalCluster', '1m', '4Gi', '..', '${X}', 'a/../b'),
    ),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('v')), { maxLength: 5 }).map((entries) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of entries) define(o, k, v);
      return o;
    }),
  ),
})).v;

const BASE = {
  providers: [
    { name: 'a', type: 'memory', buckets: ['b'] },
    { name: 'l', type: 'local' },
  ],
  resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'a', physical_id: 'b' }] }],
};
/** The base config with one value at a random path replaced. */
const mutated = fc.tuple(fc.array(fc.oneof(key, fc.nat(3)), { minLength: 1, maxLength: 5 }), value).map(([path, v]) => {
  const doc = structuredClone(BASE) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = doc;
  for (const p of path.slice(0, -1)) node = child(node, p);
  define(node, path[path.length - 1]!, v);
  return doc;
});

const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ': ',
  ', ',
  '- ',
  '\n',
  '  ',
  '&a ',
  '*a',
  '<<: *a',
  '? ',
  '"',
  "'",
  '# c',
  '!!binary ',
  '!!str ',
  '|\n',
  '>-\n',
  'providers',
  'resources',
  'type',
  'memory',
  'name',
  'x',
  '1m',
  '${V}',
  '$${',
  '\t',
  '\u0000',
  '\ufeff',
  '~',
  '.inf',
  '0x1F',
];
const yamlish = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => t.join(''));

const URM_BASE = { resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'a', physical_id: 'b' }] };
const urmMutated = fc.tuple(fc.array(fc.oneof(key, fc.nat(2)), { minLength: 1, maxLength: 4 }), value).map(([path, v]) => {
  const doc = structuredClone(URM_BASE) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = doc;
  for (const p of path.slice(0, -1)) node = child(node, p);
  define(node, path[path.length - 1]!, v);
  return doc;
});

const load = (source: string | Record<string, unknown>) => loadPolycloudConfig(source, { registry, env: {} });
const properties: [string, fc.IProperty<never>][] = [
  ['config: JSON text of arbitrary values', fc.property(value, (v) => check('config JSON', () => load(JSON.stringify(v) ?? 'null'))) as never],
  [
    'config: arbitrary objects',
    fc.property(value, (v) =>
      check('config object', () => load((typeof v === 'object' && v !== null && !Array.isArray(v) ? v : { v }) as Record<string, unknown>)),
    ) as never,
  ],
  [
    'config: the base with one value replaced (object and JSON)',
    fc.property(mutated, (doc) => check('config mutated', () => load(doc)) && check('config mutated JSON', () => load(JSON.stringify(doc)))) as never,
  ],
  ['config: YAML-like text', fc.property(yamlish, (text) => check('config YAML', () => load(`${text}\n`))) as never],
  ['URM: arbitrary values', fc.property(value, (v) => check('URM', () => parseUrmDocument(v))) as never],
  ['URM: the base with one value replaced', fc.property(urmMutated, (doc) => check('URM mutated', () => parseUrmDocument(doc))) as never],
  ['DataJob: YAML-like text', fc.property(yamlish, (text) => check('DataJob YAML', () => loadDataJob(`${text}\n`))) as never],
  [
    'DataJob: arbitrary objects',
    fc.property(value, (v) => check('DataJob object', () => loadDataJob((typeof v === 'object' && v !== null ? v : { v }) as object))) as never,
  ],
];

const failures: string[] = [];
for (const [name, property] of properties) {
  for (const seed of SEEDS) {
    const result = fc.check(property, { seed, numRuns: 150 });
    if (result.failed)
      failures.push(
        `${name} (seed ${seed}): ${String((result.errorInstance as Error | undefined)?.message ?? 'failed')} — counterexample ${JSON.stringify(result.counterexample)?.slice(0, 300)}`,
      );
  }
}
process.stdout.write(`${JSON.stringify({ ...tally, failures })}\n`);
