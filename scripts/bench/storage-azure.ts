/**
 * Azure Blob storage bench against Azurite (in memory, on loopback):
 * - median latency of 1 KiB put and get through polycloud (a LogicalBucket with one
 *   binding on the azure-blob adapter) vs the raw SDK (BlockBlobClient.upload /
 *   downloadToBuffer), interleaved in one run so both see the same emulator state;
 * - throughput of a 256 MiB generated stream put and read back through polycloud
 *   (never held in memory);
 * - peak RSS of this process, sampled every 20 ms.
 *
 * Run alone: `node --import tsx scripts/bench/storage-azure.ts`.
 */
import { cpus } from 'node:os';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import { createPolycloud } from '@polycloud/core';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { startAzurite } from '@polycloud/emulators';

export interface AzureBenchFigures {
  adapter: 'azure-blob';
  emulator: 'azurite 3.35.0';
  date: string;
  machine: string;
  iterations: number;
  /** Medians; `adapterMs` is the adapter called directly (no facade), to split the overhead. */
  put1KiB: { polycloudMs: number; adapterMs: number; rawSdkMs: number; ratio: number };
  get1KiB: { polycloudMs: number; adapterMs: number; rawSdkMs: number; ratio: number; rawDownloadStreamMs: number; ratioToDownloadStream: number };
  stream: { bytes: number; putMiBps: number; getMiBps: number };
  /** RSS after the latency phase, before the streams. */
  baselineRssMiB: number;
  /** Peak RSS over the whole run, sampled every 20 ms. */
  peakRssMiB: number;
}

export interface AzureBenchOptions {
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

/**
 * A stream of `total` bytes made by pushing one constant 1 MiB chunk again and
 * again: nothing big is held or allocated by the generator itself, so the RSS
 * measured is the upload's own.
 */
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
  return { stop: () => (clearInterval(timer), peak) };
}

export async function benchAzure(options: AzureBenchOptions = {}): Promise<AzureBenchFigures> {
  const iterations = options.iterations ?? 300;
  const streamBytes = options.streamBytes ?? 256 * MiB;
  const rss = rssSampler();
  const azurite = await startAzurite();
  const container = `bench-${Date.now().toString(36)}`;
  const adapter = createAzureBlobAdapter({ connectionString: azurite.connectionString }, { name: 'azure' });
  const polycloud = createPolycloud({
    providers: [{ name: 'azure', adapter }],
    resources: [{ resource_id: 'lb-bench', type: 'LogicalBucket', providers: [{ cloud: 'azure', physical_id: container }] }],
  });
  try {
    await adapter.ensureBucket(container);
    const bucket = polycloud.bucket('lb-bench');
    const raw = BlobServiceClient.fromConnectionString(azurite.connectionString, { retryOptions: { maxTries: 1 } }).getContainerClient(container);
    const body = Buffer.alloc(1024, 0x42);
    const t = { pcPut: [] as number[], rawPut: [] as number[], pcGet: [] as number[], rawGet: [] as number[], rawStream: [] as number[], adPut: [] as number[], adGet: [] as number[] };
    const time = async (into: number[] | undefined, fn: () => Promise<unknown>) => {
      const start = performance.now();
      await fn();
      into?.push(performance.now() - start);
    };
    const warmup = Math.min(30, iterations);
    for (let i = 0; i < warmup + iterations; i++) {
      const measuring = i >= warmup;
      const pcKey = `lat/pc-${i % 50}`;
      const rawKey = `lat/raw-${i % 50}`;
      const rawBlob = raw.getBlockBlobClient(rawKey);
      // Alternate which side goes first so neither gets a systematic advantage.
      const pcPut = () => time(measuring ? t.pcPut : undefined, () => bucket.put(pcKey, body));
      const rawPut = () => time(measuring ? t.rawPut : undefined, () => rawBlob.upload(body, body.length));
      const pcGet = () => time(measuring ? t.pcGet : undefined, () => bucket.getBytes(pcKey));
      // downloadToBuffer() asks for the size first (Get Blob Properties, then Get Blob);
      // download() + reading its stream is the one-request equivalent of a polycloud get.
      const adKey = `lat/ad-${i % 50}`;
      const adPut = () => time(measuring ? t.adPut : undefined, () => adapter.put(container, adKey, body));
      const adGet = () =>
        time(measuring ? t.adGet : undefined, async () => {
          const r = await adapter.get(container, adKey);
          for await (const _ of r.body as AsyncIterable<Buffer>);
        });
      const rawGet = () => time(measuring ? t.rawGet : undefined, () => rawBlob.downloadToBuffer());
      const rawStream = () =>
        time(measuring ? t.rawStream : undefined, async () => {
          const r = await rawBlob.download();
          for await (const _ of r.readableStreamBody as AsyncIterable<Buffer>);
        });
      if (i % 2) {
        await pcPut();
        await adPut();
        await rawPut();
        await pcGet();
        await adGet();
        await rawGet();
        await rawStream();
      } else {
        await rawPut();
        await adPut();
        await pcPut();
        await rawStream();
        await rawGet();
        await adGet();
        await pcGet();
      }
    }

    const baseline = process.memoryUsage.rss();
    let start = performance.now();
    const put = await bucket.put('stream/big', generated(streamBytes));
    const putSeconds = (performance.now() - start) / 1000;
    if (put.size !== streamBytes) throw new Error(`streamed put stored ${put.size} bytes, expected ${streamBytes}`);
    start = performance.now();
    const got = await bucket.get('stream/big');
    let read = 0;
    for await (const chunk of got.body as AsyncIterable<Buffer>) read += chunk.length;
    const getSeconds = (performance.now() - start) / 1000;
    if (read !== streamBytes) throw new Error(`streamed get read ${read} bytes, expected ${streamBytes}`);
    await bucket.delete('stream/big');

    const put1 = { polycloudMs: round(median(t.pcPut)), adapterMs: round(median(t.adPut)), rawSdkMs: round(median(t.rawPut)) };
    const get1 = { polycloudMs: round(median(t.pcGet)), adapterMs: round(median(t.adGet)), rawSdkMs: round(median(t.rawGet)), rawDownloadStreamMs: round(median(t.rawStream)) };
    return {
      adapter: 'azure-blob',
      emulator: 'azurite 3.35.0',
      date: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
      iterations,
      put1KiB: { ...put1, ratio: round(put1.polycloudMs / put1.rawSdkMs) },
      get1KiB: { ...get1, ratio: round(get1.polycloudMs / get1.rawSdkMs), ratioToDownloadStream: round(get1.polycloudMs / get1.rawDownloadStreamMs) },
      stream: { bytes: streamBytes, putMiBps: round(streamBytes / MiB / putSeconds, 1), getMiBps: round(streamBytes / MiB / getSeconds, 1) },
      baselineRssMiB: round(baseline / MiB, 1),
      peakRssMiB: round(rss.stop() / MiB, 1),
    };
  } finally {
    rss.stop();
    await polycloud.close();
    await azurite.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await benchAzure();
  console.log(JSON.stringify(figures, null, 2));
}
