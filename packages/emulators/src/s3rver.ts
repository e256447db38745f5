import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, freePort, packageBin, type RunningEmulator, spawnNode, stopProcess, waitFor } from './process.js';

/** Connection facts of a running s3rver (it verifies SigV4 with these keys). */
export interface S3rverEmulator extends RunningEmulator {
  accessKeyId: 'S3RVER';
  secretAccessKey: 'S3RVER';
  region: 'us-east-1';
  /** Its data directory (kept across stop/restart; removed when this process exits). */
  directory: string;
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
  process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
  const script = packageBin('s3rver', 's3rver');
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ReturnType<typeof spawnNode> | undefined;

  const launch = async () => {
    const proc = spawnNode(script, ['-d', directory, '-a', '127.0.0.1', '-p', String(port), '--silent'], {
      NODE_OPTIONS: [process.env['NODE_OPTIONS'], '--openssl-legacy-provider'].filter(Boolean).join(' '),
    });
    child = proc;
    let exited = false;
    proc.once('exit', () => (exited = true));
    await waitFor(
      async () => {
        if (exited) throw new Error(`s3rver exited early: ${proc.output()}`);
        return answers(`${endpoint}/`);
      },
      options.startTimeoutMs ?? 15_000,
      `s3rver on ${endpoint}`,
    ).catch(async (e) => {
      await stopProcess(proc);
      throw e;
    });
  };
  const halt = async () => {
    if (child) await stopProcess(child);
    child = undefined;
  };

  await launch();
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
    async restart() {
      await halt();
      await launch();
    },
  };
}
