import type { Clock, Polycloud } from '@polycloud/core';
import { sleep, type StorageAdapter, unsupportedStorageOperations } from '@polycloud/core/spi';
import {
  createFakeClock,
  createFaultInjectingStorageAdapter,
  createMemoryStorageAdapter,
  type FakeClock,
  type FaultInjectingStorageAdapter,
} from '@polycloud/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { primaryStandby } from './helpers.js';

/**
 * Slow is not dead. A primary that is slow but alive must keep its traffic (no probe
 * verdict, no failover, no call cut), a primary that hangs must still be marked down
 * within 1 s, and a primary that recovers must not flap. Fake clock, DEFAULT router
 * settings (probes every 250 ms, 500 ms configured timeout).
 */

/**
 * A server with `concurrency` slots, each call (probes included) served for
 * `serviceMs` on the clock, the rest waiting in arrival order — the latency of a
 * call or probe grows with the load in front of it, as on an emulator taking a
 * burst. Records how long each probe took.
 */
function queueing(inner: StorageAdapter, clock: Clock, o: { concurrency: number; serviceMs: number }): StorageAdapter & { probeLatencies: number[] } {
  let busy = 0;
  const waiting: (() => void)[] = [];
  const acquire = (signal: AbortSignal | undefined) =>
    busy < o.concurrency && waiting.length === 0
      ? (busy++, Promise.resolve())
      : new Promise<void>((resolve, reject) => {
          const onAbort = () => {
            const i = waiting.indexOf(go);
            if (i >= 0) waiting.splice(i, 1);
            reject(signal!.reason);
          };
          const go = () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          };
          waiting.push(go); // the slot is handed over as is: `busy` stays
          signal?.addEventListener('abort', onAbort, { once: true });
        });
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else busy--;
  };
  const serve = async <T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> => {
    await acquire(signal);
    try {
      await sleep(clock, o.serviceMs, signal);
      return await call();
    } finally {
      release();
    }
  };
  const probeLatencies: number[] = [];
  return {
    // Queues only the basic operations: the others are not declared, and raise.
    ...unsupportedStorageOperations(inner.type),
    type: inner.type,
    name: inner.name,
    capabilities: { ...inner.capabilities, batchDelete: false, copy: false, presign: false },
    probeLatencies,
    ensureBucket: (b) => inner.ensureBucket(b),
    put: (b, k, body, x) => serve(x?.signal, () => inner.put(b, k, body, x)),
    get: (b, k, x) => serve(x?.signal, () => inner.get(b, k, x)),
    head: (b, k, x) => serve(x?.signal, () => inner.head(b, k, x)),
    list: (b, x) => serve(x?.signal, () => inner.list(b, x)),
    delete: (b, k, x) => serve(x?.signal, () => inner.delete(b, k, x)),
    probe: async (b, x) => {
      const t = clock.now();
      await serve(x?.signal, () => inner.probe!(b, x));
      probeLatencies.push(clock.now() - t);
    },
  };
}

interface Run {
  pc: Polycloud;
  clock: FakeClock;
  primary: FaultInjectingStorageAdapter;
  server?: ReturnType<typeof queueing>;
  /** aws health transitions: [clock, state, healthy]. */
  health: { at: number; state: string; healthy?: boolean }[];
  failovers: number;
  cut: number;
  puts: { startedAt: number; doneAt: number; binding?: string }[];
}

/**
 * Primary 'aws' (memory, behind core's fault injector; optionally behind a queueing
 * server), standby 'azure' (memory). Default router settings.
 */
function setup(o: { queue?: { concurrency: number; serviceMs: number }; latencyMs?: number | { min: number; max: number } } = {}): Run {
  const clock = createFakeClock();
  const memory = createMemoryStorageAdapter({ name: 'aws', buckets: ['a'], clock });
  const server = o.queue ? queueing(memory, clock, o.queue) : undefined;
  const primary = createFaultInjectingStorageAdapter(server ?? memory, { clock, seed: 7, latencyMs: o.latencyMs ?? 0 });
  const standby = createMemoryStorageAdapter({ name: 'azure', buckets: ['z'], clock });
  const pc = primaryStandby(clock, primary, standby);
  const run: Run = { pc, clock, primary, ...(server ? { server } : {}), health: [], failovers: 0, cut: 0, puts: [] };
  pc.events.on('health', (e) => {
    if (e.binding === 'aws') run.health.push({ at: clock.now(), state: String(e['state']), ...(e.healthy === undefined ? {} : { healthy: e.healthy }) });
  });
  pc.events.on('failover', () => void run.failovers++);
  pc.events.on('operation', (e) => {
    if (!e.ok && /marked unhealthy/.test(e.error?.message ?? '')) run.cut++;
  });
  return run;
}

let n = 0;
/** Starts `count` puts at once (not awaited; recorded in `run.puts`). */
function burst(run: Run, count: number): void {
  const bucket = run.pc.bucket('lb-1');
  for (let i = 0; i < count; i++) {
    const rec: Run['puts'][number] = { startedAt: run.clock.now(), doneAt: NaN };
    run.puts.push(rec);
    bucket.put(`k${n++}`, 'x').then(
      (r) => Object.assign(rec, { doneAt: run.clock.now(), binding: r.binding }),
      () => Object.assign(rec, { doneAt: run.clock.now() }),
    );
  }
}

