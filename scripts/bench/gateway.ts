/**
 * `npm run bench:gateway` — the S3 endpoint of @polycloud/gateway against the same
 * requests sent straight to the emulator, in one run, side by side:
 *
 * - 1 KiB PutObject / GetObject latency (p50, p99) from @aws-sdk/client-s3, through the
 *   gateway and directly to s3rver, interleaved so both see the same machine load;
 * - 256 MiB upload (lib-storage, 8 MiB parts, 4 at a time) and streamed download
 *   throughput, through the gateway and directly;
 * - requests/s of 1 KiB GETs at 64 concurrent connections with autocannon, which
 *   cannot sign: through the gateway with a presigned URL (SigV4 query verification on
 *   every request) and anonymously (anonymous read configured for the bench), and
 *   directly to s3rver with a presigned URL;
 * - the gateway process's peak RSS (VmHWM).
 *
 * The gateway runs in its own process from the built packages (`npm run build` first),
 * in front of a LogicalBucket over s3rver (primary) and Azurite (standby), replication
 * off so only the request path is measured; the emulators are child processes too.
 */
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { gatewayBuilt, GW_KEY, GW_SECRET, startTwoClouds } from '../../packages/gateway/test/fixtures/two-clouds.js';
import { generated, machine, MiB, round } from './lib.js';

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}
type Autocannon = (options: { url: string; connections: number; duration: number }) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const ITERATIONS = Number(process.env['BENCH_ITERATIONS'] ?? 300);
const STREAM_BYTES = Number(process.env['BENCH_STREAM_MIB'] ?? 256) * MiB;
const CONNECTIONS = 64;
const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function drain(body: unknown): Promise<number> {
  let n = 0;
  for await (const c of body as AsyncIterable<Uint8Array>) n += c.length;
  return n;
}

