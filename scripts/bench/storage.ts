/**
 * `npm run bench:storage` — every storage adapter against its emulator, in one run:
 * median 1 KiB put/get through polycloud and through the raw SDK (the ratio), a
 * 256 MiB streamed put and get, and peak RSS.
 *
 * What is measured is what users run: the packages as built (`npm run build`, their
 * dist/), and each bench built to plain JavaScript, so no TypeScript loader sits in the
 * measured process. Each adapter runs in its own process, so one's SDK and buffers do
 * not count against another's memory; this process starts and stops the emulators
 * (each is its own process too) and hands the connection to the child.
 */
import { execFile } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startAzurite, startFauxqs, startGcsEmulator, startS3rver } from '@polycloud/emulators';
import { build } from 'tsup';
import { EMULATOR_ENV } from './lib.js';

const run = promisify(execFile);
const OUT = join('node_modules', '.cache', 'polycloud-bench');

interface Figures {
  adapter: string;
  emulator: string;
  put1KiB: { polycloudMs: number; rawSdkMs: number; ratio: number; pairedRatio: number };
  get1KiB: { polycloudMs: number; rawSdkMs: number; ratio: number; pairedRatio: number };
  stream: { bytes: number; putMiBps: number; getMiBps: number };
  baselineRssMiB: number;
  peakRssMiB: number;
  streamPeakRssMiB?: number;
}

interface Target {
  label: string;
  bench: 'storage-s3' | 'storage-azure' | 'storage-gcs';
  args: string[];
  /** Starts the emulator; returns what the child needs (JSON) and how to stop it. */
  start(): Promise<{ connection: object; env?: Record<string, string>; stop(): Promise<void> }>;
}

const targets: Target[] = [
  {
    label: 's3 (s3rver)',
    bench: 'storage-s3',
    args: ['s3rver'],
    async start() {
      const e = await startS3rver();
      return { connection: { endpoint: e.endpoint, region: e.region, accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey }, stop: () => e.remove() };
    },
  },
  {
    label: 's3 (fauxqs)',
    bench: 'storage-s3',
    args: ['fauxqs'],
    async start() {
      const e = await startFauxqs();
      return { connection: { endpoint: e.endpoint, region: e.region, accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey }, stop: () => e.stop() };
    },
  },
  {
    label: 'azure-blob (Azurite)',
    bench: 'storage-azure',
    args: [],
    async start() {
      const e = await startAzurite();
      return { connection: { connectionString: e.connectionString }, stop: () => e.stop() };
    },
  },
  {
    label: 'gcs (GCS emulator)',
    bench: 'storage-gcs',
    args: [],
    async start() {
      const e = await startGcsEmulator();
      return { connection: { projectId: e.projectId, apiEndpoint: e.apiEndpoint }, env: { METADATA_SERVER_DETECTION: 'none' }, stop: () => e.stop() };
    },
  },
];

// The packages as users get them, then the benches as JavaScript importing them.
process.stderr.write('building the packages (npm run build)…\n');
await run('npm', ['run', 'build', '--silent'], { maxBuffer: 64 * 1024 * 1024 });
await build({
  entry: Object.fromEntries(['storage-s3', 'storage-azure', 'storage-gcs'].map((b) => [b, `scripts/bench/${b}.ts`])),
  outDir: OUT,
  format: ['esm'],
  outExtension: () => ({ js: '.mjs' }),
  platform: 'node',
  target: 'node20',
  // Every package (ours included) is imported, not bundled: @polycloud/* resolve to their dist/.
  skipNodeModulesBundle: true,
  external: [/^@polycloud\//],
  splitting: false,
  dts: false,
  sourcemap: false,
  clean: true,
  silent: true,
  config: false,
});

// `-- --only fauxqs` runs the targets whose label contains that text; other flags go to the benches.
const argv = process.argv.slice(2);
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? argv.splice(onlyAt, 2)[1] : undefined;
// `-- --json` also prints every bench's full figures (adapter-alone times, part sizes, …).
const jsonAt = argv.indexOf('--json');
const json = jsonAt >= 0 && argv.splice(jsonAt, 1).length > 0;
const chosen = targets.filter((t) => only === undefined || t.label.includes(only));

const rows: Figures[] = [];
for (const target of chosen) {
  process.stderr.write(`running ${target.label}…\n`);
  let emulator: Awaited<ReturnType<Target['start']>> | undefined;
  try {
    emulator = await target.start();
    const { stdout } = await run(process.execPath, [join(OUT, `${target.bench}.mjs`), ...target.args, ...argv], {
      maxBuffer: 16 * 1024 * 1024,
      timeout: 600_000,
      env: { ...process.env, ...emulator.env, [EMULATOR_ENV]: JSON.stringify(emulator.connection) },
    });
    rows.push(JSON.parse(stdout.slice(stdout.indexOf('{'))) as Figures);
  } catch (e) {
    process.stderr.write(`${target.label} failed: ${(e as Error).message.split('\n')[0]}\n`);
  } finally {
    await emulator?.stop();
  }
}

const fmt = (n: number | undefined, d = 2) => (n === undefined ? '–' : n.toFixed(d));
console.log(
  `storage bench — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
// ratio = median polycloud / median raw; paired = median of the per-round ratios (steadier on a shared machine).
console.log(
  '| adapter (emulator) | put 1 KiB polycloud / raw ms | ratio (paired) | get 1 KiB polycloud / raw ms | ratio (paired) | 256 MiB put MiB/s | 256 MiB get MiB/s | RSS MiB before streams | peak RSS MiB during streams (whole run) |',
);
console.log('|---|---|---:|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.adapter} (${r.emulator}) | ${fmt(r.put1KiB.polycloudMs)} / ${fmt(r.put1KiB.rawSdkMs)} | ${fmt(r.put1KiB.ratio)} (${fmt(r.put1KiB.pairedRatio)}) | ${fmt(r.get1KiB.polycloudMs)} / ${fmt(r.get1KiB.rawSdkMs)} | ${fmt(r.get1KiB.ratio)} (${fmt(r.get1KiB.pairedRatio)}) | ${fmt(r.stream.putMiBps, 1)} | ${fmt(r.stream.getMiBps, 1)} | ${fmt(r.baselineRssMiB, 0)} | ${fmt(r.streamPeakRssMiB, 0)} (${fmt(r.peakRssMiB, 0)}) |`,
  );
}
if (json) console.log(JSON.stringify(rows, null, 2));
if (rows.length < chosen.length) process.exitCode = 1;
