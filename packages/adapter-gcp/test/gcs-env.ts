import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { RunningGcsEmulator } from '@polycloud/emulators';
import { type GcsAdapterOptions, createGcsAdapter } from '../src/storage/index.js';

/** A fresh random bucket name (GCS rules: lower case, digits, dashes). */
export function randomBucket(prefix = 'pc-test'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

let testKey: string | undefined;
/** A throw-away RSA key (generated once per process) so V4 URLs can be signed offline. */
export function testPrivateKey(): string {
  testKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return testKey;
}

export const TEST_CLIENT_EMAIL = 'polycloud-test@demo-test.iam.gserviceaccount.com';

/** A gcs adapter on a running emulator (unauthenticated; a generated key only to sign URLs). */
export function emulatorAdapter(emu: RunningGcsEmulator, extra: Partial<GcsAdapterOptions> = {}) {
  return createGcsAdapter(
    {
      projectId: emu.projectId,
      apiEndpoint: emu.apiEndpoint,
      credentials: { client_email: TEST_CLIENT_EMAIL, private_key: testPrivateKey() },
      useAuthWithCustomEndpoint: false,
      ...extra,
    },
    { name: 'gcs-emulator' },
  );
}

/** Adapter + a new bucket, for the conformance suite. */
export async function emulatorEnv(emu: RunningGcsEmulator, extra: Partial<GcsAdapterOptions> = {}) {
  const adapter = emulatorAdapter(emu, extra);
  const bucket = randomBucket();
  await adapter.ensureBucket(bucket);
  return { adapter, bucket, cleanup: () => adapter.close() };
}
