/**
 * One LogicalBucket bound to all three storage adapters, each against its emulator:
 * an object stored through the bucket (replication mode `sync`: acknowledged once
 * every binding holds it) reads back identically from each binding.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolycloud, type Polycloud } from '@polycloud/core';
import { createSync } from '@polycloud/sync';
import { createS3Adapter } from '@polycloud/adapter-aws';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { createGcsAdapter } from '@polycloud/adapter-gcp';
import { type RunningAzurite, type RunningGcsEmulator, type S3rverEmulator, startAzurite, startGcsEmulator, startS3rver } from '@polycloud/emulators';

const suffix = randomBytes(4).toString('hex');
const buckets = { aws: `pc-three-aws-${suffix}`, azure: `pc-three-az-${suffix}`, gcp: `pc-three-gcp-${suffix}` };
let s3: S3rverEmulator;
let azurite: RunningAzurite;
let gcs: RunningGcsEmulator;
let polycloud: Polycloud;

beforeAll(async () => {
  [s3, azurite, gcs] = await Promise.all([startS3rver(), startAzurite(), startGcsEmulator()]);
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const adapters = {
    aws: createS3Adapter({ endpoint: s3.endpoint, region: s3.region, accessKey: s3.accessKeyId, secretKey: s3.secretAccessKey }, { name: 'aws' }),
    azure: createAzureBlobAdapter({ connectionString: azurite.connectionString }, { name: 'azure' }),
    gcp: createGcsAdapter(
      {
        projectId: gcs.projectId,
        apiEndpoint: gcs.apiEndpoint,
        credentials: { client_email: 'three@demo-test.iam.gserviceaccount.com', private_key: key },
        useAuthWithCustomEndpoint: false,
      },
      { name: 'gcp' },
    ),
  };
  await Promise.all((['aws', 'azure', 'gcp'] as const).map((c) => adapters[c].ensureBucket(buckets[c])));
  polycloud = createPolycloud({
    providers: (['aws', 'azure', 'gcp'] as const).map((c) => ({ name: c, adapter: adapters[c] })),
    resources: [
      {
        resource_id: 'lb-three',
        type: 'LogicalBucket',
        replication: { mode: 'sync' },
        providers: [
          { cloud: 'aws', physical_id: buckets.aws },
          { cloud: 'azure', physical_id: buckets.azure },
          { cloud: 'gcp', physical_id: buckets.gcp },
        ],
      },
    ],
    sync: createSync(),
  });
}, 120_000);

afterAll(async () => {
  await polycloud?.close();
  await Promise.allSettled([s3?.remove(), azurite?.stop(), gcs?.stop()]);
});

describe('one LogicalBucket over S3, Azure Blob and GCS', () => {
  it('stores an object once and reads it back from every binding', async () => {
    const bucket = polycloud.bucket('lb-three');
    const body = `Grüße aus drei Clouds ${suffix}\n`.repeat(100);
    const put = await bucket.put('reports/three.txt', body, { contentType: 'text/plain', metadata: { owner: 'Zoë' } });
    expect(put.binding).toBe('aws');
    for (const binding of ['aws', 'azure', 'gcp']) {
      const obj = await bucket.get('reports/three.txt', { binding });
      expect(obj.binding).toBe(binding);
      expect(await obj.text()).toBe(body);
      expect(obj.contentType).toBe('text/plain');
      expect(obj.metadata).toEqual({ owner: 'Zoë' });
    }
  }, 60_000);
});
