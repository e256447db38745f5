/**
 * bench:sync — replication throughput and lag of polycloud's sync engine against
 * `rclone sync`, same emulators, same concurrency, same run.
 *
 * Source: the S3 emulator (fauxqs by default, `--source s3rver` for s3rver); target:
 * Azurite. Two workloads: 5,000 × 4 KiB and 20 × 64 MiB. Objects are written to the source through polycloud first (so
 * they are journaled), then timed: polycloud's replicator drains the journal; rclone
 * copies the same source bucket into a fresh container. "Lag" is, per object, the
 * time from the start of the sync to that object's copy being complete (polycloud:
 * its `replicated` event; rclone: its "Copied (new)" log line). Each runs as a fresh
 * process: polycloud's drain runs in a child of this script (same file, same flags, a
 * new polycloud instance on the journal and state the loader left on the emulators),
 * so its peak RSS (sampled every 20 ms; printed with the RSS before the drain and how
 * much of the peak is V8 heap and ArrayBuffers) is the replicator's, not the loader's;
 * rclone's is its VmHWM. Engine options: journalPlacement 'state' and leases/state on
 * Azurite (it enforces conditional writes; the S3 emulators do not), default
 * partitions (16) and maxBytesInFlight (128 MiB) unless `--max-bytes-in-flight`.
 *
 * First phase (before the workloads): the 1 KiB put latency of a replicated async
 * LogicalBucket (S3 emulator primary, Azurite standby, `createSync()` with default
 * options: per-binding journal, background replicator started on the first write)
 * against the raw SDK (`PutObjectCommand` to the same endpoint) and the S3 adapter
 * alone, interleaved call for call with the order rotating every round, same key
 * pattern (`lat/<side>-<i % 50>`); median, p99 and the paired ratio (median over rounds
 * of polycloud / raw of the same round). The machine's load average is printed with
 * every table.
 *
 * Run: `npm run bench:sync` or `node --import tsx scripts/bench/sync.ts [--small-only | --large-only | --latency-only | --no-latency]
 * [--concurrency 16] [--iterations 600] [--source fauxqs|s3rver] [--max-bytes-in-flight MiB] [--no-autostart]`.
 * The latency table also has diagnostic rows: polycloud on a one-binding bucket (the facade
 * without replication), the replicated bucket with journalPlacement 'state' (records on
 * Azurite), and two concurrent raw PUTs (data + a 300 B record: the floor of a write that
 * stores a change record beside its data).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { createPolycloud } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';
import { createS3Adapter } from '@polycloud/adapter-aws';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { startAzurite, startFauxqs, startS3rver } from '@polycloud/emulators';
import { createSync } from '@polycloud/sync';
import { generated, MiB } from './lib.js';

const args = process.argv.slice(2);
const argOf = (name: string): string | undefined => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
const concurrency = Number(argOf('--concurrency') ?? 16) || 16;
const iterations = Number(argOf('--iterations') ?? 600) || 600;
const maxBytesInFlight = argOf('--max-bytes-in-flight') ? Number(argOf('--max-bytes-in-flight')) * MiB : undefined;
const sourceKind = argOf('--source') === 's3rver' ? 's3rver' : 'fauxqs';
const latencyOnly = args.includes('--latency-only');
const smallOnly = args.includes('--small-only');
const largeOnly = args.includes('--large-only');
const withLatency = !args.includes('--no-latency') && !smallOnly && !largeOnly;
/** `--no-autostart`: the latency bucket's replicator is not started by the writes (the write path alone). */
const autoStart = !args.includes('--no-autostart');

/** The machine's load average (1, 5, 15 min), as `uptime` prints it. */
const load = () =>
  `load average: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}`;

