// Starts the Cloud Storage emulator of firebase-tools (15.34.2, pinned) in this process,
// without its CLI: the CLI needs Java 21 and downloads a rules-runtime JAR. The GCS JSON
// API paths run through the emulator's *admin* storage layer, where security rules never
// apply, so the rules runtime and manager are replaced by no-ops and nothing is
// downloaded. Usage: node gcs-server.mjs <port> [projectId]; prints `READY <port>`.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = Number(process.argv[2]);
const projectId = process.argv[3] ?? 'demo-test';
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: gcs-server.mjs <port> [projectId]');
  process.exit(2);
}

// The emulator writes blobs under os.tmpdir(): give it a fresh directory of its own.
const dataDir = mkdtempSync(join(tmpdir(), 'polycloud-gcs-'));
process.env.TMPDIR = dataDir;
// firebase-tools only sends usage analytics from its CLI; make sure it never thinks it is one.
delete process.env.IS_FIREBASE_CLI;
process.env.FIREBASE_CLI_EXPERIMENTS ??= '';

const require = createRequire(import.meta.url);
const { StorageEmulator } = require('firebase-tools/lib/emulator/storage');
const { EmulatorRegistry } = require('firebase-tools/lib/emulator/registry');

const noopRuntime = {
  alive: true,
  start: async () => undefined,
  stop: async () => undefined,
  loadRuleset: async () => ({ issues: { errors: [], warnings: [], all: [], exist: () => false } }),
};
const noopRulesManager = {
  start: async () => ({ errors: [], warnings: [], all: [], exist: () => false, extend() {} }),
  stop: async () => undefined,
  getRuleset: () => undefined,
};

class OfflineStorageEmulator extends StorageEmulator {
  constructor(args) {
    super(args);
    this._rulesRuntime = noopRuntime;
  }
  createRulesManager() {
    return noopRulesManager;
  }
}

const emulator = new OfflineStorageEmulator({
  projectId,
  host: '127.0.0.1',
  port,
  rules: [],
  auto_download: false,
});

let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  try {
    await EmulatorRegistry.stop(emulator.getName());
  } catch {
    // exiting anyway
  }
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));

// Never outlive the process that started us (a test run killed with SIGKILL).
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void shutdown(0);
}, 1000).unref();

try {
  await EmulatorRegistry.start(emulator);
  process.stdout.write(`READY ${port}\n`);
} catch (e) {
  console.error(`gcs emulator failed to start: ${e instanceof Error ? e.stack : String(e)}`);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(1);
}
