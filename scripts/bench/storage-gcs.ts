/**
 * GCS storage bench against the firebase-tools 15.34.2 storage emulator (on loopback,
 * in a child process, so its memory is not counted here):
 * - median latency of 1 KiB put and get through polycloud (a LogicalBucket with one
 *   binding on the gcs adapter: bucket.put / bucket.getBytes), through the adapter
 *   alone, and through the raw SDK (file.save / file.download), interleaved in one
 *   run with alternating order;
 * - throughput of a large generated stream put (resumable upload) and read back
 *   through polycloud, never held in memory;
 * - peak RSS of this process, sampled every 20 ms.
 *
 * The emulator finalises a resumable upload on its first PUT (chunked uploads fail),
 * so the adapter's default single-request resumable upload is measured; the
 * emulator buffers each object in its own process, which is not counted here.
 *
 * Run alone: `node --import tsx scripts/bench/storage-gcs.ts [--bytes N] [--iterations N]`.
 */
import { cpus } from 'node:os';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Storage } from '@google-cloud/storage';
import { createPolycloud } from '@polycloud/core';
import { createGcsAdapter } from '@polycloud/adapter-gcp';
import { startGcsEmulator } from '@polycloud/emulators';

export interface GcsBenchFigures {
  adapter: 'gcs';
  emulator: 'firebase-tools 15.34.2 storage emulator';
  date: string;
  machine: string;
  iterations: number;
  /** Medians, ms; `adapterMs` is the adapter called directly (no facade), to split the overhead. */
  put1KiB: { polycloudMs: number; adapterMs: number; rawSdkMs: number; ratio: number };
  /** `leanAdapterMs`: the adapter with `readMetadataOnGet: false` (one request, no custom metadata). */
  get1KiB: { polycloudMs: number; adapterMs: number; leanAdapterMs: number; rawSdkMs: number; ratio: number; leanRatio: number };
  stream: { bytes: number; upload: 'resumable, one streamed request'; putMiBps: number; getMiBps: number };
  /** RSS after the latency phase, before the streams. */
  baselineRssMiB: number;
  /** Peak RSS over the whole run, sampled every 20 ms. */
  peakRssMiB: number;
  /** Peak RSS during the streamed put and get only. */
  streamPeakRssMiB: number;
}

export interface GcsBenchOptions {
  iterations?: number;
  streamBytes?: number;
}

