import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, type RunningEmulator } from './process.js';
import { spawnEmulator } from './spawn-emulator.js';

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
  const proc = spawnEmulator({
    what: `fauxqs on ${endpoint}`,
    program: {
      module:
        `const { buildApp } = await import(${JSON.stringify(app)});` +
        `const app = buildApp({ logger: false, host: '127.0.0.1' });` +
        `await app.listen({ port: ${port}, host: '127.0.0.1' });` +
        `process.on('SIGTERM', () => app.close().finally(() => process.exit(0)));`,
    },
    env: { FAUXQS_PORT: String(port), FAUXQS_HOST: '127.0.0.1', FAUXQS_LOGGER: 'false' },
    ready: async () => (await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) })).ok,
    startTimeoutMs: options.startTimeoutMs ?? 15_000,
  });
  const halt = () => proc.halt();

  await proc.launch();
  return {
    name: 'fauxqs',
    host: '127.0.0.1',
    port,
    endpoint,
    accessKeyId: 'test',
    secretAccessKey: 'test',
    region: 'us-east-1',
    stop: halt,
    pause: () => proc.pause(),
    resume: () => proc.resume(),
    async restart() {
      await halt();
      await proc.launch();
    },
  };
}
