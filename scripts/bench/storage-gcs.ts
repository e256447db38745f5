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
import { drain, emulatorFromEnv, interleaved, machine, median, MiB, numberArg, pairedRatio, round, rssSampler, streamRoundTrip, time } from './lib.js';

export interface GcsBenchFigures {
  adapter: 'gcs';
  emulator: 'firebase-tools 15.34.2 storage emulator';
  date: string;
  machine: string;
  iterations: number;
  /** Medians, ms; `adapterMs` is the adapter called directly (no facade), to split the overhead. */
  /**
   * Medians, ms. `pairedRatio`: median over rounds of polycloud / raw SDK of the same
   * round (see lib.pairedRatio). `adapterMs` / `adapterRatio`: the adapter alone against
   * the raw SDK, from a second loop.
   */
  put1KiB: { polycloudMs: number; adapterMs: number; adapterRatio: number; rawSdkMs: number; ratio: number; pairedRatio: number };
  /**
   * `rawSdkMs`: download() and getMetadata() in parallel — the bytes and the custom
   * metadata a polycloud get returns. `rawMediaOnlyMs`: download() alone;
   * `leanAdapterMs`: the adapter with `readMetadataOnGet: false` (the same one request);
   * `leanRatio` compares those two.
   */
  get1KiB: {
    polycloudMs: number;
    adapterMs: number;
    adapterRatio: number;
    leanAdapterMs: number;
    rawSdkMs: number;
    rawMediaOnlyMs: number;
    ratio: number;
    pairedRatio: number;
    leanRatio: number;
  };
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
    const t = {
      pcPut: [] as number[], rawPut: [] as number[], pcGet: [] as number[], rawGet: [] as number[],
      adPut: [] as number[], adRawPut: [] as number[], adGet: [] as number[], adRawGet: [] as number[], leanGet: [] as number[], rawMediaGet: [] as number[],
    };
    const rawPut = (into: number[] | undefined, key: string) => time(into, () => rawBucket.file(key).save(body, { resumable: false, contentType: 'application/octet-stream' }));
    // A polycloud get returns the bytes and the object's info with its custom metadata,
    // which on GCS are two requests (run in parallel): the raw SDK doing the same work
    // is download() and getMetadata() in parallel.
    const rawGet = (into: number[] | undefined, key: string) =>
      time(into, () => {
        const file = rawBucket.file(key);
        return Promise.all([file.download(), file.getMetadata()]);
      });
    // The figure: polycloud against the raw SDK, call for call, nothing else in between.
    await interleaved(iterations, (i, m) => {
      const pcKey = `lat/pc-${i % 50}`;
      const rawKey = `lat/raw-${i % 50}`;
      const pcPut = () => time(m ? t.pcPut : undefined, () => bucket.put(pcKey, body));
      const pcGet = () => time(m ? t.pcGet : undefined, () => bucket.getBytes(pcKey));
      const rp = () => rawPut(m ? t.rawPut : undefined, rawKey);
      const rg = () => rawGet(m ? t.rawGet : undefined, rawKey);
      return [
        [pcPut, rp, pcGet, rg],
        [rp, pcPut, rg, pcGet],
      ];
    });
    // Where the difference goes, in a loop of its own: the adapter alone against the raw
    // SDK, and the media request alone — download() against the adapter with
    // readMetadataOnGet: false (the same single request).
    await interleaved(iterations, (i, m) => {
      const adKey = `lat/ad-${i % 50}`;
      const rawKey = `lat/raw-${i % 50}`;
      const adPut = () => time(m ? t.adPut : undefined, () => adapter.put(physical, adKey, body));
      const adGet = () => time(m ? t.adGet : undefined, async () => drain((await adapter.get(physical, adKey)).body));
      const leanGet = () => time(m ? t.leanGet : undefined, async () => drain((await lean.get(physical, adKey)).body));
      const rp = () => rawPut(m ? t.adRawPut : undefined, rawKey);
      const rg = () => rawGet(m ? t.adRawGet : undefined, rawKey);
      const media = () => time(m ? t.rawMediaGet : undefined, () => rawBucket.file(rawKey).download());
      return [
        [adPut, rp, adGet, rg, leanGet, media],
        [rp, adPut, rg, adGet, media, leanGet],
      ];
    });

    const put1 = { polycloudMs: round(median(t.pcPut)), rawSdkMs: round(median(t.rawPut)), adapterMs: round(median(t.adPut)), adapterRatio: pairedRatio(t.adPut, t.adRawPut) };
    const get1 = {
      polycloudMs: round(median(t.pcGet)),
      rawSdkMs: round(median(t.rawGet)),
      adapterMs: round(median(t.adGet)),
      adapterRatio: pairedRatio(t.adGet, t.adRawGet),
      leanAdapterMs: round(median(t.leanGet)),
      rawMediaOnlyMs: round(median(t.rawMediaGet)),
    };
    return {
      adapter: 'gcs',
      emulator: 'firebase-tools 15.34.2 storage emulator',
      date: new Date().toISOString(),
      machine: machine(),
      iterations,
      put1KiB: { ...put1, ratio: round(put1.polycloudMs / put1.rawSdkMs), pairedRatio: pairedRatio(t.pcPut, t.rawPut) },
      get1KiB: {
        ...get1,
        ratio: round(get1.polycloudMs / get1.rawSdkMs),
        pairedRatio: pairedRatio(t.pcGet, t.rawGet),
        leanRatio: pairedRatio(t.leanGet, t.rawMediaGet),
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
  console.log(JSON.stringify(await benchGcs({ ...(connection ? { connection } : {}), ...(streamBytes ? { streamBytes } : {}), ...(iterations ? { iterations } : {}) }), null, 2));
}
