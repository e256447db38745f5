/**
 * bench:sync-scale — how @polycloud/sync behaves as a bucket grows, on in-memory stores
 * (no network: the engine's own cost), plus how replication scales with processes.
 *
 * Per scale (100k and 1M keys on two memory adapters; 10M on a generated listing-only
 * adapter, `--only 10m`):
 * - the bucket is made "synchronised" cheaply: every key is written straight into both
 *   memory clouds (`cloud.putObject`) with the same stamped version metadata
 *   (`versionMetadata(newVersion(...))`, origin binding `a`), as polycloud itself would
 *   have left it after replicating; then a first reconcile (every key in sync, nothing
 *   written) builds the engine's partition state, and one replication round folds its
 *   deltas into chunks (compaction);
 * - engine heap: `heapUsed` after a forced GC, measured before the engine is created
 *   (adapters already holding their data, listing caches warm) and after the state is
 *   built; the difference, and per key. ArrayBuffer memory (the state objects the engine
 *   stored in the memory adapters are Uint8Arrays) is printed apart;
 * - one round after one write: put one new key through polycloud, then time
 *   `polycloud.sync(id).runOnce()` (repeated; median and max);
 * - reconcile keys/s: a second reconcile over the bucket, everything in sync;
 * - bulk replication keys/s: fresh keys put through polycloud (journaled, replicator not
 *   started), then `drain()` timed.
 * Then replication with 1, 2 and 4 "processes", each adapter call delayed 5 ms
 * (`createFaultInjectingStorageAdapter(adapter, { latencyMs: 5 })`): the processes are
 * several polycloud instances IN ONE NODE PROCESS, each with its own
 * `createSync({ owner: 'p<i>' })`, sharing the same memory adapters (memory adapters cannot
 * be shared across OS processes) — so they also share this process's CPU.
 *
 * Heap figures need `--expose-gc`: without it the script re-runs itself with it.
 *
 * Run: `npm run bench:sync-scale` (100k, 1m and procs) or
 * `node --expose-gc --import tsx scripts/bench/sync-scale.ts [--only 100k,1m,1mgen,10m,procs] [--fresh 20000]
 * [--procs-keys 8000] [--rounds 20] [--partitions 16]`.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { createPolycloud, type ListPage, type ObjectInfo, type Polycloud, PolycloudError } from '@polycloud/core';
import {
  type GetResult,
  HybridLogicalClock,
  newVersion,
  type ObjectVersion,
  type StorageAdapter,
  unsupportedStorageOperations,
  versionMetadata,
} from '@polycloud/core/spi';
import {
  createFaultInjectingStorageAdapter,
  createMemoryStorageAdapter,
  type FaultInjectingStorageAdapter,
  type MemoryStorageAdapter,
} from '@polycloud/core/testing';
import { encodeVector } from '@polycloud/core/spi';
import { createSync, partitionOf, SYNC_RESERVED_PREFIX, syncEngine, type SyncEngineOptions } from '@polycloud/sync';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  // Re-run with --expose-gc (the heap figures need a forced GC) and room for 1M keys on two memory clouds.
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}

const args = process.argv.slice(2);
const argOf = (name: string): string | undefined => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
const only = new Set((argOf('--only') ?? '100k,1m,procs').toLowerCase().split(','));
const freshKeys = Number(argOf('--fresh') ?? 20_000);
const procsKeys = Number(argOf('--procs-keys') ?? 8000);
const rounds = Number(argOf('--rounds') ?? 20);
const partitions = Number(argOf('--partitions') ?? 16);
/** 10M: write the synchronised state straight into the state bucket (default) instead of building it with a first reconcile (`--build-10m`). */
const loadGeneratedState = !args.includes('--build-10m');
const MiB = 1024 * 1024;