/** Advances `ms` in steps of `stepMs`, starting `perStep` puts at each step. */
async function steady(run: Run, ms: number, stepMs: number, perStep: number): Promise<void> {
  for (const end = run.clock.now() + ms; run.clock.now() < end;) {
    burst(run, perStep);
    await run.clock.advance(stepMs);
  }
}

/** The slow server of these tests: 40 answers/s. */
const SLOW_QUEUE = { concurrency: 2, serviceMs: 50 };

const downs = (run: Run) => run.health.filter((h) => h.healthy === false);

let open: Polycloud | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

describe('slow but alive: no failover storm', () => {
  it('a burst of 300 puts queues the probe ~3× past its 500 ms timeout while calls keep answering: never marked down, nothing cut or failed over', async () => {
    // 2 slots × 50 ms: 40 answers/s. Core lets 64 calls out per binding (its default
    // concurrency), so a probe queues behind up to 64 puts: ~1.6 s, over 3× its
    // timeout; an answer comes every 25 ms all the while.
    const run = setup({ queue: SLOW_QUEUE });
    open = run.pc;
    await steady(run, 1000, 50, 1); // light traffic first
    for (let round = 0; round < 3; round++) {
      burst(run, 300);
      await steady(run, 10_000, 100, 1);
    }
    await run.clock.advance(15_000);
    expect(downs(run)).toEqual([]);
    expect(run.failovers).toBe(0);
    expect(run.cut).toBe(0);
    expect(run.puts.length).toBeGreaterThan(1200);
    expect(run.puts.filter((p) => p.binding !== 'aws')).toEqual([]); // all acknowledged by the primary
    expect(Math.max(...run.server!.probeLatencies)).toBeGreaterThanOrEqual(3 * 500); // the scenario is what it says
  });

  it('a primary that degrades until every call and probe takes 2–4× the probe timeout keeps its traffic through a burst of 300', async () => {
    const run = setup({ latencyMs: 100 });
    open = run.pc;
    await steady(run, 1000, 50, 1);
    run.primary.setLatency({ min: 400, max: 800 });
    await steady(run, 2000, 50, 1);
    run.primary.setLatency({ min: 1000, max: 2000 }); // probes too: 2–4× the 500 ms timeout
    burst(run, 300);
    await steady(run, 6000, 50, 1);
    await run.clock.advance(20_000);
    expect(downs(run)).toEqual([]);
    expect(run.failovers).toBe(0);
    expect(run.cut).toBe(0);
    expect(run.puts.length).toBeGreaterThan(450);
    expect(run.puts.filter((p) => p.binding !== 'aws')).toEqual([]);
  });
});

describe('dead is still dead: marked down fast', () => {
  it('a primary that hangs (every call and probe) under a burst of 300 in flight is marked down within 1 s and the puts fail over', async () => {
    const run = setup({ latencyMs: 1 });
    open = run.pc;
    await steady(run, 1000, 10, 1);
    const hungAt = run.clock.now();
    run.primary.setTimeoutRate(1); // hangs 30 s, then TIMEOUT
    burst(run, 300);
    await steady(run, 2000, 10, 1);
    const down = downs(run)[0];
    expect(down).toBeDefined();
    expect(down!.at - hungAt).toBeLessThanOrEqual(1000);
    run.primary.setTimeoutRate(0);
    await run.clock.advance(31_000);
    const after = run.puts.filter((p) => p.startedAt >= hungAt);
    expect(after.filter((p) => p.binding !== 'azure')).toEqual([]); // every one acknowledged, by the standby
    expect(Math.max(...after.map((p) => p.doneAt - p.startedAt))).toBeLessThanOrEqual(1000);
  });

  it('a primary that was slow and busy, then hangs, is marked down once a whole adaptive deadline passes without any answer', async () => {
    const run = setup({ queue: SLOW_QUEUE });
    open = run.pc;
    burst(run, 300);
    await steady(run, 1000, 50, 1);
    const hungAt = run.clock.now();
    run.primary.setTimeoutRate(1); // new calls and probes hang; the queue still drains what it holds
    await steady(run, 8000, 50, 1);
    const down = downs(run)[0];
    expect(down).toBeDefined();
    // the server answers what it holds for ≤ 1.6 s more; the deadline is at most maxTimeoutMs (5 s)
    expect(down!.at - hungAt).toBeLessThanOrEqual(1600 + 5000 + 250);
    const late = run.puts.filter((p) => p.startedAt >= down!.at);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((p) => p.binding === 'azure')).toBe(true);
  });
});

describe('recovery does not flap', () => {
  it('after an outage, a primary that is slow under the returning load comes back once and stays up', async () => {
    const run = setup({ queue: SLOW_QUEUE });
    open = run.pc;
    await steady(run, 1000, 50, 1);
    run.primary.outage(true); // refused: really down
    await steady(run, 1000, 50, 1);
    run.primary.outage(false);
    const recoveredAt = run.clock.now();
    for (let round = 0; round < 4; round++) {
      burst(run, 300);
      await steady(run, 9000, 50, 1);
    }
    await run.clock.advance(3000);
    const flips = run.health.filter((h) => h.healthy !== undefined).map((h) => h.healthy);
    const collapsed = flips.filter((v, i) => i === 0 || v !== flips[i - 1]);
    expect(collapsed).toEqual([false, true]); // down once, up once
    expect(run.health.filter((h) => h.at > recoveredAt && h.healthy === false)).toEqual([]);
    // and the primary did take the load back
    expect(run.puts.filter((p) => p.startedAt > recoveredAt + 12_000 && p.binding === 'aws').length).toBeGreaterThan(300);
  });
});
