import { randomBytes } from 'node:crypto';
import type { StorageAdapter } from '@polycloud/core/spi';
import type { FauxqsEmulator, S3rverEmulator } from '@polycloud/emulators';
import { createS3Adapter, type S3AdapterOptions } from '../src/storage/index.js';

/** A fresh random bucket name (S3 rules: lower case, digits, dashes). */
export function randomBucket(prefix = 'pc-test'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** An S3 adapter pointed at a running emulator, with its keys. */
export function emulatorAdapter(emu: S3rverEmulator | FauxqsEmulator, extra: Partial<S3AdapterOptions> = {}): StorageAdapter {
  return createS3Adapter(
    { endpoint: emu.endpoint, region: emu.region, accessKey: emu.accessKeyId, secretKey: emu.secretAccessKey, ...extra },
    { name: `s3-${emu.name}` },
  );
}

/** Adapter + a new bucket on it, for the conformance suite. */
export async function emulatorEnv(emu: S3rverEmulator | FauxqsEmulator, extra: Partial<S3AdapterOptions> = {}) {
  const adapter = emulatorAdapter(emu, extra);
  const bucket = randomBucket();
  await adapter.ensureBucket(bucket);
  return { adapter, bucket, cleanup: () => adapter.close?.() ?? Promise.resolve() };
}