async function main(): Promise<void> {
  if (!gatewayBuilt())
    console.warn('warning: packages not built (or older than their sources): the gateway runs through tsx, memory figures include it. Run `npm run build`.');
  const load = loadavg().map((x) => x.toFixed(2));
  const t = await startTwoClouds({ replication: 'none', config: { anonymous: { buckets: ['lb'], actions: ['read'] } } });
  const base = t.memory().peak;
  const client = (endpoint: string, accessKeyId: string, secretAccessKey: string) =>
    new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  const sides = {
    gateway: { client: client(t.url, GW_KEY, GW_SECRET), bucket: 'lb' },
    direct: { client: client(t.s3rver.endpoint, t.s3rver.accessKeyId, t.s3rver.secretAccessKey), bucket: t.buckets.s3 },
  };
  type Side = keyof typeof sides;
  try {
    const body = Buffer.alloc(1024, 0x61);
    const lat: Record<Side, { put: number[]; get: number[] }> = { gateway: { put: [], get: [] }, direct: { put: [], get: [] } };
    const once = async (side: Side, i: number) => {
      const { client: c, bucket } = sides[side];
      const key = `bench/${side}/${i % 50}`;
      let t0 = performance.now();
      await c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      lat[side].put.push(performance.now() - t0);
      t0 = performance.now();
      const got = await c.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      await drain(got.Body);
      lat[side].get.push(performance.now() - t0);
    };
    for (let i = 0; i < 20; i++) for (const s of ['gateway', 'direct'] as const) await once(s, i); // warm-up
    lat.gateway = { put: [], get: [] };
    lat.direct = { put: [], get: [] };
    for (let i = 0; i < ITERATIONS; i++) for (const s of (i % 2 ? ['gateway', 'direct'] : ['direct', 'gateway']) as Side[]) await once(s, i);

    const stream: Record<Side, { putMiBps: number; getMiBps: number }> = { gateway: { putMiBps: 0, getMiBps: 0 }, direct: { putMiBps: 0, getMiBps: 0 } };
    for (const side of ['direct', 'gateway'] as const) {
      const { client: c, bucket } = sides[side];
      let t0 = performance.now();
      await new Upload({
        client: c,
        params: { Bucket: bucket, Key: 'bench/stream.bin', Body: Readable.from(generated(STREAM_BYTES)) },
        partSize: 8 * MiB,
        queueSize: 4,
      }).done();
      stream[side].putMiBps = round(STREAM_BYTES / MiB / ((performance.now() - t0) / 1000), 1);
      t0 = performance.now();
      const got = await c.send(new GetObjectCommand({ Bucket: bucket, Key: 'bench/stream.bin' }));
      const n = await drain(got.Body);
      if (n !== STREAM_BYTES) throw new Error(`${side}: read ${n} of ${STREAM_BYTES} bytes`);
      stream[side].getMiBps = round(STREAM_BYTES / MiB / ((performance.now() - t0) / 1000), 1);
    }

    const presigned = async (side: Side) => {
      const { client: c, bucket } = sides[side];
      await c.send(new PutObjectCommand({ Bucket: bucket, Key: 'bench/hot', Body: body }));
      return getSignedUrl(c, new GetObjectCommand({ Bucket: bucket, Key: 'bench/hot' }), { expiresIn: 3600 });
    };
    const cannon = async (url: string) => {
      const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
      return { rps: round(r.requests.average, 0), p50Ms: r.latency.p50, p99Ms: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
    };
    const load64 = {
      gatewayPresigned: await cannon(await presigned('gateway')),
      gatewayAnonymous: await cannon(`${t.url}/lb/bench/hot`),
      directPresigned: await cannon(await presigned('direct')),
    };
    const mem = t.memory();
    const row = (op: 'put' | 'get') => ({
      gatewayP50Ms: round(percentile(lat.gateway[op], 50), 2),
      gatewayP99Ms: round(percentile(lat.gateway[op], 99), 2),
      directP50Ms: round(percentile(lat.direct[op], 50), 2),
      directP99Ms: round(percentile(lat.direct[op], 99), 2),
      ratioP50: round(percentile(lat.gateway[op], 50) / percentile(lat.direct[op], 50), 2),
    });
    const report = {
      machine: machine(),
      loadAverageAtStart: load,
      loadAverageAtEnd: loadavg().map((x) => x.toFixed(2)),
      gatewayFromBuiltPackages: gatewayBuilt(),
      latency1KiB: { iterations: ITERATIONS, put: row('put'), get: row('get') },
      stream: {
        bytes: STREAM_BYTES,
        gateway: stream.gateway,
        direct: stream.direct,
        putRatio: round(stream.gateway.putMiBps / stream.direct.putMiBps, 2),
        getRatio: round(stream.gateway.getMiBps / stream.direct.getMiBps, 2),
      },
      get1KiBAt64Connections: { durationS: DURATION_S, ...load64, ratioPresigned: round(load64.gatewayPresigned.rps / load64.directPresigned.rps, 2) },
      gatewayRssMiB: { baseline: round(base / MiB, 0), peak: round(mem.peak / MiB, 0) },
    };
    console.log(JSON.stringify(report, null, 2));
    console.log(
      [
        '',
        `S3 endpoint vs s3rver direct (${report.machine}; load ${load.join(' ')})`,
        `  PUT 1 KiB   p50 ${report.latency1KiB.put.gatewayP50Ms} ms vs ${report.latency1KiB.put.directP50Ms} ms (×${report.latency1KiB.put.ratioP50}), p99 ${report.latency1KiB.put.gatewayP99Ms} vs ${report.latency1KiB.put.directP99Ms} ms`,
        `  GET 1 KiB   p50 ${report.latency1KiB.get.gatewayP50Ms} ms vs ${report.latency1KiB.get.directP50Ms} ms (×${report.latency1KiB.get.ratioP50}), p99 ${report.latency1KiB.get.gatewayP99Ms} vs ${report.latency1KiB.get.directP99Ms} ms`,
        `  ${STREAM_BYTES / MiB} MiB   put ${stream.gateway.putMiBps} vs ${stream.direct.putMiBps} MiB/s (×${report.stream.putRatio}), get ${stream.gateway.getMiBps} vs ${stream.direct.getMiBps} MiB/s (×${report.stream.getRatio})`,
        `  GET ×${CONNECTIONS}     presigned ${load64.gatewayPresigned.rps} req/s vs ${load64.directPresigned.rps} req/s (×${report.get1KiBAt64Connections.ratioPresigned}); anonymous ${load64.gatewayAnonymous.rps} req/s`,
        `  gateway RSS baseline ${report.gatewayRssMiB.baseline} MiB, peak ${report.gatewayRssMiB.peak} MiB`,
      ].join('\n'),
    );
  } finally {
    for (const s of Object.values(sides)) s.client.destroy();
    await t.stop();
  }
}

await main();
