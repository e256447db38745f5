/**
 * Where the demo's three clouds come from: the local emulators (Azurite, s3rver and
 * the Cloud Storage emulator of firebase-tools, all on 127.0.0.1) or, with
 * --embedded, three in-memory clouds behind core's fault injector. Either way the
 * demo sees three StorageAdapters it can take down and bring back.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { StorageAdapter } from '@polycloud/core/spi';
import { createFaultInjectingStorageAdapter, createMemoryStorageAdapter } from '@polycloud/core/testing';
import { createS3Adapter } from '@polycloud/adapter-aws';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { createGcsAdapter } from '@polycloud/adapter-gcp';
import { type RunningEmulator, startAzurite, startGcsEmulator, startS3rver } from '@polycloud/emulators';

export type CloudName = 'aws' | 'azure' | 'gcp';
export const CLOUDS: CloudName[] = ['aws', 'azure', 'gcp'];

export interface DemoEnvironment {
  mode: 'emulators' | 'embedded';
  adapters: Record<CloudName, StorageAdapter>;
  buckets: Record<CloudName, string>;
  /** What serves each cloud, for the summary. */
  describe: Record<CloudName, string>;
  /** Takes a cloud fully down (stops its emulator / switches the outage on). */
  stop(cloud: CloudName): Promise<void>;
  restart(cloud: CloudName): Promise<void>;
  close(): Promise<void>;
}

const suffix = randomBytes(3).toString('hex');

export async function startEnvironment(embedded: boolean): Promise<DemoEnvironment> {
  const buckets = { aws: `demo-aws-${suffix}`, azure: `demo-azure-${suffix}`, gcp: `demo-gcp-${suffix}` };
  if (embedded) {
    const faulty = Object.fromEntries(
      CLOUDS.map((c) => [c, createFaultInjectingStorageAdapter(createMemoryStorageAdapter({ name: c, buckets: [buckets[c]] }), { seed: 7 })]),
    ) as Record<CloudName, ReturnType<typeof createFaultInjectingStorageAdapter>>;
    return {
      mode: 'embedded',
      adapters: faulty,
      buckets,
      describe: { aws: 'memory', azure: 'memory', gcp: 'memory' },
      stop: async (c) => faulty[c].outage(true),
      restart: async (c) => faulty[c].outage(false),
      close: async () => {},
    };
  }
  process.env['METADATA_SERVER_DETECTION'] = 'none';
  const starting = await Promise.allSettled([startS3rver(), startAzurite(), startGcsEmulator()]);
  const failed = starting.find((r) => r.status === 'rejected');
  if (failed) {
    // stop whatever did start before giving up
    await Promise.allSettled(starting.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw (failed as PromiseRejectedResult).reason;
  }
  const [s3, azurite, gcs] = starting.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startS3rver>>,
    Awaited<ReturnType<typeof startAzurite>>,
    Awaited<ReturnType<typeof startGcsEmulator>>,
  ];
  const running: Record<CloudName, RunningEmulator> = { aws: s3, azure: azurite, gcp: gcs };
  // The GCS emulator does not check signatures; a throwaway key lets the adapter presign.
  const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const adapters: Record<CloudName, StorageAdapter> = {
    aws: createS3Adapter(
      { endpoint: s3.endpoint, region: s3.region, accessKey: s3.accessKeyId, secretKey: s3.secretAccessKey, requestTimeoutMs: 2000 },
      { name: 'aws' },
    ),
    azure: createAzureBlobAdapter({ connectionString: azurite.connectionString }, { name: 'azure' }),
    gcp: createGcsAdapter(
      {
        projectId: gcs.projectId,
        apiEndpoint: gcs.apiEndpoint,
        credentials: { client_email: 'demo@demo-test.iam.gserviceaccount.com', private_key: privateKey },
        useAuthWithCustomEndpoint: false,
      },
      { name: 'gcp' },
    ),
  };
  try {
    await Promise.all(CLOUDS.map((c) => adapters[c].ensureBucket(buckets[c])));
  } catch (e) {
    await Promise.allSettled([s3.remove(), azurite.stop(), gcs.stop()]);
    throw e;
  }
  return {
    mode: 'emulators',
    adapters,
    buckets,
    describe: { aws: `s3rver ${s3.endpoint}`, azure: `Azurite ${azurite.endpoint}`, gcp: `GCS emulator ${gcs.endpoint}` },
    stop: (c) => running[c].stop(),
    restart: (c) => running[c].restart(),
    close: async () => {
      await Promise.allSettled(CLOUDS.map((c) => adapters[c].close?.()));
      await Promise.allSettled([s3.remove(), azurite.stop(), gcs.stop()]);
    },
  };
}
