import { fileURLToPath } from 'node:url';
import { type RunningEmulator, answers, freePort, spawnNode, stopProcess, waitFor } from './process.js';

/** The GCS emulator plus what a `Storage` client needs to reach it. */
export interface RunningGcsEmulator extends RunningEmulator {
  name: 'gcs';
  /** Always `demo-test` (a `demo-` project never reaches Google). */
  projectId: string;
  /** Pass as `apiEndpoint` to `@google-cloud/storage` / the gcs adapter. */
  apiEndpoint: string;
}

export interface StartGcsEmulatorOptions {
  /** Port to listen on; a free one by default. */
  port?: number;
  /** Startup timeout (default 20 s: the first start loads ~100 modules of firebase-tools). */
  timeoutMs?: number;
}

const SCRIPT = fileURLToPath(new URL('./gcs-server.mjs', import.meta.url));

/**
 * Starts the Cloud Storage emulator of firebase-tools 15.34.2 in a child process on
 * 127.0.0.1 (see gcs-server.mjs for why not through the `firebase` CLI). Also sets
 * `METADATA_SERVER_DETECTION=none` in this process so Google clients never probe a
 * metadata server. `stop()` kills the process (data is lost); `restart()` starts a
 * fresh, empty emulator on the same port.
 */
export async function startGcsEmulator(options: StartGcsEmulatorOptions = {}): Promise<RunningGcsEmulator> {
  process.env['METADATA_SERVER_DETECTION'] = 'none';
  const port = options.port ?? (await freePort());
  const timeoutMs = options.timeoutMs ?? 20_000;
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ReturnType<typeof spawnNode> | undefined;

  const launch = async () => {
    const c = spawnNode(SCRIPT, [String(port), 'demo-test'], { METADATA_SERVER_DETECTION: 'none' });
    child = c;
    try {
      await waitFor(
        async () => {
          if (c.exitCode !== null) throw new Error(`exited with ${c.exitCode}: ${c.output()}`);
          return c.output().includes('READY') && (await answers(`${endpoint}/b`));
        },
        timeoutMs,
        `gcs emulator on port ${port}`,
      );
    } catch (e) {
      await stopProcess(c);
      throw e;
    }
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (c) await stopProcess(c);
  };

  await launch();
  return {
    name: 'gcs',
    host: '127.0.0.1',
    port,
    endpoint,
    projectId: 'demo-test',
    apiEndpoint: endpoint,
    stop,
    async restart() {
      await stop();
      await launch();
    },
  };
}
