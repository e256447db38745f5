import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, freePort, packageBin, type RunningEmulator } from './process.js';
import { spawnEmulator } from './spawn-emulator.js';

/** Connection facts of a running s3rver (it verifies SigV4 with these keys). */
export interface S3rverEmulator extends RunningEmulator {
  accessKeyId: 'S3RVER';
  secretAccessKey: 'S3RVER';
  region: 'us-east-1';
  /** Its data directory (kept across stop/restart; removed by `remove()` or when this process exits). */
  directory: string;
  /** Stops it and deletes its data directory now (test runners may kill workers before `exit` handlers run). */
  remove(): Promise<void>;
}

const directories = new Set<string>();

/** One exit handler for every s3rver data directory of this process. */
function removeAtExit(directory: string): void {
  if (directories.size === 0) process.once('exit', () => directories.forEach((d) => rmSync(d, { recursive: true, force: true })));
  directories.add(directory);
}

/**
 * Starts s3rver 3.7.1 as a child process on a free loopback port, with its data in a
 * fresh temporary directory. `--openssl-legacy-provider` is needed on OpenSSL 3:
 * s3rver's continuation tokens use a cipher OpenSSL 3 disables (truncated listings
 * would fail with 500 otherwise). `restart()` reuses the port and the directory, so
 * buckets and objects survive a stop/restart; the directory is removed when this
 * process exits.
 */
export async function startS3rver(options: { port?: number; startTimeoutMs?: number } = {}): Promise<S3rverEmulator> {
  const port = options.port ?? (await freePort());
  const directory = await mkdtemp(join(tmpdir(), 'polycloud-s3rver-'));
  removeAtExit(directory);
  const script = packageBin('s3rver', 's3rver');
  const endpoint = `http://127.0.0.1:${port}`;
  // The bin runs unchanged (argv as if started directly) under spawnEmulator's parent watchdog.
  const proc = spawnEmulator({
    what: `s3rver on ${endpoint}`,
    program: { bin: script, args: ['-d', directory, '-a', '127.0.0.1', '-p', String(port), '--silent'] },
    env: { NODE_OPTIONS: [process.env['NODE_OPTIONS'], '--openssl-legacy-provider'].filter(Boolean).join(' ') },
    ready: () => answers(`${endpoint}/`),
    startTimeoutMs: options.startTimeoutMs ?? 15_000,
  });
  const halt = () => proc.halt();

  await proc.launch();
  return {
    name: 's3rver',
    host: '127.0.0.1',
    port,
    endpoint,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    region: 'us-east-1',
    directory,
    stop: halt,
    pause: () => proc.pause(),
    resume: () => proc.resume(),
    async remove() {
      await halt();
      directories.delete(directory);
      await rm(directory, { recursive: true, force: true });
    },
    async restart() {
      await halt();
      await proc.launch();
    },
  };
}
