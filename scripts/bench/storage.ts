/**
 * `npm run bench:storage` — every storage adapter against its emulator, in one run:
 * median 1 KiB put/get through polycloud and through the raw SDK (the ratio), a
 * 256 MiB streamed put and get, and peak RSS. Each adapter runs in its own process
 * so one's SDK and buffers do not count against another's memory.
 */
import { execFile } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface Figures {
  adapter: string;
  emulator: string;
  put1KiB: { polycloudMs: number; rawSdkMs: number; ratio: number; pairedRatio?: number };
  get1KiB: { polycloudMs: number; rawSdkMs: number; ratio: number; pairedRatio?: number };
  stream: { bytes: number; putMiBps: number; getMiBps: number };
  baselineRssMiB: number;
  peakRssMiB: number;
  streamPeakRssMiB?: number;
}

const targets: [string, string[]][] = [
  ['s3 (s3rver)', ['scripts/bench/storage-s3.ts', 's3rver']],
  ['s3 (fauxqs)', ['scripts/bench/storage-s3.ts', 'fauxqs']],
  ['azure-blob (Azurite)', ['scripts/bench/storage-azure.ts']],
  ['gcs (GCS emulator)', ['scripts/bench/storage-gcs.ts']],
];

const rows: Figures[] = [];
for (const [label, args] of targets) {
  process.stderr.write(`running ${label}…\n`);
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', ...args], { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
    rows.push(JSON.parse(stdout.slice(stdout.indexOf('{'))) as Figures);
  } catch (e) {
    process.stderr.write(`${label} failed: ${(e as Error).message.split('\n')[0]}\n`);
  }
}

const fmt = (n: number | undefined, d = 2) => (n === undefined ? '–' : n.toFixed(d));
console.log(`storage bench — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log('| adapter (emulator) | put 1 KiB polycloud / raw ms | ratio | get 1 KiB polycloud / raw ms | ratio | 256 MiB put MiB/s | 256 MiB get MiB/s | peak RSS MiB (during streams) |');
console.log('|---|---|---:|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.adapter} (${r.emulator}) | ${fmt(r.put1KiB.polycloudMs)} / ${fmt(r.put1KiB.rawSdkMs)} | ${fmt(r.put1KiB.pairedRatio ?? r.put1KiB.ratio)} | ${fmt(r.get1KiB.polycloudMs)} / ${fmt(r.get1KiB.rawSdkMs)} | ${fmt(r.get1KiB.pairedRatio ?? r.get1KiB.ratio)} | ${fmt(r.stream.putMiBps, 1)} | ${fmt(r.stream.getMiBps, 1)} | ${fmt(r.peakRssMiB, 0)} (${fmt(r.streamPeakRssMiB, 0)}) |`,
  );
}
if (rows.length < targets.length) process.exitCode = 1;