interface Figures {
  tool: string;
  seconds: number;
  objects: number;
  bytes: number;
  lags: number[];
  peakRssMiB: number;
  /** RSS right before the timed phase (polycloud only). */
  baselineRssMiB?: number;
  load?: string;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

/** Set in the child that runs a workload's timed replication (see drainJob). */
const CHILD_ENV = 'POLYCLOUD_BENCH_SYNC_CHILD';
if (process.env[CHILD_ENV]) {
  const result = await drainJob(JSON.parse(process.env[CHILD_ENV]) as DrainJob);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

const s3 = sourceKind === 'fauxqs' ? await startFauxqs() : await startS3rver();
const stopS3 = () => ('remove' in s3 ? s3.remove() : s3.stop());
const az = await startAzurite();
// fauxqs refuses single request bodies over 11 MiB: keep every request under that.
const s3Options: { endpoint: string; region: string; accessKey: string; secretKey: string; maxSinglePutBytes?: number } = {
  endpoint: s3.endpoint,
  region: s3.region,
  accessKey: s3.accessKeyId,
  secretKey: s3.secretAccessKey,
  ...(sourceKind === 'fauxqs' ? { maxSinglePutBytes: 10 * MiB } : {}),
};
const newSource = (): StorageAdapter => createS3Adapter(s3Options, { name: 'aws' });
const newTarget = (): StorageAdapter => createAzureBlobAdapter({ connectionString: az.connectionString }, { name: 'azure' });
const source: StorageAdapter = newSource();
const target: StorageAdapter = newTarget();

function rcloneAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('rclone', ['version'], { stdio: 'ignore' });
    p.on('error', () => resolve(false));
    p.on('exit', (code) => resolve(code === 0));
  });
}

