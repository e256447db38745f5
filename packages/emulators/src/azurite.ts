import { connect } from 'node:net';
import { answers, freePort, packageBin, type RunningEmulator } from './process.js';
import { spawnEmulator } from './spawn-emulator.js';

/** Azurite's (and the Azure Storage emulator's) published development account. */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
/** The well-known, published key of `devstoreaccount1` (not a secret: documented by Microsoft for the emulators). */
export const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite extends RunningEmulator {
  accountName: string;
  accountKey: string;
  /** `http://127.0.0.1:<port>/devstoreaccount1` (path-style account). */
  blobEndpoint: string;
  connectionString: string;
}

export interface StartAzuriteOptions {
  /** Port to listen on; a free one when absent. */
  port?: number;
  /** Milliseconds to wait for it to answer. */
  timeoutMs?: number;
  /** Serve HTTPS with this PEM certificate and key (files); needed for `oauth`. */
  https?: { certPath: string; keyPath: string };
  /** `basic`: accept Bearer tokens (JWTs checked for issuer, audience and lifetime, not signature). */
  oauth?: 'basic';
}

/** Resolves true when something accepts TCP connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts azurite-blob 3.35 as a child process on 127.0.0.1, in memory:
 * `--inMemoryPersistence --skipApiVersionCheck --loose --disableTelemetry --silent`.
 * `restart()` starts it again on the same port; being in memory, every container
 * and blob is lost on restart.
 */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<RunningAzurite> {
  const port = options.port ?? (await freePort());
  const timeoutMs = options.timeoutMs ?? 20_000;
  const script = packageBin('azurite', 'azurite-blob');
  const args = [
    '--inMemoryPersistence',
    '--skipApiVersionCheck',
    '--loose',
    '--disableTelemetry',
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(port),
    '--silent',
  ];
  if (options.https) args.push('--cert', options.https.certPath, '--key', options.https.keyPath);
  if (options.oauth) args.push('--oauth', options.oauth);
  const endpoint = `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`;
  const blobEndpoint = `${endpoint}/${AZURITE_ACCOUNT_NAME}`;

  // Under spawnEmulator's parent watchdog: the child exits when this process dies
  // without stopping it (a killed test worker runs no `exit` handler).
  const proc = spawnEmulator({
    what: `azurite-blob on port ${port}`,
    program: { bin: script, args },
    ready: () => (options.https ? listening(port) : answers(`${blobEndpoint}?comp=list`)),
    startTimeoutMs: timeoutMs,
  });
  await proc.launch();
  const stop = () => proc.halt();

  return {
    name: 'azurite',
    host: '127.0.0.1',
    port,
    endpoint,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=${options.https ? 'https' : 'http'};AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`,
    stop,
    pause: () => proc.pause(),
    resume: () => proc.resume(),
    async restart() {
      await stop();
      await proc.launch();
    },
  };
}
