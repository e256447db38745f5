import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, type RunningEmulator, spawnNode, stopProcess, waitFor } from './process.js';

/** Connection facts of a running fauxqs (it accepts any keys; these are conventional). */
export interface FauxqsEmulator extends RunningEmulator {
  accessKeyId: 'test';
  secretAccessKey: 'test';
  region: 'us-east-1';
}

const require = createRequire(import.meta.url);

/**
 * The file URL of fauxqs's ESM entry. Its `exports` map has only an `import`
 * condition and no `./package.json`, so `require.resolve` (and `packageBin`) cannot
 * find it: look it up along the module search paths instead.
 */
function fauxqsEntry(): string {
  for (const dir of require.resolve.paths('fauxqs') ?? []) {
    const manifestPath = join(dir, 'fauxqs', 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { main?: string };
    return pathToFileURL(join(dir, 'fauxqs', manifest.main ?? 'dist/app.js')).href;
  }
  throw new Error('fauxqs is not installed (npm i -D fauxqs@1.9.2)');
}

/**
 * Starts fauxqs 1.9.2 (S3, SQS, SNS in memory) as a child process on a free loopback
 * port; ready when `/health` answers 200.
 *
 * Why not its `fauxqs` bin: the 1.9.2 CLI calls `startFauxqs({ logger: true })`, so
 * `FAUXQS_LOGGER=false` is ignored (a JSON log line per request, which costs CPU in
 * benchmarks), and it listens on 0.0.0.0 whatever `FAUXQS_HOST` says. The child
 * instead imports the package's own `buildApp` and listens on 127.0.0.1 only, logger
 * off. `FAUXQS_PORT` / `FAUXQS_HOST` / `FAUXQS_LOGGER` are still set for anything that
 * reads them. Data is in memory: `restart()` (same port) starts empty.
 */
export async function startFauxqs(options: { port?: number; startTimeoutMs?: number } = {}): Promise<FauxqsEmulator> {
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const app = fauxqsEntry();
  const code =
    // Watchdog: end when this process dies without stopping us (a killed test worker).
    `const parent = process.ppid; setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 1000).unref();` +
    `const { buildApp } = await import(${JSON.stringify(app)});` +
    `const app = buildApp({ logger: false, host: '127.0.0.1' });` +
    `await app.listen({ port: ${port}, host: '127.0.0.1' });` +
    `process.on('SIGTERM', () => app.close().finally(() => process.exit(0)));`;
  let child: ReturnType<typeof spawnNode> | undefined;

  const launch = async () => {
    const proc = spawnNode('--input-type=module', ['-e', code], {
      FAUXQS_PORT: String(port),
      FAUXQS_HOST: '127.0.0.1',
      FAUXQS_LOGGER: 'false',
    });
    child = proc;
    let exited = false;
    proc.once('exit', () => (exited = true));
    await waitFor(
      async () => {
        if (exited) throw new Error(`fauxqs exited early: ${proc.output()}`);
        const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
        return res.ok;
      },
      options.startTimeoutMs ?? 15_000,
      `fauxqs on ${endpoint}`,
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
    name: 'fauxqs',
    host: '127.0.0.1',
    port,
    endpoint,
    accessKeyId: 'test',
    secretAccessKey: 'test',
    region: 'us-east-1',
    stop: halt,
    async restart() {
      await halt();
      await launch();
    },
  };
}
