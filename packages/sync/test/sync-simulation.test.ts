/**
 * Deterministic simulation of the sync engine (FoundationDB style): three memory
 * clouds behind fault-injecting wrappers, a fake clock, three writer processes
 * whose primaries are different clouds, a replicator crashed and restarted at
 * random steps (its in-flight work left running as a zombie), injected errors and
 * lost responses (the call took effect, the answer was lost), out-of-band writes and
 * deletes, then quiescence and a Jepsen-style set check.
 *
 * Replay a seed: SYNC_SIM_SEED=<seed> SYNC_SIM_OPS=<n> npx vitest run packages/core/test/sync-simulation.test.ts
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Clock, compareVectors, conflictKey, createPolycloud, fromRecord, type ObjectVersion, type Polycloud, type StorageAdapter, type VersionRecord, versionFromMetadata } from '@polycloud/core';
import { createFakeClock, createFaultInjectingStorageAdapter, createMemoryStorageAdapter, type FaultInjectingStorageAdapter, type MemoryStorageAdapter } from '@polycloud/core/testing';
import { PolycloudError, seededRandom } from '@polycloud/core';
import { createSync, type SyncEngine, syncEngine } from '@polycloud/sync';

const OPS = Number(process.env['SYNC_SIM_OPS'] ?? 10_000);
const SEEDS = process.env['SYNC_SIM_SEED'] ? [Number(process.env['SYNC_SIM_SEED'])] : [1, 2, 3];
const KEYS = 24;

type Op =
  | { t: 'put'; p: number; k: number; eu: boolean }
  | { t: 'del'; p: number; k: number; eu: boolean }
  | { t: 'burst'; n: number }
  | { t: 'replicate'; crash: boolean }
  | { t: 'restart' }
  | { t: 'tick'; ms: number }
  | { t: 'oobPut'; b: number; k: number }
  | { t: 'oobDel'; b: number; k: number }
  | { t: 'oobShared'; b: number; k: number; del: boolean }
  | { t: 'reconcile' }
  | { t: 'resolveConflicts'; p: number }
  | { t: 'faults'; rate: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 40, arbitrary: fc.record({ t: fc.constant('put' as const), p: fc.nat(2), k: fc.nat(KEYS - 1), eu: fc.boolean() }) },
  { weight: 8, arbitrary: fc.record({ t: fc.constant('del' as const), p: fc.nat(2), k: fc.nat(KEYS - 1), eu: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('burst' as const), n: fc.integer({ min: 2, max: 4 }) }) },
  { weight: 8, arbitrary: fc.record({ t: fc.constant('replicate' as const), crash: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ t: 'restart' as const }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('oobPut' as const), b: fc.nat(2), k: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('oobDel' as const), b: fc.nat(2), k: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('oobShared' as const), b: fc.nat(2), k: fc.nat(KEYS - 1), del: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ t: 'reconcile' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('resolveConflicts' as const), p: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('faults' as const), rate: fc.constantFrom(0, 0, 0.02, 0.08) }) },
);

const NAMES = ['a', 'b', 'c'] as const;
const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1'];
const PHYS = ['pa', 'pb', 'pc'];

interface Acked {
  key: string;
  body: string;
  version: ObjectVersion;
}

async function simulate(seed: number, ops: Op[]) {
  const fake = createFakeClock();
  // Short back-offs run at once (real event loop), deadlines stay on the fake clock.
  const clock: Clock = {
    now: () => fake.now(),
    setTimeout: (fn, ms) => (ms <= 5_000 ? { imm: setImmediate(fn) } : fake.setTimeout(fn, ms)),
    clearTimeout: (h) => (typeof h === 'object' && h !== null && 'imm' in h ? clearImmediate((h as { imm: NodeJS.Immediate }).imm) : fake.clearTimeout(h)),
  };
  const raw: MemoryStorageAdapter[] = NAMES.map((n, i) => createMemoryStorageAdapter({ name: n, buckets: [PHYS[i]!, `${PHYS[i]!}-sync`], clock: fake }));
  const violations: string[] = [];
  // Residency monitor on the us cloud: any eu/ key written there is a violation.
  const monitoredC: StorageAdapter = {
    ...raw[2]!,
    type: 'memory',
    put: async (bucket, key, body, options) => {
      if (key.startsWith('eu/')) violations.push(key);
      return raw[2]!.put(bucket, key, body, options);
    },
  };
  // Lost responses (the call took effect, its answer did not arrive), switchable at run time.
  let lostRate = 0;
  const lostRng = seededRandom(seed * 7 + 3);
  const lossy = (a: StorageAdapter): StorageAdapter => {
    const wrap =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const r = await fn(...args);
        if (lostRate > 0 && lostRng() < lostRate) throw new PolycloudError('UNAVAILABLE', 'response lost (simulated)', { retryable: true });
        return r;
      };
    return { ...a, type: a.type, name: a.name, capabilities: a.capabilities, put: wrap(a.put.bind(a)), delete: wrap(a.delete.bind(a)), ...(a.copy ? { copy: wrap(a.copy.bind(a)) } : {}) };
  };
  const faulty: FaultInjectingStorageAdapter[] = [lossy(raw[0]!), lossy(raw[1]!), lossy(monitoredC)].map((a, i) =>
    createFaultInjectingStorageAdapter(a, { seed: seed * 10 + i, clock, errorRate: 0, lostResponseRate: 0 }),
  );
  const rng = seededRandom(seed);
  let crashing = false;
  const processes: Polycloud[] = NAMES.map((home, p) =>
    createPolycloud({
      clock,
      seed: seed + p,
      providers: NAMES.map((n, i) => ({ name: n, adapter: faulty[i]! })),
      residency: { eu: ['eu-*'] },
      retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
      resources: [
        {
          resource_id: 'lb',
          type: 'LogicalBucket',
          providers: NAMES.map((n, i) => ({ cloud: n, physical_id: PHYS[i]!, region: REGIONS[i]!, priority: n === home ? 0 : 1 + i })),
          replication: { mode: 'async', conflict: 'keep-both' },
        },
      ],
      sync: createSync({
        autoStart: false,
        owner: `process-${home}`,
        sleep: async () => undefined,
        maxAttempts: 3,
        concurrency: 8,
        batchSize: 400,
        journalSequenceCacheMs: 1_000,
        stateBuckets: { a: 'pa-sync', b: 'pb-sync', c: 'pc-sync' },
        journalTruncateMinAgeMs: 4_000,
        ...(p === 0
          ? {
              crash: (step: string) => {
                if (crashing && rng() < 0.03) throw Object.assign(new Error(`simulated crash at ${step}`), { simulatedCrash: true });
              },
            }
          : {}),
      }),
    }),
  );
  const buckets = processes.map((pc) => pc.bucket('lb'));
  const engine: SyncEngine = syncEngine(processes[0]!.sync('lb'));
  const journaled: { key: string; op: string; record: VersionRecord }[] = [];
  const adopted: { key: string; record: VersionRecord }[] = [];
  for (const pc of processes) pc.events.on('journaled', (e: unknown) => journaled.push(e as (typeof journaled)[number]));
  processes[0]!.events.on('adopted', (e: unknown) => adopted.push(e as { key: string; record: VersionRecord }));
  // Versions the replicator applied (e.g. a delete whose journal append was reported failed but is durable).
  for (const pc of processes) pc.events.on('replicated', (e: unknown) => adopted.push(e as { key: string; record: VersionRecord }));
  // Operations issued but not acknowledged may have taken effect (Jepsen: indeterminate), e.g. a delete whose
  // journal append failed after the object was deleted: a write it saw counts as superseded.
  for (const pc of processes) pc.events.on('stamped', (e: unknown) => adopted.push(e as { key: string; record: VersionRecord }));

  const trace: string[] = [];
  let opIndex = -1;
  const dbgKey = process.env['SYNC_SIM_DEBUG'];
  if (dbgKey) {
    for (const name of ['replicated', 'conflict', 'journaled', 'adopted', 'quarantine']) {
      for (const pc of processes) pc.events.on(name, (e: unknown) => { const x = e as { key: string }; if (x.key === dbgKey) trace.push(`#${opIndex} ${name} ${JSON.stringify(e)}`); });
    }
  }
  const acked: Acked[] = [];
  const ackedDeletes: { key: string; version: ObjectVersion }[] = [];
  let counter = 0;
  const keyOf = (k: number, eu: boolean) => (eu ? `eu/k${k}` : `k${k}`);

  const write = async (op: Extract<Op, { t: 'put' | 'del' }>) => {
    const key = (op as { key?: string }).key ?? keyOf(op.k, op.eu);
    const tags: Record<string, string> = op.eu || key.startsWith('eu/') ? { residency: 'eu' } : {};
    const mark = journaled.length;
    try {
      if (op.t === 'put') {
        const body = `v${++counter}-p${op.p}`;
        await buckets[op.p]!.put(key, body, { tags });
        const j = journaled.slice(mark).find((e) => e.key === key && e.op === 'put');
        if (j) acked.push({ key, body, version: fromRecord(j.record) });
      } else {
        await buckets[op.p]!.delete(key, { tags });
        const j = journaled.slice(mark).find((e) => e.key === key && e.op === 'delete');
        if (j) ackedDeletes.push({ key, version: { ...fromRecord(j.record), deleted: true } });
      }
    } catch {
      // Not acknowledged: it may or may not take effect.
    }
  };

  const setFaults = (rate: number) => {
    faulty.forEach((f) => f.setErrorRate(rate));
    lostRate = rate / 2;
  };
  const quiesce = async () => {
    crashing = false;
    setFaults(0);
    for (let i = 0; i < 12; i++) {
      const reports = await engine.drain();
      const rec = await engine.reconcile({ allowMassDelete: true });
      const writes = reports.reduce((n, r) => n + r.writes, 0);
      if (rec.changed === 0 && writes === 0 && rec.failedKeys.length === 0 && reports.every((r) => r.failedKeys.length === 0)) return;
    }
    throw new Error('did not quiesce within 12 rounds');
  };

  const profile = new Map<string, number>();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    opIndex = i;
    if (dbgKey && (op.t === 'replicate' || op.t === 'restart' || op.t === 'reconcile' || op.t === 'oobShared' || ((op.t === 'put' || op.t === 'del') && keyOf(op.k, op.eu) === dbgKey))) trace.push(`#${i} op ${JSON.stringify(op)}`);
    const t0 = performance.now();
    try {
    switch (op.t) {
      case 'put':
      case 'del':
        await write(op);
        break;
      case 'burst': {
        const group = ops.slice(i + 1, i + 1 + op.n).filter((o): o is Extract<Op, { t: 'put' | 'del' }> => o.t === 'put' || o.t === 'del');
        const seen = new Set<string>();
        const distinct = group.filter((o) => !seen.has(keyOf(o.k, o.eu)) && seen.add(keyOf(o.k, o.eu)));
        await Promise.all(distinct.map(write));
        i += op.n;
        break;
      }
      case 'replicate':
        crashing = op.crash;
        try {
          await engine.runOnce();
        } catch (e) {
          if (dbgKey) trace.push(`#${i} crash ${(e as Error).message}`);
          engine.restartReplicator(); // crashed: a new process takes over (the old one's work may still run)
        }
        crashing = false;
        break;
      case 'restart':
        engine.restartReplicator();
        break;
      case 'tick':
        await fake.advance(op.ms);
        break;
      case 'oobPut':
        raw[op.b]!.cloud.putObject(PHYS[op.b]!, `oob/k${op.k}`, `oob${++counter}`);
        break;
      case 'oobDel':
        raw[op.b]!.cloud.deleteObject(PHYS[op.b]!, `oob/k${op.k}`);
        break;
      case 'oobShared': {
        // Outside changes to shared keys, made after everything acknowledged has been replicated.
        await quiesce();
        const key = `k${op.k}`;
        if (op.del) raw[op.b]!.cloud.deleteObject(PHYS[op.b]!, key);
        else if (raw[op.b]!.cloud.getObject(PHYS[op.b]!, key)) raw[op.b]!.cloud.putObject(PHYS[op.b]!, key, `shared-oob${++counter}`);
        break;
      }
      case 'reconcile':
        try {
          await engine.reconcile({ allowMassDelete: true });
        } catch {
          engine.restartReplicator();
        }
        break;
      case 'faults':
        setFaults(op.rate);
        break;
      case 'resolveConflicts': {
        // The user reads the conflict copies and deletes them through polycloud (acknowledged deletes).
        const home = raw[op.p]!.cloud.keys(PHYS[op.p]!).filter((k) => k.includes('.conflict-'));
        for (const key of home) await write({ t: 'del', p: op.p, k: -1, eu: false, key } as never);
        break;
      }
    }
    } finally {
      profile.set(op.t, (profile.get(op.t) ?? 0) + performance.now() - t0);
    }
  }
  if (process.env['SYNC_SIM_PROFILE']) console.log(Object.fromEntries([...profile].map(([k, v]) => [k, Math.round(v)])));
  await quiesce();

  // ---- checks ----
  const problems: string[] = [];
  const snap = (i: number) =>
    new Map(
      raw[i]!.inspect(PHYS[i]!)
        .filter((o) => !o.key.startsWith('_polycloud/'))
        .map((o) => [o.key, JSON.stringify({ body: Buffer.from(o.data).toString('base64'), metadata: o.metadata, contentType: o.contentType })]),
    );
  const [sa, sb, sc] = [snap(0), snap(1), snap(2)];
  const same = (x: Map<string, string>, y: Map<string, string>, filter: (k: string) => boolean) => {
    const keys = new Set([...x.keys(), ...y.keys()].filter(filter));
    for (const k of keys) if (x.get(k) !== y.get(k)) problems.push(`copies differ at ${k}`);
  };
  same(sa, sb, () => true);
  same(sa, sc, (k) => !k.startsWith('eu/'));
  for (const k of sc.keys()) if (k.startsWith('eu/')) problems.push(`residency violated: ${k} on us binding`);
  if (violations.length) problems.push(`residency violated by writes to the us binding: ${violations.slice(0, 5).join(', ')}`);

  const final = new Map<string, { version: ObjectVersion; body: string }>();
  for (const o of raw[0]!.inspect('pa')) {
    const v = versionFromMetadata(o.metadata);
    if (v && !o.key.startsWith('_polycloud/')) final.set(o.key, { version: v, body: Buffer.from(o.data).toString() });
  }
  // Versions that may supersede a write, by key (causality is per key).
  const superseders = new Map<string, ObjectVersion[]>();
  const addS = (key: string, v: ObjectVersion) => {
    // A conflict copy (and a delete of it) continues the history of the key it came from.
    const i = key.indexOf('.conflict-');
    for (const k of i > 0 ? [key, key.slice(0, i)] : [key]) {
      const l = superseders.get(k);
      if (l) l.push(v);
      else superseders.set(k, [v]);
    }
  };
  for (const j of journaled) addS(j.key, fromRecord(j.record));
  for (const a of adopted) addS(a.key, fromRecord(a.record));
  for (const [k, f] of final) addS(k, f.version);
  const sameId = (x: ObjectVersion, y: ObjectVersion) => x.origin === y.origin && x.hlc.l === y.hlc.l && x.hlc.c === y.hlc.c;
  let lost = 0;
  for (const w of acked) {
    const f = final.get(w.key);
    if (f && sameId(f.version, w.version) && f.body === w.body) continue;
    const ck = final.get(conflictKey(w.key, w.version));
    if (ck && ck.body === w.body) continue;
    // Superseded by a causally later write or delete of the key, or of its conflict copy (the user resolved it).
    const later = [...(superseders.get(w.key) ?? []), ...(superseders.get(conflictKey(w.key, w.version)) ?? [])];
    if (later.some((s) => compareVectors(w.version.vv, s.vv) === 'before')) continue;
    lost++;
    if (lost <= 5) problems.push(`lost acknowledged write ${w.key}=${w.body}`);
    if (process.env['SYNC_SIM_DEBUG'] === w.key) {
      const show = (v: ObjectVersion) => `${v.hlc.l % 1e6}.${v.hlc.c}@${v.origin} vv=${Object.entries(v.vv).map(([o, h]) => `${o}:${h.l % 1e6}.${h.c}`).join(',')}${v.deleted ? ' DEL' : ''}`;
      console.log('lost', show(w.version), w.body, 'final', f ? `${show(f.version)} ${f.body}` : 'absent');
      console.log(trace.join('\n'));
    }
  }
  for (const d of ackedDeletes) {
    const f = final.get(d.key);
    if (!f) continue;
    const c = compareVectors(f.version.vv, d.version.vv);
    if (c === 'before' || c === 'equal') {
      problems.push(`deleted ${d.key} came back`);
      if (process.env['SYNC_SIM_DEBUG']) {
        const show = (v: ObjectVersion) => `${v.hlc.l % 1e6}.${v.hlc.c}@${v.origin} vv=${Object.entries(v.vv).map(([o, h]) => `${o}:${h.l % 1e6}.${h.c}`).join(',')}${v.deleted ? ' DEL' : ''}`;
        console.log('delete', show(d.version), 'final', show(f.version), f.body);
        for (const j of journaled.filter((x) => x.key === d.key)) console.log('  journaled', j.op, show(fromRecord(j.record)));
        console.log(trace.join('\n'));
        for (let i = 0; i < 3; i++) {
          for (const o of raw[i]!.inspect(PHYS[i]!).filter((x) => x.key.startsWith('_polycloud/lb/journal/'))) {
            const lines = Buffer.from(o.data).toString().split('\n').filter((l) => l.includes(`"${d.key}"`));
            if (lines.length) console.log('JOURNAL', NAMES[i], o.key, lines.join(' | '));
          }
        }
        for (const o of raw[0]!.inspect('pa').filter((x) => x.key.includes('checkpoints'))) console.log('CP', o.key, Buffer.from(o.data).toString());
      }
    }
  }

  // Replaying every change is a no-op: forget all checkpoints, restart, drain.
  const before = [sa, sb, sc].map((m) => JSON.stringify([...m]));
  for (const k of raw[0]!.cloud.keys('pa-sync').filter((x) => x.startsWith('_polycloud/lb/checkpoints/'))) raw[0]!.cloud.deleteObject('pa-sync', k);
  engine.restartReplicator();
  const replay = await engine.drain();
  const replayWrites = replay.reduce((n, r) => n + r.writes, 0);
  if (replayWrites !== 0) problems.push(`replay wrote ${replayWrites} times`);
  const after = [snap(0), snap(1), snap(2)].map((m) => JSON.stringify([...m]));
  if (after.join() !== before.join()) problems.push('replay changed the copies');
  await Promise.all(processes.map((pc) => pc.close()));
  return { problems, acked: acked.length, deletes: ackedDeletes.length, replayed: replay.reduce((n, r) => n + r.entries, 0), keys: sa.size, conflicts: [...sa.keys()].filter((k) => k.includes('.conflict-')).length };
}

describe('sync engine deterministic simulation', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: ${OPS} operations converge with nothing lost`, async () => {
      const ops = fc.sample(fc.array(opArb, { minLength: OPS, maxLength: OPS }), { seed, numRuns: 1 })[0]!;
      const result = await simulate(seed, ops);
      if (result.problems.length) {
        console.error(`sync simulation failed for seed ${seed}. Replay: SYNC_SIM_SEED=${seed} SYNC_SIM_OPS=${OPS} npx vitest run packages/core/test/sync-simulation.test.ts\n${result.problems.slice(0, 20).join('\n')}`);
      }
      expect(result.problems).toEqual([]);
      expect(result.acked).toBeGreaterThan(OPS / 5);
      expect(result.replayed).toBeGreaterThan(0);
      console.log(`seed ${seed}: ${OPS} ops, ${result.acked} acked puts, ${result.deletes} acked deletes, ${result.keys} keys, ${result.conflicts} conflict copies, replayed ${result.replayed} entries`);
    }, 300_000);
  }
});