const MiB = 1024 * 1024;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** `total` bytes pushed as one reused constant 1 MiB chunk: the generator holds nothing big. */
function generated(total: number): Readable {
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

function rssSampler() {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  return { peak: () => Math.max(peak, process.memoryUsage.rss()), stop: () => (clearInterval(timer), peak) };
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += chunk.length;
  return n;
}

export async function benchGcs(options: GcsBenchOptions = {}): Promise<GcsBenchFigures> {
  const iterations = options.iterations ?? 300;
  const streamBytes = options.streamBytes ?? 256 * MiB;
  const rss = rssSampler();
  const emu = await startGcsEmulator(); // also sets METADATA_SERVER_DETECTION=none
  const physical = `bench-${Date.now().toString(36)}`;
  const adapter = createGcsAdapter({ projectId: emu.projectId, apiEndpoint: emu.apiEndpoint }, { name: 'gcp' });
  const lean = createGcsAdapter({ projectId: emu.projectId, apiEndpoint: emu.apiEndpoint, readMetadataOnGet: false }, { name: 'gcp-lean' });
  const polycloud = createPolycloud({
    providers: [{ name: 'gcp', adapter }],
    resources: [{ resource_id: 'lb-bench', type: 'LogicalBucket', providers: [{ cloud: 'gcp', physical_id: physical }] }],
  });
  // The raw SDK configured the same way as the adapter's client (no SDK retries, no auth).
  const raw = new Storage({ projectId: emu.projectId, apiEndpoint: emu.apiEndpoint, useAuthWithCustomEndpoint: false, retryOptions: { autoRetry: false } });
  const rawBucket = raw.bucket(physical);
  try {
    await adapter.ensureBucket(physical);
    const bucket = polycloud.bucket('lb-bench');
    const body = Buffer.alloc(1024, 0x42);
    const t = { pcPut: [] as number[], adPut: [] as number[], rawPut: [] as number[], pcGet: [] as number[], adGet: [] as number[], leanGet: [] as number[], rawGet: [] as number[] };
    const time = async (into: number[] | undefined, fn: () => Promise<unknown>) => {
      const start = performance.now();
      await fn();
      into?.push(performance.now() - start);
    };
    const warmup = Math.min(30, iterations);
    for (let i = 0; i < warmup + iterations; i++) {
      const m = i >= warmup;
      const pcKey = `lat/pc-${i % 50}`;
      const adKey = `lat/ad-${i % 50}`;
      const rawKey = `lat/raw-${i % 50}`;
      const pcPut = () => time(m ? t.pcPut : undefined, () => bucket.put(pcKey, body));
      const adPut = () => time(m ? t.adPut : undefined, () => adapter.put(physical, adKey, body));
      const rawPut = () => time(m ? t.rawPut : undefined, () => rawBucket.file(rawKey).save(body, { resumable: false, contentType: 'application/octet-stream' }));
      const pcGet = () => time(m ? t.pcGet : undefined, () => bucket.getBytes(pcKey));
      const adGet = () => time(m ? t.adGet : undefined, async () => drain((await adapter.get(physical, adKey)).body));
      const leanGet = () => time(m ? t.leanGet : undefined, async () => drain((await lean.get(physical, adKey)).body));
      const rawGet = () => time(m ? t.rawGet : undefined, () => rawBucket.file(rawKey).download());
      // Alternate which side goes first so neither gets a systematic advantage.
      const order = i % 2 ? [pcPut, adPut, rawPut, pcGet, adGet, leanGet, rawGet] : [rawPut, adPut, pcPut, rawGet, leanGet, adGet, pcGet];
      for (const step of order) await step();
    }

    const baseline = process.memoryUsage.rss();
    const streamRss = rssSampler();
    let start = performance.now();
    const put = await bucket.put('stream/big', generated(streamBytes));
    const putSeconds = (performance.now() - start) / 1000;
    if (put.size !== streamBytes) throw new Error(`streamed put stored ${put.size} bytes, expected ${streamBytes}`);
    start = performance.now();
    const read = await drain((await bucket.get('stream/big')).body);
    const getSeconds = (performance.now() - start) / 1000;
    const streamPeak = streamRss.stop();
    if (read !== streamBytes) throw new Error(`streamed get read ${read} bytes, expected ${streamBytes}`);
    await bucket.delete('stream/big');

    const put1 = { polycloudMs: round(median(t.pcPut)), adapterMs: round(median(t.adPut)), rawSdkMs: round(median(t.rawPut)) };
    const get1 = { polycloudMs: round(median(t.pcGet)), adapterMs: round(median(t.adGet)), leanAdapterMs: round(median(t.leanGet)), rawSdkMs: round(median(t.rawGet)) };
    return {
      adapter: 'gcs',
      emulator: 'firebase-tools 15.34.2 storage emulator',
      date: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
      iterations,
      put1KiB: { ...put1, ratio: round(put1.polycloudMs / put1.rawSdkMs) },
      get1KiB: { ...get1, ratio: round(get1.polycloudMs / get1.rawSdkMs), leanRatio: round(get1.leanAdapterMs / get1.rawSdkMs) },
      stream: { bytes: streamBytes, upload: 'resumable, one streamed request', putMiBps: round(streamBytes / MiB / putSeconds, 1), getMiBps: round(streamBytes / MiB / getSeconds, 1) },
      baselineRssMiB: round(baseline / MiB, 1),
      peakRssMiB: round(rss.peak() / MiB, 1),
      streamPeakRssMiB: round(streamPeak / MiB, 1),
    };
  } finally {
    rss.stop();
    await polycloud.close();
    await emu.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const streamBytes = arg('--bytes');
  const iterations = arg('--iterations');
  console.log(JSON.stringify(await benchGcs({ ...(streamBytes ? { streamBytes } : {}), ...(iterations ? { iterations } : {}) }), null, 2));
}
