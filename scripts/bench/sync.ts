/**
 * bench:sync — replication throughput and lag of polycloud's sync engine against
 * `rclone sync`, same emulators, same concurrency, same run.
 *
 * Source: the S3 emulator (s3rver); target: Azurite. Two workloads: 5,000 × 4 KiB
 * and 20 × 64 MiB. Objects are written to the source through polycloud first (so
 * they are journaled), then timed: polycloud's replicator drains the journal; rclone
 * copies the same source bucket into a fresh container. "Lag" is, per object, the
 * time from the start of the sync to that object's copy being complete (polycloud:
 * its `replicated` event; rclone: its "Copied (new)" log line). Peak RSS is sampled
 * while each one runs (polycloud: this process; rclone: its VmHWM).
 *
 * Run: `npm run bench:sync` or `node --import tsx scripts/bench/sync.ts [--small-only | --large-only] [--concurrency 16]`.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, generateAccountSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { createPolycloud, type StorageAdapter } from '@polycloud/core';
import { createS3Adapter } from '@polycloud/adapter-aws';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { startAzurite, startS3rver } from '@polycloud/emulators';
import { createSync } from '@polycloud/sync';

const args = process.argv.slice(2);
const concurrency = Number(args[args.indexOf('--concurrency') + 1] ?? 16) || 16;
const smallOnly = args.includes('--small-only');
const largeOnly = args.includes('--large-only');

interface Figures {
  tool: string;
  seconds: number;
  objects: number;
  bytes: number;
  lags: number[];
  peakRssMiB: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

const s3 = await startS3rver();
const az = await startAzurite();
const source: StorageAdapter = createS3Adapter({ endpoint: s3.endpoint, region: s3.region, accessKey: s3.accessKeyId, secretKey: s3.secretAccessKey }, { name: 'aws' });
const target: StorageAdapter = createAzureBlobAdapter({ connectionString: az.connectionString }, { name: 'azure' });

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
    ['--config', config, 'sync', `src:${srcBucket}`, `dst:${container}`, '--transfers', String(concurrency), '--checkers', String(concurrency), '--retries', '1', '--low-level-retries', '1', '--use-json-log', '-v', '--stats', '0'],
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
  return { tool: 'rclone sync', seconds, objects, bytes, lags, peakRssMiB: peakKiB / 1024 };
}

async function workload(label: string, count: number, size: number, rclone: string | undefined): Promise<Figures[]> {
  const srcBucket = `bench-src-${label}-${process.pid}`;
  const pcContainer = `bench-pc-${label}-${process.pid}`;
  const stateContainer = `bench-state-${label}-${process.pid}`;
  await source.ensureBucket(srcBucket);
  await target.ensureBucket(pcContainer);
  await target.ensureBucket(stateContainer);
  const polycloud = createPolycloud({
    providers: [
      { name: 'aws', adapter: source },
      { name: 'azure', adapter: target },
    ],
    timeoutMs: 600_000,
    resources: [
      {
        resource_id: 'bench',
        type: 'LogicalBucket',
        providers: [
          { cloud: 'aws', physical_id: srcBucket },
          { cloud: 'azure', physical_id: pcContainer, role: 'standby' },
        ],
        replication: { mode: 'async' },
      },
    ],
    sync: createSync({
      autoStart: false,
      stateBinding: 'azure',
      journalPlacement: 'state',
      stateBuckets: { azure: stateContainer },
      concurrency,
      batchSize: 1000,
    }),
  });
  const body = Buffer.alloc(size, 0x61);
  const bucket = polycloud.bucket('bench');
  const load = pLimit(size > 1024 * 1024 ? 4 : 32);
  const loadStart = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => load(() => bucket.put(`obj-${String(i).padStart(5, '0')}`, body, { contentType: 'application/octet-stream' }))));
  console.log(`${label}: loaded ${count} objects into the source through polycloud in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);

  const sync = polycloud.sync('bench');
  const lags: number[] = [];
  let started = 0;
  polycloud.events.on('replicated', (e: unknown) => {
    if ((e as { binding: string }).binding === 'azure') lags.push(performance.now() - started);
  });
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  started = performance.now();
  await sync.drain();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const listed = (await target.list(pcContainer, { pageSize: 1000 })).objects.length;
  if (lags.length !== count) throw new Error(`polycloud replicated ${lags.length} of ${count} (first page lists ${listed})`);
  const results: Figures[] = [{ tool: 'polycloud', seconds, objects: count, bytes: count * size, lags, peakRssMiB: peak / 1024 / 1024 }];
  await polycloud.close();
  if (rclone) {
    const container = `bench-rc-${label}-${process.pid}`;
    await target.ensureBucket(container);
    results.push(await runRclone(rclone, srcBucket, container, count, count * size));
  }
  return results;
}

function print(label: string, rows: Figures[]): void {
  console.log(`\n${label} (concurrency ${concurrency})`);
  console.log('tool          objects/s      MB/s   lag p50 ms   lag p99 ms   peak RSS MiB   wall s');
  for (const r of rows) {
    console.log(
      `${r.tool.padEnd(12)} ${(r.objects / r.seconds).toFixed(1).padStart(10)} ${(r.bytes / 1e6 / r.seconds).toFixed(1).padStart(9)} ${pct(r.lags, 50).toFixed(0).padStart(12)} ${pct(r.lags, 99).toFixed(0).padStart(12)} ${r.peakRssMiB.toFixed(0).padStart(14)} ${r.seconds.toFixed(2).padStart(8)}`,
    );
  }
  if (rows.length === 2) console.log(`ratio polycloud / rclone (throughput): ${(rows[1]!.seconds / rows[0]!.seconds).toFixed(2)}×`);
}

let rclone: string | undefined;
try {
  rclone = (await rcloneAvailable()) ? rcloneConfig() : undefined;
  if (!rclone) console.log('rclone is not available (apt-get install -y rclone): printing polycloud figures only');
  if (!largeOnly) print('5,000 × 4 KiB', await workload('small', 5000, 4096, rclone));
  if (!smallOnly) print('20 × 64 MiB', await workload('large', 20, 64 * 1024 * 1024, rclone));
} finally {
  // the config holds an account SAS and the S3 keys
  if (rclone) rmSync(rclone, { force: true });
  await Promise.allSettled([source.close?.(), target.close?.()]);
  await Promise.allSettled([s3.remove(), az.stop()]);
}