const load = () =>
  `load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const heap = () => {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
};
const keyOf = (i: number) => `k/${String(i).padStart(8, '0')}`;
const EMPTY = new Uint8Array(0);

/** Options every engine of this bench gets: state and journals in buckets of their own, replicator run by hand. */
const engineOptions = (extra: SyncEngineOptions = {}): SyncEngineOptions => ({
  autoStart: false,
  stateBuckets: { a: 'sync-a', b: 'sync-b' },
  partitions,
  ...extra,
});
/** Partition counts of the processes phase (16: the default; rendezvous hashing of 16 partitions over 2 or 4 members is uneven). */
const procsPartitions = (argOf('--procs-partitions') ?? '16,64').split(',').map(Number);

function polycloudOn(a: StorageAdapter, b: StorageAdapter, extra: SyncEngineOptions = {}): Polycloud {
  return createPolycloud({
    providers: [
      { name: 'a', adapter: a },
      { name: 'b', adapter: b },
    ],
    timeoutMs: 600_000,
    resources: [
      {
        resource_id: 'scale',
        type: 'LogicalBucket',
        providers: [
          { cloud: 'a', physical_id: 'data' },
          { cloud: 'b', physical_id: 'data', role: 'standby' },
        ],
        replication: { mode: 'async' },
      },
    ],
    sync: createSync(engineOptions(extra)),
  });
}

/** Two memory adapters holding the same `n` keys, stamped as polycloud leaves them once replicated. */
function synchronisedPair(n: number): { a: MemoryStorageAdapter; b: MemoryStorageAdapter } {
  const a = createMemoryStorageAdapter({ name: 'a', buckets: ['data', 'sync-a'] });
  const b = createMemoryStorageAdapter({ name: 'b', buckets: ['data', 'sync-b'] });
  const hlc = new HybridLogicalClock(() => Date.now());
  for (let i = 0; i < n; i++) {
    const metadata = versionMetadata(newVersion(hlc, 'a', {}));
    a.cloud.putObject('data', keyOf(i), EMPTY, { metadata });
    b.cloud.putObject('data', keyOf(i), EMPTY, { metadata });
  }
  // Build the clouds' sorted-key caches now, so they are not counted in the engine's heap.
  a.cloud.keys('data');
  b.cloud.keys('data');
  return { a, b };
}

/**
 * A listing-only adapter over `n` generated keys in bucket `data` (sorted, stable version
 * tokens and stamps, generated on the fly: no per-key memory); every other bucket (the
 * engine's state and journals) goes to a memory adapter. `put` on `data` is refused: an
 * all-in-sync reconcile never writes.
 */
const T0 = Date.now() - 86_400_000;
/** The stamp of generated key i (origin binding a), the same on both generated bindings. */
const generatedVersion = (i: number): ObjectVersion => {
  const hlc = { l: T0 + Math.floor(i / 16), c: i % 16 };
  return { hlc, origin: 'a', vv: { a: hlc } };
};

function generatedAdapter(name: string, n: number, inner: MemoryStorageAdapter): StorageAdapter {
  const lastModified = new Date(T0);
  const version = generatedVersion;
  const indexOf = (key: string) => {
    const m = /^k\/(\d{8})$/.exec(key);
    const i = m ? Number(m[1]) : -1;
    return i >= 0 && i < n ? i : -1;
  };
  const info = (i: number, withMeta: boolean): ObjectInfo => ({
    key: keyOf(i),
    size: 0,
    versionToken: `t${i}`,
    lastModified,
    ...(withMeta ? { metadata: versionMetadata(version(i)) } : {}),
  });
  return {
    // No batch delete, server-side copy or presign over the generated view: declared so, and raising.
    ...unsupportedStorageOperations('memory'),
    type: 'memory',
    name,
    capabilities: { ...inner.capabilities, batchDelete: false, copy: false, presign: false },
    ensureBucket: (bucket) => inner.ensureBucket(bucket),
    // Keys outside the generated range (the "one write" of the round test) live in the inner
    // adapter's `data` bucket: readable and writable, not listed.
    async put(bucket, key, body, o) {
      if (bucket === 'data' && indexOf(key) >= 0) throw new PolycloudError('UNSUPPORTED', 'the generated keys are read-only', { retryable: false });
      return inner.put(bucket, key, body, o);
    },
    async get(bucket, key, o): Promise<GetResult> {
      const i = bucket === 'data' ? indexOf(key) : -1;
      if (i < 0) return inner.get(bucket, key, o);
      return { info: info(i, true), body: Readable.from([]) };
    },
    async head(bucket, key, o) {
      const i = bucket === 'data' ? indexOf(key) : -1;
      if (i < 0) return inner.head(bucket, key, o);
      return info(i, true);
    },
    async list(bucket, o = {}): Promise<ListPage> {
      if (bucket !== 'data') return inner.list(bucket, o);
      if (o.prefix && !'k/'.startsWith(o.prefix) && !o.prefix.startsWith('k/')) return { objects: [], prefixes: [] };
      const size = Math.min(o.pageSize ?? 1000, 1000);
      const from = o.continuationToken ? Number(o.continuationToken) : 0;
      const to = Math.min(n, from + size);
      const objects: ObjectInfo[] = [];
      for (let i = from; i < to; i++) objects.push(info(i, false));
      return { objects, prefixes: [], ...(to < n ? { continuationToken: String(to) } : {}) };
    },
    async delete(bucket, key, o) {
      if (bucket === 'data') throw new PolycloudError('UNSUPPORTED', 'the generated bucket is read-only', { retryable: false });
      return inner.delete(bucket, key, o);
    },
  };
}

/**
 * Writes the synchronised state of `n` generated keys straight into the state bucket, in
 * the engine's format (state.ts: `sync.json` manifest; per partition a head listing
 * sorted chunks of at most 4096 `[key, record]` JSON lines) — what a first reconcile
 * would have left after compaction, without running it (at 10M keys it would take hours:
 * see the report). Coupled to the engine's storage format; the timed reconcile reporting
 * `changed 0` is the check that the engine accepted it as its own.
 */
function loadState(inner: MemoryStorageAdapter, bucket: string, n: number): void {
  const prefix = `${SYNC_RESERVED_PREFIX}scale/`;
  const CHUNK = 4096;
  const lines: string[][] = Array.from({ length: partitions }, () => []);
  const first: string[] = Array(partitions).fill('');
  const last: string[] = Array(partitions).fill('');
  const refs: { name: string; min: string; max: string; count: number }[][] = Array.from({ length: partitions }, () => []);
  let counter = 0;
  const flush = (p: number) => {
    const l = lines[p]!;
    if (!l.length) return;
    const name = `0-${(++counter).toString(36)}-loaded`;
    inner.cloud.putObject(bucket, `${prefix}p/${String(p).padStart(4, '0')}/c/${name}`, l.join('\n'), { contentType: 'application/json' });
    refs[p]!.push({ name, min: first[p]!, max: last[p]!, count: l.length });
    lines[p] = [];
  };
  for (let i = 0; i < n; i++) {
    const key = keyOf(i);
    const p = partitionOf(key, partitions);
    const l = lines[p]!;
    if (!l.length) first[p] = key;
    last[p] = key;
    l.push(JSON.stringify([key, { vv: encodeVector(generatedVersion(i).vv), tokens: { a: `t${i}`, b: `t${i}` } }]));
    if (l.length >= CHUNK) flush(p);
  }
  for (let p = 0; p < partitions; p++) {
    flush(p);
    inner.cloud.putObject(
      bucket,
      `${prefix}p/${String(p).padStart(4, '0')}/head`,
      JSON.stringify({ v: 2, epoch: 0, checkpoints: {}, chunks: refs[p], deltas: [], pending: [] }),
      { contentType: 'application/json' },
    );
  }
  inner.cloud.putObject(bucket, `${prefix}sync.json`, JSON.stringify({ v: 2, partitions }), { contentType: 'application/json' });
}

interface ScaleRow {
  label: string;
  keys: number;
  buildKps: number;
  heapMiB: number;
  bytesPerKey: number;
  arrayBuffersMiB: number;
  roundMedianMs: number;
  roundMaxMs: number;
  reconcileKps: number;
  bulkKps: number | undefined;
  loads: string[];
}

async function scale(label: string, n: number, generated: boolean): Promise<ScaleRow> {
  const loads: string[] = [];
  let t = performance.now();
  const pair = generated
    ? (() => {
        const ia = createMemoryStorageAdapter({ name: 'a', buckets: ['data', 'sync-a'] });
        const ib = createMemoryStorageAdapter({ name: 'b', buckets: ['data', 'sync-b'] });
        if (loadGeneratedState) loadState(ia, 'sync-a', n);
        return { a: generatedAdapter('a', n, ia), b: generatedAdapter('b', n, ib) };
      })()
    : synchronisedPair(n);
  console.log(
    `\n[${label}] ${generated ? `generated listing of ${n} keys${loadGeneratedState ? ', synchronised state written straight into the state bucket' : ''}` : `wrote ${n} keys into both memory clouds`} in ${((performance.now() - t) / 1000).toFixed(1)} s (${load()})`,
  );
  const before = heap();
  const polycloud = polycloudOn(pair.a, pair.b, { owner: 'p0' });
  const sync = polycloud.sync('scale');
  const engine = syncEngine(sync);

  // 1. First reconcile: every key in sync on both bindings, no state yet: builds the state (2 HEADs per key, no write).
  let buildS = NaN;
  if (!(generated && loadGeneratedState)) {
    t = performance.now();
    const first = await sync.reconcile({ allowMassDelete: true });
    buildS = (performance.now() - t) / 1000;
    console.log(
      `[${label}] reconcile #1 (builds the state): ${buildS.toFixed(1)} s, ${(n / buildS).toFixed(0)} keys/s, changed ${first.changed}, failed ${first.failedKeys.length} (${load()})`,
    );
    loads.push(load());
  }
  // One round: commits and compacts what the reconcile left as deltas.
  t = performance.now();
  await sync.runOnce();
  console.log(`[${label}] first round after the reconcile (compaction): ${(performance.now() - t).toFixed(0)} ms`);
  const after = heap();
  const heapBytes = after.heapUsed - before.heapUsed;
  console.log(
    `[${label}] engine heap ${(heapBytes / MiB).toFixed(1)} MiB (${(heapBytes / n).toFixed(1)} B/key), arrayBuffers +${((after.arrayBuffers - before.arrayBuffers) / MiB).toFixed(1)} MiB (state objects stored in the memory adapters)`,
  );

  // 2. One round after one write, repeated (on the generated bucket: after the reconcile, as its writes are not listed).
  const times: number[] = [];
  let roundHeapMax = 0;
  const roundTest = async () => {
    const bucket = polycloud.bucket('scale');
    for (let r = 0; r < rounds; r++) {
      await bucket.put(`w/${label}-${r}`, Buffer.from('one write'));
      t = performance.now();
      const rep = await sync.runOnce();
      times.push(performance.now() - t);
      roundHeapMax = Math.max(roundHeapMax, process.memoryUsage().heapUsed);
      if (rep.keys !== 1) console.log(`[${label}] round ${r}: ${rep.keys} keys (expected 1)`);
    }
    console.log(
      `[${label}] one round after one write ×${rounds}: median ${pct(times, 50).toFixed(1)} ms, p90 ${pct(times, 90).toFixed(1)}, max ${Math.max(...times).toFixed(1)} ms [${times.map((x) => x.toFixed(0)).join(' ')}] (${load()})`,
    );
    loads.push(load());
  };
  if (!generated) await roundTest();

  // 3. Reconcile everything in sync.
  t = performance.now();
  const second = await sync.reconcile();
  const recS = (performance.now() - t) / 1000;
  const total = Object.values(second.listed)[0] ?? n;
  console.log(
    `[${label}] reconcile #2 (all in sync): ${recS.toFixed(2)} s, ${(total / recS).toFixed(0)} keys/s, listed ${JSON.stringify(second.listed)}, changed ${second.changed} (${load()})`,
  );
  loads.push(load());
  const afterRec = heap();
  console.log(`[${label}] engine heap after reconcile #2: ${((afterRec.heapUsed - before.heapUsed) / MiB).toFixed(1)} MiB`);
  if (generated) await roundTest();

  // 4. Bulk replication of fresh keys (memory adapters, no latency). They are named to sort after
  // every existing key: the memory cloud keeps a sorted key array and inserting in front of 1M keys
  // costs a 1M-entry move per write (the test double's cost, not the engine's).
  let bulkKps: number | undefined;
  if (!generated && freshKeys > 0) {
    const bucket = polycloud.bucket('scale');
    const body = Buffer.alloc(1024, 0x61);
    const limit = pLimit(64);
    t = performance.now();
    await Promise.all(Array.from({ length: freshKeys }, (_, i) => limit(() => bucket.put(`zz/fresh-${String(i).padStart(7, '0')}`, body))));
    const putS = (performance.now() - t) / 1000;
    t = performance.now();
    const reports = await sync.drain();
    const s = (performance.now() - t) / 1000;
    const copied = reports.reduce((x, r) => x + r.keys, 0);
    bulkKps = freshKeys / s;
    const onB = (pair.b as MemoryStorageAdapter).cloud.keys('data').filter((k) => k.startsWith('zz/fresh-')).length;
    console.log(
      `[${label}] bulk replication: ${freshKeys} fresh 1 KiB keys (put through polycloud in ${putS.toFixed(1)} s, ${(freshKeys / putS).toFixed(0)} puts/s), drained in ${s.toFixed(2)} s = ${bulkKps.toFixed(0)} keys/s, ${reports.length} rounds, ${copied} keys, ${onB} on b (${load()})`,
    );
    loads.push(load());
    const afterBulk = heap();
    console.log(`[${label}] engine heap after bulk replication: ${((afterBulk.heapUsed - before.heapUsed) / MiB).toFixed(1)} MiB`);
  }
  await polycloud.close();
  void engine;
  return {
    label,
    keys: n,
    buildKps: n / buildS,
    heapMiB: heapBytes / MiB,
    bytesPerKey: heapBytes / n,
    arrayBuffersMiB: (after.arrayBuffers - before.arrayBuffers) / MiB,
    roundMedianMs: pct(times, 50),
    roundMaxMs: times.length ? Math.max(...times) : NaN,
    reconcileKps: total / recS,
    bulkKps,
    loads,
  };
}