function rcloneConfig(): string {
  const sas = generateAccountSASQueryParameters(
    {
      expiresOn: new Date(Date.now() + 6 * 3600_000),
      permissions: AccountSASPermissions.parse('rwdlacup'),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      services: AccountSASServices.parse('b').toString(),
    },
    new StorageSharedKeyCredential(az.accountName, az.accountKey),
  ).toString();
  const file = join(tmpdir(), `polycloud-bench-rclone-${process.pid}.conf`);
  writeFileSync(
    file,
    [
      '[src]',
      'type = s3',
      'provider = Other',
      `endpoint = ${s3.endpoint}`,
      'force_path_style = true',
      `access_key_id = ${s3.accessKeyId}`,
      `secret_access_key = ${s3.secretAccessKey}`,
      `region = ${s3.region}`,
      '',
      '[dst]',
      'type = azureblob',
      `sas_url = ${az.blobEndpoint}?${sas}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}

async function runRclone(config: string, srcBucket: string, container: string, objects: number, bytes: number): Promise<Figures> {
  const env = { ...process.env };
  delete env['AWS_CA_BUNDLE'];
  const started = performance.now();
  const child = spawn(
    'rclone',
    [
      '--config',
      config,
      'sync',
      `src:${srcBucket}`,
      `dst:${container}`,
      '--transfers',
      String(concurrency),
      '--checkers',
      String(concurrency),
      '--retries',
      '1',
      '--low-level-retries',
      '1',
      '--use-json-log',
      '-v',
      '--stats',
      '0',
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let peakKiB = 0;
  const sampler = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
    } catch {
      // exited
    }
  }, 50);
  const lags: number[] = [];
  let buffer = '';
  child.stderr.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (line.includes('Copied (new)')) lags.push(performance.now() - started);
    }
  });
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`rclone exited with ${code}`);
  return { tool: 'rclone sync', seconds, objects, bytes, lags, peakRssMiB: peakKiB / 1024, load: load() };
}

/** The polycloud instance of a workload: the S3 emulator's bucket replicated to an Azurite container. */
function benchPolycloud(src: StorageAdapter, tgt: StorageAdapter, job: { srcBucket: string; pcContainer: string; stateContainer: string }) {
  return createPolycloud({
    providers: [
      { name: 'aws', adapter: src },
      { name: 'azure', adapter: tgt },
    ],
    timeoutMs: 600_000,
    resources: [
      {
        resource_id: 'bench',
        type: 'LogicalBucket',
        providers: [
          { cloud: 'aws', physical_id: job.srcBucket },
          { cloud: 'azure', physical_id: job.pcContainer, role: 'standby' },
        ],
        replication: { mode: 'async' },
      },
    ],
    // Leases, partition state and (journalPlacement 'state') every change record on Azurite,
    // which enforces conditional writes; the S3 emulators do not.
    sync: createSync({
      autoStart: false,
      stateBinding: 'azure',
      journalPlacement: 'state',
      stateBuckets: { azure: job.stateContainer },
      concurrency,
      batchSize: 1000,
      ...(maxBytesInFlight ? { maxBytesInFlight } : {}),
    }),
  });
}

interface DrainJob {
  s3: typeof s3Options;
  azure: string;
  srcBucket: string;
  pcContainer: string;
  stateContainer: string;
  count: number;
}

interface DrainResult {
  seconds: number;
  lags: number[];
  peakRss: number;
  baselineRss: number;
  missing: string[];
  atPeak: { heapUsed: number; arrayBuffers: number };
}

/**
 * The timed phase, run in a fresh child process (as rclone is): a replicator process that
 * starts, drains what the loader journaled, and stops. Its RSS is then the replicator's —
 * Node, tsx, both cloud SDKs and the copies in flight — not the loader's leftovers.
 */
async function drainJob(job: DrainJob): Promise<DrainResult> {
  const src = createS3Adapter(job.s3, { name: 'aws' });
  const tgt = createAzureBlobAdapter({ connectionString: job.azure }, { name: 'azure' });
  const polycloud = benchPolycloud(src, tgt, job);
  const sync = polycloud.sync('bench');
  const lags: number[] = [];
  let started = 0;
  // One copy per object: to Azurite, or to the S3 emulator for a write the router sent to the standby.
  polycloud.events.on('replicated', () => lags.push(performance.now() - started));
  (globalThis as { gc?: () => void }).gc?.();
  const baselineRss = process.memoryUsage.rss();
  let peakRss = baselineRss;
  // At the peak: how much of it is V8 heap and how much Buffers (ArrayBuffers).
  let atPeak = { heapUsed: 0, arrayBuffers: 0 };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) {
      peakRss = m.rss;
      atPeak = { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
    }
  }, 20);
  started = performance.now();
  await sync.drain();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const there = new Set<string>();
  let token: string | undefined;
  do {
    const page = await tgt.list(job.pcContainer, { pageSize: 1000, ...(token ? { continuationToken: token } : {}) });
    for (const o of page.objects) there.add(o.key);
    token = page.continuationToken;
  } while (token);
  const missing = Array.from({ length: job.count }, (_, i) => `obj-${String(i).padStart(5, '0')}`).filter((k) => !there.has(k));
  await polycloud.close();
  return { seconds, lags, peakRss, baselineRss, missing, atPeak };
}

function drainInChild(job: DrainJob): Promise<DrainResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], {
      env: { ...process.env, [CHILD_ENV]: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) return reject(new Error(`drain child exited with ${code}: ${out.slice(-2000)}`));
      resolve(JSON.parse(line.slice(7)) as DrainResult);
    });
  });
}

async function workload(label: string, count: number, size: number, rclone: string | undefined): Promise<Figures[]> {
  const job: DrainJob = {
    s3: s3Options,
    azure: az.connectionString,
    srcBucket: `bench-src-${label}-${process.pid}`,
    pcContainer: `bench-pc-${label}-${process.pid}`,
    stateContainer: `bench-state-${label}-${process.pid}`,
    count,
  };
  await source.ensureBucket(job.srcBucket);
  await target.ensureBucket(job.pcContainer);
  await target.ensureBucket(job.stateContainer);
  const polycloud = benchPolycloud(newSource(), newTarget(), job);
  const bucket = polycloud.bucket('bench');
  const big = size > MiB;
  // Large objects are streamed from a generator (nothing big held).
  const small = big ? undefined : Buffer.alloc(size, 0x61);
  const loader = pLimit(big ? 2 : 32);
  // The router may send a write to the standby (Azurite) when the primary is slow or failing: count where they went.
  const homes = new Map<string, number>();
  polycloud.events.on('journaled', (e: unknown) => {
    const b = (e as { binding: string }).binding;
    homes.set(b, (homes.get(b) ?? 0) + 1);
  });
  const loadStart = performance.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      loader(() =>
        bucket.put(`obj-${String(i).padStart(5, '0')}`, small ?? generated(size), {
          contentType: 'application/octet-stream',
          ...(big ? { contentLength: size } : {}),
        }),
      ),
    ),
  );
  console.log(
    `${label}: loaded ${count} objects through polycloud in ${((performance.now() - loadStart) / 1000).toFixed(1)} s, written to ${JSON.stringify(Object.fromEntries(homes))} (${load()}); replicating in a fresh process`,
  );
  await polycloud.close();

  const r = await drainInChild(job);
  if (r.missing.length)
    throw new Error(`polycloud drain() returned with ${r.missing.length} of ${count} objects missing on the target: ${r.missing.slice(0, 10).join(', ')}`);
  console.log(
    `${label}: replicator process RSS ${(r.baselineRss / MiB).toFixed(0)} MiB before the drain, peak ${(r.peakRss / MiB).toFixed(0)} MiB (+${((r.peakRss - r.baselineRss) / MiB).toFixed(0)}); at the peak heapUsed ${(r.atPeak.heapUsed / MiB).toFixed(0)} MiB, ArrayBuffers ${(r.atPeak.arrayBuffers / MiB).toFixed(0)} MiB`,
  );
  if (r.lags.length !== count) console.log(`polycloud: ${r.lags.length} 'replicated' events for ${count} objects (none missing on the target)`);
  const results: Figures[] = [
    {
      tool: 'polycloud',
      seconds: r.seconds,
      objects: count,
      bytes: count * size,
      lags: r.lags,
      peakRssMiB: r.peakRss / MiB,
      baselineRssMiB: r.baselineRss / MiB,
      load: load(),
    },
  ];
  if (rclone) {
    const container = `bench-rc-${label}-${process.pid}`;
    await target.ensureBucket(container);
    results.push(await runRclone(rclone, job.srcBucket, container, count, count * size));
  }
  return results;
}

function print(label: string, rows: Figures[]): void {
  console.log(`\n${label} (concurrency ${concurrency}, source ${sourceKind}, maxBytesInFlight ${((maxBytesInFlight ?? 128 * MiB) / MiB).toFixed(0)} MiB)`);
  console.log('tool          objects/s      MB/s   lag p50 ms   lag p99 ms   peak RSS MiB   (before) MiB   wall s   load');
  for (const r of rows) {
    console.log(
      `${r.tool.padEnd(12)} ${(r.objects / r.seconds).toFixed(1).padStart(10)} ${(r.bytes / 1e6 / r.seconds).toFixed(1).padStart(9)} ${pct(r.lags, 50).toFixed(0).padStart(12)} ${pct(r.lags, 99).toFixed(0).padStart(12)} ${r.peakRssMiB.toFixed(0).padStart(14)} ${(r.baselineRssMiB === undefined ? '-' : r.baselineRssMiB.toFixed(0)).padStart(14)} ${r.seconds.toFixed(2).padStart(8)}   ${r.load ?? ''}`,
    );
  }
  if (rows.length === 2) console.log(`ratio polycloud / rclone (throughput): ${(rows[1]!.seconds / rows[0]!.seconds).toFixed(2)}× (target ≥ 1×)`);
  if (rows[0] && label.includes('64 MiB')) console.log(`polycloud peak RSS during replication: ${rows[0].peakRssMiB.toFixed(0)} MiB (target < 256 MiB)`);
}

const median = (xs: number[]) => pct(xs, 50);

/**
 * 1 KiB put latency: replicated async bucket (polycloud, default createSync options) vs
 * the raw SDK vs the S3 adapter alone, one call of each per round, order rotated every
 * round, 30 warm-up rounds.
 */
async function latency(): Promise<void> {
  const physical = `bench-lat-${process.pid}`;
  const rawBucket = `bench-lat-raw-${process.pid}`;
  const standby = `bench-lat-standby-${process.pid}`;
  const physical2 = `bench-lat2-${process.pid}`;
  const standby2 = `bench-lat2-standby-${process.pid}`;
  const pcSource = newSource();
  const adapter = newSource();
  await adapter.ensureBucket(physical);
  await adapter.ensureBucket(rawBucket);
  await target.ensureBucket(standby);
  await adapter.ensureBucket(physical2);
  await target.ensureBucket(standby2);
  const polycloud = createPolycloud({
    providers: [
      { name: 'aws', adapter: pcSource },
      { name: 'azure', adapter: newTarget() },
    ],
    resources: [
      {
        resource_id: 'lat',
        type: 'LogicalBucket',
        providers: [
          { cloud: 'aws', physical_id: physical },
          { cloud: 'azure', physical_id: standby, role: 'standby' },
        ],
        replication: { mode: 'async' },
      },
      // The same, its change records journaled on the standby (Azurite) instead of the write's own store.
      {
        resource_id: 'lat-state',
        type: 'LogicalBucket',
        providers: [
          { cloud: 'aws', physical_id: physical2 },
          { cloud: 'azure', physical_id: standby2, role: 'standby' },
        ],
        replication: { mode: 'async' },
      },
      // The same facade without replication (one binding): splits the facade's cost from the sync engine's.
      { resource_id: 'plain', type: 'LogicalBucket', providers: [{ cloud: 'aws', physical_id: rawBucket }] },
    ],
    // 'lat' (the figure): default options — per-binding journal (the record goes to the write's own
    // binding, here the S3 emulator, alongside the data), background replicator started by the first
    // write. 'lat-state': the same with journalPlacement 'state' on Azurite (a diagnostic row).
    sync: createSync((b) => ({
      ...(autoStart ? {} : { autoStart: false }),
      ...(b.resource_id === 'lat-state' ? { journalPlacement: 'state' as const, stateBinding: 'azure' } : {}),
    })),
  });
  const raw = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    maxAttempts: 1,
  });
  const body = Buffer.alloc(1024, 0x42);
  const bucket = polycloud.bucket('lat');
  const plain = polycloud.bucket('plain');
  const viaState = polycloud.bucket('lat-state');
  const record = Buffer.alloc(300, 0x7b);
  const t = { pc: [] as number[], raw: [] as number[], ad: [] as number[], plain: [] as number[], state: [] as number[], raw2: [] as number[] };
  const sides: [keyof typeof t, (key: string) => Promise<unknown>][] = [
    ['raw', (key) => raw.send(new PutObjectCommand({ Bucket: rawBucket, Key: key, Body: body }))],
    ['ad', (key) => adapter.put(rawBucket, key, body)],
    ['plain', (key) => plain.put(key, body)],
    ['pc', (key) => bucket.put(key, body)],
    ['state', (key) => viaState.put(key, body)],
    // The floor of a write that also stores a change record: two concurrent raw PUTs (1 KiB + 300 B).
    [
      'raw2',
      (key) =>
        Promise.all([
          raw.send(new PutObjectCommand({ Bucket: rawBucket, Key: key, Body: body })),
          raw.send(new PutObjectCommand({ Bucket: rawBucket, Key: `${key}.rec`, Body: record })),
        ]),
    ],
  ];
  const warmup = Math.min(30, iterations);
  const loadStart = load();
  for (let i = 0; i < warmup + iterations; i++) {
    for (let j = 0; j < sides.length; j++) {
      const [name, put] = sides[(i + j) % sides.length]!;
      const start = performance.now();
      await put(`lat/${name}-${i % 50}`);
      if (i >= warmup) t[name].push(performance.now() - start);
    }
  }
  const paired = median(t.pc.map((x, i) => x / t.raw[i]!));
  const status = await Promise.all([polycloud.sync('lat').drain({ timeoutMs: 60_000 }), polycloud.sync('lat-state').drain({ timeoutMs: 60_000 })]).then(
    (r) => `both replicators drained after the loop (${r[0].length} + ${r[1].length} round(s))`,
    (e: unknown) => `replicator drain failed: ${String(e)}`,
  );
  console.log(
    `\n1 KiB put latency, ${iterations} rounds (+${warmup} warm-up), one call per side per round, order rotated; source ${sourceKind}, standby Azurite`,
  );
  console.log(
    `load before: ${loadStart}; after: ${load()}; replicator ${autoStart ? 'running in the background (autoStart)' : 'not started (--no-autostart)'}`,
  );
  console.log('side                                     median ms    p99 ms   median / raw');
  const row = (label: string, xs: number[]) =>
    console.log(
      `${label.padEnd(40)} ${median(xs).toFixed(3).padStart(9)} ${pct(xs, 99).toFixed(3).padStart(9)} ${(median(xs) / median(t.raw)).toFixed(3).padStart(14)}`,
    );
  row('raw SDK PutObjectCommand', t.raw);
  row('S3 adapter alone', t.ad);
  row('polycloud, 1 binding (no replication)', t.plain);
  row(`polycloud replicated async${autoStart ? '' : ' (no autoStart)'}`, t.pc);
  row('  same, journalPlacement state (Azurite)', t.state);
  row('raw SDK, 2 concurrent PUTs (data+record)', t.raw2);
  console.log(`paired ratio polycloud / raw (median over rounds): ${paired.toFixed(3)}× (target median ≤ 1.2×); ${status}`);
  raw.destroy();
  await polycloud.close();
  await adapter.close?.();
}

let rclone: string | undefined;
try {
  rclone = (await rcloneAvailable()) ? rcloneConfig() : undefined;
  if (!rclone) console.log('rclone is not available (apt-get install -y rclone): printing polycloud figures only');
  if (withLatency || latencyOnly) await latency();
  if (!latencyOnly && !largeOnly) print('5,000 × 4 KiB', await workload('small', 5000, 4096, rclone));
  if (!latencyOnly && !smallOnly) print('20 × 64 MiB', await workload('large', 20, 64 * 1024 * 1024, rclone));
} finally {
  // the config holds an account SAS and the S3 keys
  if (rclone) rmSync(rclone, { force: true });
  await Promise.allSettled([source.close?.(), target.close?.()]);
  await Promise.allSettled([stopS3(), az.stop()]);
}
