/**
 * GCS storage bench against the firebase-tools 15.34.2 storage emulator (on loopback,
 * in a child process, so its memory is not counted here):
 * - median latency of 1 KiB put and get through polycloud (a LogicalBucket with one
 *   binding on the gcs adapter: bucket.put / bucket.getBytes), through the adapter
 *   alone, and through the raw SDK (file.save / file.download ‖ file.getMetadata — the
 *   bytes and the custom metadata, as a polycloud get returns them), interleaved in
 *   one run with alternating order;
 * - throughput of a large generated stream put (resumable upload) and read back
 *   through polycloud, never held in memory;
 * - peak RSS of this process, sampled every 20 ms.
 *
 * The emulator finalises a resumable upload on its first PUT (chunked uploads fail),
 * so the adapter's default single-request resumable upload is measured; the
 * emulator buffers each object in its own process, which is not counted here.
 *
 * `npm run bench:storage` runs this file built to JavaScript against the built packages,
 * on an emulator it started (see storage.ts). Run alone, from the sources, it starts
 * its own: `node --import tsx scripts/bench/storage-gcs.ts [--bytes N] [--iterations N]`.
 */
import { pathToFileURL } from 'node:url';
import { Storage } from '@google-cloud/storage';
import { createPolycloud } from '@polycloud/core';
import { createGcsAdapter } from '@polycloud/adapter-gcp';
import {
  drain,
  emulatorFromEnv,
  type LatencyFigures,
  latencyLoops,
  machine,
  median,
  MiB,
  numberArg,
  pairedRatio,
  round,
  rssSampler,
  streamRoundTrip,
} from './lib.js';

export interface GcsBenchFigures {
  adapter: 'gcs';
  emulator: 'firebase-tools 15.34.2 storage emulator';
  date: string;
  machine: string;
  iterations: number;
  /** See LatencyFigures in lib.ts. */
  put1KiB: LatencyFigures['put1KiB'];
  /**
   * `rawSdkMs`: download() and getMetadata() in parallel — the bytes and the custom
   * metadata a polycloud get returns. `rawMediaOnlyMs`: download() alone;
   * `leanAdapterMs`: the adapter with `readMetadataOnGet: false` (the same one request);
   * `leanRatio` compares those two.
   */
  get1KiB: LatencyFigures['get1KiB'] & { leanAdapterMs: number; rawMediaOnlyMs: number; leanRatio: number };
  stream: { bytes: number; upload: 'resumable, one streamed request'; putMiBps: number; getMiBps: number };
  /** RSS before the streams (which run first, after one warm-up put and get). */
  baselineRssMiB: number;
  /** Peak RSS over the whole run, sampled every 20 ms. */
  peakRssMiB: number;
  /** Peak RSS during the streamed put and get only. */
  streamPeakRssMiB: number;
}

/** What the bench needs of a running GCS emulator. */
export interface GcsConnection {
  projectId: string;
  apiEndpoint: string;
}

export interface GcsBenchOptions {
  /** An emulator already running (it is left running); otherwise the bench starts and stops its own. */
  connection?: GcsConnection;
  iterations?: number;
  streamBytes?: number;
}

export async function benchGcs(options: GcsBenchOptions = {}): Promise<GcsBenchFigures> {
  const iterations = options.iterations ?? 600;
  const streamBytes = options.streamBytes ?? 256 * MiB;
  const rss = rssSampler();
  // Google clients must never probe a metadata server (startGcsEmulator sets this too).
  process.env['METADATA_SERVER_DETECTION'] = 'none';
  const own = options.connection ? undefined : await (await import('@polycloud/emulators')).startGcsEmulator();
  const emu: GcsConnection = options.connection ?? own!;
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
    // The streams first, in a process that has only loaded and warmed its clients (see streamRoundTrip).
    const stream = await streamRoundTrip(bucket, streamBytes);
    const body = Buffer.alloc(1024, 0x42);
    const lat = await latencyLoops(iterations, {
      polycloud: { put: (key) => bucket.put(key, body), get: (key) => bucket.getBytes(key) },
      adapter: { put: (key) => adapter.put(physical, key, body), get: async (key) => drain((await adapter.get(physical, key)).body) },
      raw: {
        put: (key) => rawBucket.file(key).save(body, { resumable: false, contentType: 'application/octet-stream' }),
        // A polycloud get returns the bytes and the object's info with its custom
        // metadata, which on GCS are two requests (run in parallel): the raw SDK doing
        // the same work is download() and getMetadata() in parallel.
        get: (key) => {
          const file = rawBucket.file(key);
          return Promise.all([file.download(), file.getMetadata()]);
        },
      },
      // The media request alone: the adapter with readMetadataOnGet: false against
      // download() (the same single request).
      extras: {
        lean: async ({ adapter: key }) => drain((await lean.get(physical, key)).body),
        media: ({ raw: key }) => rawBucket.file(key).download(),
      },
    });
    return {
      adapter: 'gcs',
      emulator: 'firebase-tools 15.34.2 storage emulator',
      date: new Date().toISOString(),
      machine: machine(),
      iterations,
      put1KiB: lat.put1KiB,
      get1KiB: {
        ...lat.get1KiB,
        leanAdapterMs: round(median(lat.extras['lean']!)),
        rawMediaOnlyMs: round(median(lat.extras['media']!)),
        leanRatio: pairedRatio(lat.extras['lean']!, lat.extras['media']!),
      },
      stream: { bytes: streamBytes, upload: 'resumable, one streamed request', putMiBps: stream.putMiBps, getMiBps: stream.getMiBps },
      baselineRssMiB: round(stream.baselineRss / MiB, 1),
      peakRssMiB: round(rss.peak() / MiB, 1),
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
  const connection = emulatorFromEnv<GcsConnection>();
  console.log(
    JSON.stringify(
      await benchGcs({ ...(connection ? { connection } : {}), ...(streamBytes ? { streamBytes } : {}), ...(iterations ? { iterations } : {}) }),
      null,
      2,
    ),
  );
}
