import { runStorageAdapterConformance } from '@polycloud/core/testing';
import { type FauxqsEmulator, startFauxqs } from '@polycloud/emulators';
import { afterAll, beforeAll } from 'vitest';
import { emulatorEnv } from './s3-env.js';

let emu: FauxqsEmulator;
beforeAll(async () => {
  emu = await startFauxqs();
});
afterAll(async () => {
  await emu?.stop();
});

runStorageAdapterConformance({
  name: 'aws (fauxqs 1.9.2)',
  // fauxqs rejects request bodies over 11 MiB (413): larger byte bodies go multipart.
  create: () => emulatorEnv(emu, { maxSinglePutBytes: 10 * 1024 * 1024 }),
  gaps: {
    conditionalWrite: 'fauxqs 1.9.2 ignores If-Match / If-None-Match on PutObject and GetObject',
    conditionalDelete: 'fauxqs 1.9.2 ignores If-Match on DeleteObject',
  },
});
