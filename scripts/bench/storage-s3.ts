/**
 * S3 storage bench against s3rver 3.7.1 or fauxqs 1.9.2 (on loopback):
 * - median latency of 1 KiB put and get through polycloud (a LogicalBucket with one
 *   binding on the s3 adapter: bucket.put / bucket.getBytes), through the adapter
 *   alone, and through the raw SDK (S3Client PutObject / GetObject + reading the
 *   body), interleaved in one run with alternating order;
 * - throughput of a 256 MiB generated stream put (multipart) and read back through
 *   polycloud, never held in memory;
 * - peak RSS of this process, sampled every 20 ms.
 *
 * `npm run bench:storage` runs this file built to JavaScript against the built packages,
 * on an emulator it started (see storage.ts). Run alone, from the sources, it starts
 * its own: `node --import tsx scripts/bench/storage-s3.ts [s3rver|fauxqs] [--bytes N]
 * [--iterations N] [--part-size N] [--queue-size N]`.
 */
import { pathToFileURL } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPolycloud } from '@polycloud/core';
import { createS3Adapter, type S3AdapterOptions, S3AdapterOptionsSchema } from '@polycloud/adapter-aws';
import { drain, emulatorFromEnv, type LatencyFigures, latencyLoops, machine, MiB, numberArg, round, rssSampler, streamRoundTrip } from './lib.js';

export type S3BenchEmulator = 's3rver' | 'fauxqs';

export interface S3BenchFigures {
  adapter: 's3';
  emulator: 's3rver 3.7.1' | 'fauxqs 1.9.2';
  date: string;
  machine: string;
  iterations: number;
  /** See LatencyFigures in lib.ts. */
  put1KiB: LatencyFigures['put1KiB'];
  get1KiB: LatencyFigures['get1KiB'];
  stream: { bytes: number; partSizeBytes: number; queueSize: number; putMiBps: number; getMiBps: number };
  /** RSS before the streams (which run first, after one warm-up put and get). */
  baselineRssMiB: number;
  /** Peak RSS over the whole run, sampled every 20 ms. */
  peakRssMiB: number;
  /** Peak RSS during the 256 MiB put and get only. */
  streamPeakRssMiB: number;
}

/** What the bench needs of a running S3 emulator. */
export interface S3Connection {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3BenchOptions {
  /** An emulator already running (it is left running); otherwise the bench starts and stops its own. */
  connection?: S3Connection;
  iterations?: number;
  streamBytes?: number;
  /** Multipart part size of the adapter (its default when absent); reported as used. */
  partSizeBytes?: number;
  /** Parts uploaded concurrently (the adapter's default when absent); reported as used. */
  queueSize?: number;
}

export async function benchS3(emulator: S3BenchEmulator, options: S3BenchOptions = {}): Promise<S3BenchFigures> {
  const iterations = options.iterations ?? 600;
  const streamBytes = options.streamBytes ?? 256 * MiB;
  const rss = rssSampler();
  const own = options.connection ? undefined : await startOwnEmulator(emulator);
  const emu: S3Connection = options.connection ?? own!;
  const physical = `bench-${Date.now().toString(36)}`;
  const connection = { endpoint: emu.endpoint, region: emu.region, accessKey: emu.accessKeyId, secretKey: emu.secretAccessKey };
  // fauxqs refuses single request bodies over 11 MiB: keep every request under that.
  const adapterOptions: S3AdapterOptions = {
    ...connection,
    ...(emulator === 'fauxqs' ? { maxSinglePutBytes: 10 * MiB } : {}),
    ...(options.partSizeBytes !== undefined ? { partSizeBytes: options.partSizeBytes } : {}),
    ...(options.queueSize !== undefined ? { queueSize: options.queueSize } : {}),
  };
  // The figures report the part size and queue size the adapter really uses (its defaults resolved).
  const { partSizeBytes, queueSize } = S3AdapterOptionsSchema.parse(adapterOptions);
  const adapter = createS3Adapter(adapterOptions, { name: 'aws' });
  const polycloud = createPolycloud({
    providers: [{ name: 'aws', adapter }],
    resources: [{ resource_id: 'lb-bench', type: 'LogicalBucket', providers: [{ cloud: 'aws', physical_id: physical }] }],
  });
  const raw = new S3Client({
    endpoint: emu.endpoint,
    region: emu.region,
    forcePathStyle: true,
    credentials: { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
    maxAttempts: 1,
  });
  try {
    await adapter.ensureBucket(physical);
    const bucket = polycloud.bucket('lb-bench');
    // The streams first, in a process that has only loaded and warmed its clients (see streamRoundTrip).
    const stream = await streamRoundTrip(bucket, streamBytes);
    const body = Buffer.alloc(1024, 0x42);
    const { put1KiB, get1KiB } = await latencyLoops(iterations, {
      polycloud: { put: (key) => bucket.put(key, body), get: (key) => bucket.getBytes(key) },
      adapter: { put: (key) => adapter.put(physical, key, body), get: async (key) => drain((await adapter.get(physical, key)).body) },
      raw: {
        put: (key) => raw.send(new PutObjectCommand({ Bucket: physical, Key: key, Body: body })),
        get: async (key) => (await raw.send(new GetObjectCommand({ Bucket: physical, Key: key }))).Body!.transformToByteArray(),
      },
    });
    return {
      adapter: 's3',
      emulator: emulator === 's3rver' ? 's3rver 3.7.1' : 'fauxqs 1.9.2',
      date: new Date().toISOString(),
      machine: machine(),
      iterations,
      put1KiB,
      get1KiB,
      stream: { bytes: streamBytes, partSizeBytes, queueSize, putMiBps: stream.putMiBps, getMiBps: stream.getMiBps },
      baselineRssMiB: round(stream.baselineRss / MiB, 1),
      peakRssMiB: round(rss.peak() / MiB, 1),
      streamPeakRssMiB: round(stream.peakRss / MiB, 1),
    };
  } finally {
    rss.stop();
    raw.destroy();
    await polycloud.close();
    await own?.dispose();
  }
}

/** Starts an emulator from @polycloud/emulators (sources: only when run alone under tsx). */
async function startOwnEmulator(emulator: S3BenchEmulator): Promise<S3Connection & { dispose(): Promise<void> }> {
  const { startFauxqs, startS3rver } = await import('@polycloud/emulators');
  if (emulator === 's3rver') {
    const emu = await startS3rver();
    return Object.assign(emu, { dispose: () => emu.remove() });
  }
  const emu = await startFauxqs();
  return Object.assign(emu, { dispose: () => emu.stop() });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const which = (['s3rver', 'fauxqs'] as const).find((e) => e === process.argv[2]);
  const options: S3BenchOptions = {};
  for (const [flag, key] of [
    ['--bytes', 'streamBytes'],
    ['--iterations', 'iterations'],
    ['--part-size', 'partSizeBytes'],
    ['--queue-size', 'queueSize'],
  ] as const) {
    const n = numberArg(flag);
    if (n !== undefined) options[key] = n;
  }
  const connection = emulatorFromEnv<S3Connection>();
  if (connection) options.connection = connection;
  for (const emulator of which ? [which] : (['s3rver', 'fauxqs'] as const)) {
    console.log(JSON.stringify(await benchS3(emulator, options), null, 2));
  }
}