interface ProcRow {
  processes: number;
  partitions: number;
  keys: number;
  seconds: number;
  kps: number;
  held: string;
  load: string;
}

/** Replication of `count` fresh keys by `k` engines (polycloud instances in this process) sharing two memory adapters delayed 5 ms per call. */
async function processes(k: number, count: number, parts: number): Promise<ProcRow> {
  const A = createMemoryStorageAdapter({ name: 'a', buckets: ['data', 'sync-a'] });
  const B = createMemoryStorageAdapter({ name: 'b', buckets: ['data', 'sync-b'] });
  const a: FaultInjectingStorageAdapter = createFaultInjectingStorageAdapter(A, { latencyMs: 5 });
  const b: FaultInjectingStorageAdapter = createFaultInjectingStorageAdapter(B, { latencyMs: 5 });
  const instances = Array.from({ length: k }, (_, i) => polycloudOn(a, b, { owner: `p${i}`, partitions: parts }));
  // Load through the first instance, with the delay (so the journal's group commit batches as it would).
  const body = Buffer.alloc(1024, 0x61);
  const limit = pLimit(64);
  const bucket = instances[0]!.bucket('scale');
  await Promise.all(Array.from({ length: count }, (_, i) => limit(() => bucket.put(`zz/fresh-${String(i).padStart(7, '0')}`, body))));
  // Every member registers, then takes its share (rendezvous hashing) and gives up the rest.
  const engines = instances.map((p) => syncEngine(p.sync('scale')));
  for (const e of engines) await e.ready();
  for (let pass = 0; pass < 3; pass++) for (const e of engines) await e.replicator.rebalance(true);
  const held = engines.map((e) => e.replicator.held.length).join('/');
  const segments = A.cloud.keys('sync-a').filter((key) => key.includes('/journal/')).length;
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  // Each instance's own drain time: the instances that did not write the journal must read its segments first.
  const each = await Promise.all(instances.map(async (p) => (await p.sync('scale').drain(), (performance.now() - t) / 1000)));
  const seconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // Share of one core this (single-threaded) Node process used: near 100 % the instances wait on each other's CPU.
  const busy = (cpu.user + cpu.system) / 1e6 / seconds;
  const copied = B.cloud.keys('data').filter((key) => key.startsWith('zz/fresh-')).length;
  if (copied !== count) console.log(`[procs ${k}] only ${copied} of ${count} keys on b`);
  const row = {
    processes: k,
    partitions: parts,
    keys: count,
    seconds,
    kps: count / seconds,
    held,
    load: `cpu ${(busy * 100).toFixed(0)}% of a core, ${load()}`,
  };
  console.log(
    `[procs ${k}, ${parts} partitions] ${count} keys (${segments} journal segments) in ${seconds.toFixed(2)} s = ${row.kps.toFixed(0)} keys/s, partitions held ${held}, done after ${each.map((x) => x.toFixed(2)).join('/')} s (${row.load})`,
  );
  a.setLatency(0);
  b.setLatency(0);
  await Promise.all(instances.map((p) => p.close()));
  return row;
}

