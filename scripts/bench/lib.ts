/**
 * What the storage benches (storage-s3.ts, storage-gcs.ts, storage-azure.ts) share:
 * statistics, a generated stream, an RSS sampler, body draining, the interleaved
 * latency loop and the streamed put/get phase.
 */
import { cpus } from 'node:os';
import { Readable } from 'node:stream';
import type { LogicalBucketClient } from '@polycloud/core';

export const MiB = 1024 * 1024;

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

/**
 * Median over iterations of (x / y) of the same iteration: both ran back to back and
 * so saw the same machine load — the steadier figure on a shared machine.
 */
export const pairedRatio = (xs: number[], ys: number[]): number => round(median(xs.map((x, i) => x / ys[i]!)));

/** `cores × model, Node version` of this machine. */
export const machine = (): string => `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;

/**
 * A stream of `total` bytes made by pushing one constant 1 MiB chunk again and
 * again: nothing big is held or allocated by the generator itself, so the RSS
 * measured is the upload's own.
 */
export function generated(total: number): Readable {
  const chunk = Buffer.alloc(MiB, 0xa5);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(MiB, total - sent);
      sent += n;
      this.push(n === MiB ? chunk : chunk.subarray(0, n));
    },
  });
}

export interface RssSampler {
  /** Peak RSS so far (bytes), including now. */
  peak(): number;
  /** Stops sampling; returns the peak (bytes). Idempotent. */
  stop(): number;
}

/** Samples this process's RSS every 20 ms and keeps the peak. */
export function rssSampler(): RssSampler {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  return {
    peak: () => Math.max(peak, process.memoryUsage.rss()),
    stop: () => (clearInterval(timer), (peak = Math.max(peak, process.memoryUsage.rss()))),
  };
}

/** Reads a body to the end; returns its length in bytes. */
export async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += chunk.length;
  return n;
}

/** Runs `fn`; pushes its duration (ms) into `into` unless `into` is undefined (warm-up). */
export async function time(into: number[] | undefined, fn: () => Promise<unknown>): Promise<void> {
  const start = performance.now();
  await fn();
  into?.push(performance.now() - start);
}

export type Step = () => Promise<void>;

/**
 * The latency loop: `min(30, iterations)` warm-up rounds, then `iterations` measured
 * ones. `steps(i, measuring)` gives two orders of the same steps; odd rounds run the
 * first, even rounds the second, so no side gets a systematic advantage.
 */
export async function interleaved(iterations: number, steps: (i: number, measuring: boolean) => [Step[], Step[]]): Promise<void> {
  const warmup = Math.min(30, iterations);
  for (let i = 0; i < warmup + iterations; i++) {
    const [odd, even] = steps(i, i >= warmup);
    for (const step of i % 2 ? odd : even) await step();
  }
}

/** The part of a LogicalBucketClient the stream phase needs. */
export type StreamBucket = Pick<LogicalBucketClient, 'put' | 'get' | 'delete'>;

export interface StreamFigures {
  putMiBps: number;
  getMiBps: number;
  /** RSS (bytes) right before the streamed put. */
  baselineRss: number;
  /** Peak RSS (bytes) during the put. */
  putPeakRss: number;
  /** Peak RSS (bytes) during the put and get. */
  peakRss: number;
}

/**
 * Puts a generated stream of `bytes` under `key`, reads it back to the end, checks both
 * sizes, deletes it; measures both throughputs and the peak RSS during the two.
 *
 * The benches run this first, after one small put and get have loaded and warmed the
 * clients: the peak is then what streaming needs on top of a process holding every SDK,
 * not the heap the latency loop grew (V8 does not hand that back). The RSS before the
 * streams is reported next to the peak.
 */
export async function streamRoundTrip(bucket: StreamBucket, bytes: number, key = 'stream/big'): Promise<StreamFigures> {
  await bucket.put(`${key}-warm-up`, Buffer.alloc(1024));
  await drain((await bucket.get(`${key}-warm-up`)).body);
  await bucket.delete(`${key}-warm-up`);
  const baselineRss = process.memoryUsage.rss();
  const rss = rssSampler();
  try {
    let start = performance.now();
    const put = await bucket.put(key, generated(bytes));
    const putSeconds = (performance.now() - start) / 1000;
    if (put.size !== bytes) throw new Error(`streamed put stored ${put.size} bytes, expected ${bytes}`);
    const putPeakRss = rss.peak();
    start = performance.now();
    const read = await drain((await bucket.get(key)).body);
    const getSeconds = (performance.now() - start) / 1000;
    if (read !== bytes) throw new Error(`streamed get read ${read} bytes, expected ${bytes}`);
    const peakRss = rss.stop();
    await bucket.delete(key);
    return { putMiBps: round(bytes / MiB / putSeconds, 1), getMiBps: round(bytes / MiB / getSeconds, 1), baselineRss, putPeakRss, peakRss };
  } finally {
    rss.stop();
  }
}

/** `--name N` from the command line, as a number (undefined when absent or not a positive number). */
export function numberArg(name: string, argv: string[] = process.argv): number | undefined {
  const i = argv.indexOf(name);
  const n = i > 0 ? Number(argv[i + 1]) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Env var through which `npm run bench:storage` hands a child the emulator it started. */
export const EMULATOR_ENV = 'POLYCLOUD_BENCH_EMULATOR';

/**
 * The connection facts of an emulator the orchestrator started (JSON in
 * POLYCLOUD_BENCH_EMULATOR), or undefined when the bench runs alone and starts its own.
 */
export function emulatorFromEnv<T>(): T | undefined {
  const raw = process.env[EMULATOR_ENV];
  return raw ? (JSON.parse(raw) as T) : undefined;
}

/** One side of the 1 KiB latency comparison: put and whole-body get of a key. */
export interface LatencySide {
  put(key: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
}

export interface LatencyFigures {
  /**
   * Medians, ms. `ratio` = median polycloud / median raw SDK; `pairedRatio` = median over
   * rounds of (polycloud / raw SDK) of the same round, which run back to back and so see
   * the same machine load: the steadier figure on a shared machine. `adapterMs` and
   * `adapterRatio` come from the second loop, the adapter called directly (no facade)
   * against the raw SDK, to split the overhead.
   */
  put1KiB: { polycloudMs: number; rawSdkMs: number; ratio: number; pairedRatio: number; adapterMs: number; adapterRatio: number };
  get1KiB: { polycloudMs: number; rawSdkMs: number; ratio: number; pairedRatio: number; adapterMs: number; adapterRatio: number };
  /** Per extra step of the second loop: its times (ms), measured rounds only. */
  extras: Record<string, number[]>;
}

/**
 * The 1 KiB latency phase every storage bench runs. First loop — the figure: polycloud
 * against the raw SDK, call for call, nothing else in between (the pair order flips
 * every round; keys `lat/pc-N` / `lat/raw-N`). Second loop — where the difference goes:
 * the adapter alone against the raw SDK, plus any `extras` (diagnostic steps given the
 * round's raw and adapter keys), in a loop of its own.
 */
export async function latencyLoops(
  iterations: number,
  sides: {
    polycloud: LatencySide;
    adapter: LatencySide;
    raw: LatencySide;
    extras?: Record<string, (keys: { raw: string; adapter: string }) => Promise<unknown>>;
  },
): Promise<LatencyFigures> {
  const t = {
    pcPut: [] as number[],
    rawPut: [] as number[],
    pcGet: [] as number[],
    rawGet: [] as number[],
    adPut: [] as number[],
    adRawPut: [] as number[],
    adGet: [] as number[],
    adRawGet: [] as number[],
  };
  const extras: Record<string, number[]> = Object.fromEntries(Object.keys(sides.extras ?? {}).map((name) => [name, []]));
  // A pair of timed steps on one key: `a` then `b` on odd rounds, `b` then `a` on even ones.
  const step =
    (into: number[] | undefined, fn: () => Promise<unknown>): Step =>
    () =>
      time(into, fn);
  await interleaved(iterations, (i, m) => {
    const pc = `lat/pc-${i % 50}`;
    const raw = `lat/raw-${i % 50}`;
    const pcPut = step(m ? t.pcPut : undefined, () => sides.polycloud.put(pc));
    const pcGet = step(m ? t.pcGet : undefined, () => sides.polycloud.get(pc));
    const rawPut = step(m ? t.rawPut : undefined, () => sides.raw.put(raw));
    const rawGet = step(m ? t.rawGet : undefined, () => sides.raw.get(raw));
    return [
      [pcPut, rawPut, pcGet, rawGet],
      [rawPut, pcPut, rawGet, pcGet],
    ];
  });
  await interleaved(iterations, (i, m) => {
    const keys = { adapter: `lat/ad-${i % 50}`, raw: `lat/raw-${i % 50}` };
    const adPut = step(m ? t.adPut : undefined, () => sides.adapter.put(keys.adapter));
    const adGet = step(m ? t.adGet : undefined, () => sides.adapter.get(keys.adapter));
    const rawPut = step(m ? t.adRawPut : undefined, () => sides.raw.put(keys.raw));
    const rawGet = step(m ? t.adRawGet : undefined, () => sides.raw.get(keys.raw));
    const more = Object.entries(sides.extras ?? {}).map(([name, fn]) => step(m ? extras[name] : undefined, () => fn(keys)));
    return [
      [adPut, rawPut, adGet, rawGet, ...more],
      [rawPut, adPut, rawGet, adGet, ...more.reverse()],
    ];
  });
  const figures = (pc: number[], raw: number[], ad: number[], adRaw: number[]) => ({
    polycloudMs: round(median(pc)),
    rawSdkMs: round(median(raw)),
    ratio: round(median(pc) / median(raw)),
    pairedRatio: pairedRatio(pc, raw),
    adapterMs: round(median(ad)),
    adapterRatio: pairedRatio(ad, adRaw),
  });
  return { put1KiB: figures(t.pcPut, t.rawPut, t.adPut, t.adRawPut), get1KiB: figures(t.pcGet, t.rawGet, t.adGet, t.adRawGet), extras };
}
