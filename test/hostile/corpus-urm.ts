import { accept, invalid, type UrmCase } from './types.js';

const binding = (extra: Record<string, unknown> = {}) => ({ cloud: 'a', physical_id: 'b', ...extra });
const bucket = (extra: Record<string, unknown> = {}, bindings: unknown[] = [binding()]) => ({
  resource_id: 'lb',
  type: 'LogicalBucket',
  providers: bindings,
  ...extra,
});

/** URM documents (parseUrmDocument; createPolycloud with them as resources). */
export const urmCases: UrmCase[] = [
  { kind: 'urm', name: 'a minimal LogicalBucket', doc: () => bucket(), expect: accept },
  {
    kind: 'urm',
    name: 'a minimal LogicalCluster',
    doc: () => ({ resource_id: 'lc', type: 'LogicalCluster', providers: [binding({ cloud: 'c' })] }),
    expect: accept,
  },
  {
    kind: 'urm',
    name: 'a getter that throws on resource_id',
    doc: () => ({
      ...bucket(),
      get resource_id(): string {
        throw new Error('boom');
      },
    }),
    expect: invalid(['resource_id']),
  },
  {
    kind: 'urm',
    name: 'a getter that throws on a binding',
    doc: () =>
      bucket({}, [
        {
          cloud: 'a',
          get physical_id(): string {
            throw new TypeError('no');
          },
        },
      ]),
    expect: invalid(['providers', 0, 'physical_id']),
  },
  {
    kind: 'urm',
    name: 'a getter that throws a non-Error',
    doc: () => ({
      ...bucket(),
      get tags(): unknown {
        throw 42;
      },
    }),
    expect: invalid(['tags']),
  },
  {
    kind: 'urm',
    name: 'a Proxy whose get trap throws',
    doc: () =>
      new Proxy(bucket(), {
        get() {
          throw new Error('trap');
        },
      }),
    expect: invalid(['resource_id']),
  },
  {
    kind: 'urm',
    name: 'a Proxy whose ownKeys trap throws',
    doc: () =>
      new Proxy(bucket(), {
        ownKeys() {
          throw new Error('trap');
        },
      }),
    expect: invalid([]),
  },
  {
    kind: 'urm',
    name: 'a Proxy whose getOwnPropertyDescriptor trap throws',
    doc: () =>
      new Proxy(bucket(), {
        getOwnPropertyDescriptor() {
          throw new Error('trap');
        },
      }),
    expect: invalid(['resource_id']),
  },
  {
    kind: 'urm',
    name: 'a revoked Proxy',
    doc: () => {
      const r = Proxy.revocable(bucket(), {});
      r.revoke();
      return r.proxy;
    },
    expect: invalid([]),
  },
  {
    kind: 'urm',
    name: 'a Proxy binding list',
    doc: () =>
      bucket(
        {},
        new Proxy([binding()], {
          get(t, k) {
            if (k === 'length') throw new Error('trap');
            return Reflect.get(t, k);
          },
        }),
      ),
    expect: invalid(['providers']),
  },
  { kind: 'urm', name: 'a Proxy that answers (read once, accepted)', doc: () => new Proxy(bucket(), {}), expect: accept },
  {
    kind: 'urm',
    name: 'a circular reference in binding options',
    doc: () => {
      const b: Record<string, unknown> = binding({ options: {} });
      (b['options'] as Record<string, unknown>)['self'] = b;
      return bucket({}, [b]);
    },
    expect: invalid(['providers', 0, 'options', 'self']),
  },
  {
    kind: 'urm',
    name: '__proto__ in tags',
    doc: () => ({ ...bucket(), tags: JSON.parse('{"__proto__": "eu"}') as object }),
    expect: invalid(['tags', '__proto__']),
  },
  {
    kind: 'urm',
    name: '__proto__ in binding tags',
    doc: () => bucket({}, [binding({ tags: JSON.parse('{"__proto__": {"quota": "1Ki"}}') as object })]),
    expect: invalid(['providers', 0, 'tags', '__proto__']),
  },
  {
    kind: 'urm',
    name: '__proto__ in binding options',
    doc: () => bucket({}, [binding({ options: JSON.parse('{"__proto__": {"project": "x"}}') as object })]),
    expect: invalid(['providers', 0, 'options', '__proto__']),
  },
  { kind: 'urm', name: '__proto__ at the top', doc: () => Object.assign(JSON.parse('{"__proto__": 1}') as object, bucket()), expect: invalid(['__proto__']) },
  {
    kind: 'urm',
    name: 'physical_id bucket-x/../other',
    doc: () => bucket({}, [binding({ physical_id: 'bucket-x/../other' })]),
    expect: invalid(['providers', 0, 'physical_id']),
  },
  { kind: 'urm', name: 'physical_id ../x', doc: () => bucket({}, [binding({ physical_id: '../x' })]), expect: invalid(['providers', 0, 'physical_id']) },
  { kind: 'urm', name: 'physical_id x/..', doc: () => bucket({}, [binding({ physical_id: 'x/..' })]), expect: invalid(['providers', 0, 'physical_id']) },
  { kind: 'urm', name: 'physical_id .', doc: () => bucket({}, [binding({ physical_id: '.' })]), expect: invalid(['providers', 0, 'physical_id']) },
  {
    kind: 'urm',
    name: 'physical_id a\\..\\b',
    doc: () => bucket({}, [binding({ physical_id: 'a\\..\\b' })]),
    expect: invalid(['providers', 0, 'physical_id']),
  },
  {
    kind: 'urm',
    name: 'physical_id of 1025 characters',
    doc: () => bucket({}, [binding({ physical_id: 'p'.repeat(1025) })]),
    expect: invalid(['providers', 0, 'physical_id']),
  },
  { kind: 'urm', name: 'physical_id "...": not a dot segment', doc: () => bucket({}, [binding({ physical_id: 'a/.../b' })]), expect: accept },
  { kind: 'urm', name: 'an empty resource_id', doc: () => bucket({ resource_id: '' }), expect: invalid(['resource_id']) },
  { kind: 'urm', name: 'no bindings', doc: () => bucket({}, []), expect: invalid(['providers']) },
  { kind: 'urm', name: 'a negative weight', doc: () => bucket({}, [binding({ weight: -1 })]), expect: invalid(['providers', 0, 'weight']) },
  { kind: 'urm', name: 'a NaN weight', doc: () => bucket({}, [binding({ weight: Number.NaN })]), expect: invalid(['providers', 0, 'weight']) },
  {
    kind: 'urm',
    name: 'an infinite weight',
    doc: () => bucket({}, [binding({ weight: Number.POSITIVE_INFINITY })]),
    expect: invalid(['providers', 0, 'weight']),
  },
  { kind: 'urm', name: 'a fractional priority', doc: () => bucket({}, [binding({ priority: 1.5 })]), expect: invalid(['providers', 0, 'priority']) },
  { kind: 'urm', name: 'role master', doc: () => bucket({}, [binding({ role: 'master' })]), expect: invalid(['providers', 0, 'role']) },
  { kind: 'urm', name: 'duplicate binding ids', doc: () => bucket({}, [binding(), binding()]), expect: invalid(['providers', 1, 'cloud']) },
  {
    kind: 'urm',
    name: 'a canary naming no binding',
    doc: () => bucket({ routing: { strategy: 'primary', canary: { binding: 'zz', percent: 5 } } }),
    expect: invalid(['routing', 'canary', 'binding']),
  },
  {
    kind: 'urm',
    name: 'conflict priority without a priority list',
    doc: () => bucket({ replication: { mode: 'async', conflict: 'priority' } }),
    expect: invalid(['replication', 'priority']),
  },
  { kind: 'urm', name: 'every weight 0', doc: () => bucket({}, [binding({ weight: 0 })]), expect: invalid(['providers']) },
  {
    kind: 'urm',
    name: 'binding options nested 100 deep',
    doc: () => {
      let v: Record<string, unknown> = {};
      const b = binding({ options: v });
      for (let i = 0; i < 100; i++) {
        const n = {};
        v['a'] = n;
        v = n;
      }
      return bucket({}, [b]);
    },
    expect: invalid(['providers', 0, 'options', ...Array<string>(61).fill('a')]),
  },
  { kind: 'urm', name: 'a tag value of 300 characters', doc: () => bucket({ tags: { k: 'v'.repeat(300) } }), expect: invalid(['tags', 'k']) },
  { kind: 'urm', name: 'an empty tag name', doc: () => bucket({ tags: { '': 'v' } }), expect: invalid(['tags', '']) },
  { kind: 'urm', name: 'an unknown key Type', doc: () => ({ ...bucket(), Type: 'x' }), expect: invalid(['Type']) },
  { kind: 'urm', name: 'null', doc: () => null, expect: invalid([]) },
  { kind: 'urm', name: 'a list', doc: () => [bucket()], expect: invalid([]) },
  { kind: 'urm', name: 'a string', doc: () => 'LogicalBucket', expect: invalid([]) },
  { kind: 'urm', name: 'a Date (no type)', doc: () => new Date(0), expect: invalid(['type']) },
  { kind: 'urm', name: 'type LogicalQueue', doc: () => bucket({ type: 'LogicalQueue' }), expect: invalid(['type']) },
  {
    kind: 'urm',
    name: 'a string of 100 000 characters in binding options',
    doc: () => bucket({}, [binding({ options: { note: 'x'.repeat(100_000) } })]),
    expect: invalid(['providers', 0, 'options', 'note']),
  },
];
