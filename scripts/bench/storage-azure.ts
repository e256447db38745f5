/**
 * Azure Blob storage bench against Azurite (in memory, on loopback):
 * - median latency of 1 KiB put and get through polycloud (a LogicalBucket with one
 *   binding on the azure-blob adapter) vs the raw SDK (BlockBlobClient.upload / download
 *   and reading the stream), interleaved in one run so both see the same emulator state;
 * - throughput of a 256 MiB generated stream put and read back through polycloud
 *   (never held in memory);
 * - peak RSS of this process, sampled every 20 ms, over the whole run and during the
 *   streamed put and get only (`streamPeakRssMiB`).
 *
 * `npm run bench:storage` runs this file built to JavaScript against the built packages,
 * on an Azurite it started (see storage.ts). Run alone, from the sources, it starts its
 * own: `node --import tsx scripts/bench/storage-azure.ts [--bytes N] [--iterations N]`.
 */
import { pathToFileURL } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import { createPolycloud } from '@polycloud/core';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { drain, emulatorFromEnv, type LatencyFigures, latencyLoops, machine, median, MiB, numberArg, round, rssSampler, streamRoundTrip } from './lib.js';

export interface AzureBenchFigures {
  adapter: 'azure-blob';
  emulator: 'azurite 3.35.0';
  date: string;
  machine: string;
  iterations: number;
  /** See LatencyFigures in lib.ts. */
  put1KiB: LatencyFigures['put1KiB'];
  /**
   * `rawSdkMs`: download() and reading its stream — one Get Blob, which returns the
   * bytes and the metadata, as a polycloud get does. `rawDownloadToBufferMs`:
   * downloadToBuffer(), which asks for the properties first (two requests).
   */
  get1KiB: LatencyFigures['get1KiB'] & { rawDownloadToBufferMs: number };
  stream: { bytes: number; putMiBps: number; getMiBps: number };
  /** RSS before the streams (which run first, after one warm-up put and get). */
  baselineRssMiB: number;
  /** Peak RSS over the whole run, sampled every 20 ms. */
  peakRssMiB: number;
  /** Peak RSS during the 256 MiB put and get only. */
  streamPeakRssMiB: number;
}

/** What the bench needs of a running Azurite. */
export interface AzureConnection {
  connectionString: string;
}

export interface AzureBenchOptions {
  /** An Azurite already running (it is left running); otherwise the bench starts and stops its own. */
  connection?: AzureConnection;
  iterations?: number;
  streamBytes?: number;
}

export async function benchAzure(options: AzureBenchOptions = {}): Promise<AzureBenchFigures> {
  const iterations = options.iterations ?? 600;
  const streamBytes = options.streamBytes ?? 256 * MiB;
  const rss = rssSampler();
  const own = options.connection ? undefined : await (await import('@polycloud/emulators')).startAzurite();
  const azurite: AzureConnection = options.connection ?? own!;
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
    // The streams first, in a process that has only loaded and warmed its clients (see streamRoundTrip).
    const stream = await streamRoundTrip(bucket, streamBytes);
    const body = Buffer.alloc(1024, 0x42);
    const lat = await latencyLoops(iterations, {
      polycloud: { put: (key) => bucket.put(key, body), get: (key) => bucket.getBytes(key) },
      adapter: { put: (key) => adapter.put(container, key, body), get: async (key) => drain((await adapter.get(container, key)).body) },
      // The raw SDK names the blob inside the timed call, as the adapter does on every
      // call; download() + reading its stream is one Get Blob, the equivalent of a
      // polycloud get.
      raw: {
        put: (key) => raw.getBlockBlobClient(key).upload(body, body.length),
        get: async (key) => drain((await raw.getBlockBlobClient(key).download()).readableStreamBody as AsyncIterable<Uint8Array>),
      },
      // downloadToBuffer() asks for the size first (Get Blob Properties, then Get Blob).
      extras: { toBuffer: ({ raw: key }) => raw.getBlockBlobClient(key).downloadToBuffer() },
    });
    return {
      adapter: 'azure-blob',
      emulator: 'azurite 3.35.0',
      date: new Date().toISOString(),
      machine: machine(),
      iterations,
      put1KiB: lat.put1KiB,
      get1KiB: { ...lat.get1KiB, rawDownloadToBufferMs: round(median(lat.extras['toBuffer']!)) },
      stream: { bytes: streamBytes, putMiBps: stream.putMiBps, getMiBps: stream.getMiBps },
      baselineRssMiB: round(stream.baselineRss / MiB, 1),
      peakRssMiB: round(rss.stop() / MiB, 1),
      streamPeakRssMiB: round(stream.peakRss / MiB, 1),
    };
  } finally {
    rss.stop();
    await polycloud.close();
    await own?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const streamBytes = numberArg('--bytes');
  const iterations = numberArg('--iterations');
  const connection = emulatorFromEnv<AzureConnection>();
  const figures = await benchAzure({ ...(connection ? { connection } : {}), ...(streamBytes ? { streamBytes } : {}), ...(iterations ? { iterations } : {}) });
  console.log(JSON.stringify(figures, null, 2));
}