// The fault injector's delays are unref'd timers: keep the process alive while the bench awaits them.
const keepAlive = setInterval(() => undefined, 1 << 30);
const rows: ScaleRow[] = [];
const procRows: ProcRow[] = [];
console.log(
  `bench:sync-scale — ${partitions} partitions, default engine options otherwise (stateCacheBytes 32 MiB, concurrency 16, batchSize 1000); ${load()}`,
);
if (only.has('100k')) rows.push(await scale('100k', 100_000, false));
if (only.has('1m')) rows.push(await scale('1M', 1_000_000, false));
if (only.has('1mgen')) rows.push(await scale('1M gen', 1_000_000, true));
if (only.has('10m')) rows.push(await scale('10M', 10_000_000, true));
if (only.has('procs')) for (const parts of procsPartitions) for (const k of [1, 2, 4]) procRows.push(await processes(k, procsKeys, parts));

if (rows.length) {
  console.log('\nscale   keys        engine heap MiB  B/key   state build keys/s  round after 1 write ms (median / max)  reconcile keys/s  bulk repl keys/s');
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(7)} ${String(r.keys).padEnd(11)} ${r.heapMiB.toFixed(1).padStart(15)} ${r.bytesPerKey.toFixed(0).padStart(6)} ${(Number.isFinite(r.buildKps) ? r.buildKps.toFixed(0) : 'loaded').padStart(19)} ${`${r.roundMedianMs.toFixed(1)} / ${r.roundMaxMs.toFixed(1)}`.padStart(38)} ${r.reconcileKps.toFixed(0).padStart(17)} ${(r.bulkKps === undefined ? '-' : r.bulkKps.toFixed(0)).padStart(17)}   ${r.loads.at(-1) ?? ''}`,
    );
  }
  console.log('targets: engine heap ≤ 128 MiB at 1M keys; round after 1 write ≤ 50 ms at 1M; reconcile ≥ 50,000 keys/s; bulk replication ≥ 20,000 keys/s');
}
if (procRows.length) {
  console.log('\nprocesses = polycloud instances in ONE Node process sharing the memory adapters, 5 ms per adapter call');
  console.log('processes  partitions   keys   seconds   keys/s   × one   partitions held (ideal ×)   load');
  for (const r of procRows) {
    const one = procRows.find((x) => x.processes === 1 && x.partitions === r.partitions);
    const ideal = r.partitions / Math.max(...r.held.split('/').map(Number));
    console.log(
      `${String(r.processes).padEnd(10)} ${String(r.partitions).padStart(10)} ${String(r.keys).padStart(6)} ${r.seconds.toFixed(2).padStart(9)} ${r.kps.toFixed(0).padStart(8)} ${(one ? r.kps / one.kps : NaN).toFixed(2).padStart(7)}   ${`${r.held} (${ideal.toFixed(2)})`.padEnd(26)}   ${r.load}`,
    );
  }
  console.log('targets: 2 processes ≥ 1.7×, 4 processes ≥ 3× one process');
}
clearInterval(keepAlive);
