import { runStorageAdapterConformance } from '@polycloud/core/testing';
import { type RunningGcsEmulator, startGcsEmulator } from '@polycloud/emulators';
import { afterAll, beforeAll } from 'vitest';
import { gcsEmulatorExtraTests } from './gcs-emulator-extra.js';
import { emulatorAdapter, emulatorEnv } from './gcs-env.js';

let emu: RunningGcsEmulator;
beforeAll(async () => {
  emu = await startGcsEmulator();
});
afterAll(async () => {
  await emu?.stop();
});

const EMULATOR = 'the firebase-tools 15.34.2 storage emulator';
runStorageAdapterConformance({
  name: 'gcp (firebase-tools 15.34.2 storage emulator)',
  create: () => emulatorEnv(emu),
  // A restarted emulator starts empty (the fault cases create the bucket again).
  faults: { stop: () => emu.stop(), start: () => emu.restart() },
  gaps: {
    conditionalWrite: `${EMULATOR} ignores ifGenerationMatch on uploads (generation 0 and stale generations still write)`,
    conditionalDelete: `${EMULATOR} ignores ifGenerationMatch on objects.delete`,
    copy: `${EMULATOR} answers objects.rewrite / copyTo on the /storage/v1 paths the SDK uses with 501 Not Implemented`,
    listDelimiter: `${EMULATOR} returns every common prefix on every page and does not count prefixes against maxResults`,
    presign: `${EMULATOR} serves a V4 URL without verifying its signature, so the case would pass with any signature (the real check is the offline signature verification in storage-options.test.ts)`,
  },
  additionalTests: (get) =>
    gcsEmulatorExtraTests(
      get,
      (extra) => emulatorAdapter(emu, extra),
      () => ({ projectId: emu.projectId, apiEndpoint: emu.apiEndpoint }),
    ),
});
