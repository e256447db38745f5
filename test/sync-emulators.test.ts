/**
 * End to end: one LogicalBucket over the S3 emulator (s3rver) → Azurite → the GCS
 * emulator. Writes through polycloud land on s3rver; the replicator copies them to
 * Azurite and GCS; s3rver is stopped in the middle of replication and restarted;
 * out-of-band changes are reconciled; every copy must end byte-identical with
 * identical metadata, and eu-tagged data never reaches the us binding.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolycloud, type Polycloud, readAll } from '@polycloud/core';
import { type StorageAdapter, versionFromMetadata } from '@polycloud/core/spi';
import { createS3Adapter } from '@polycloud/adapter-aws';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { createGcsAdapter } from '@polycloud/adapter-gcp';
import { type RunningAzurite, type RunningGcsEmulator, type S3rverEmulator, startAzurite, startGcsEmulator, startS3rver } from '@polycloud/emulators';
import { createSync } from '@polycloud/sync';

const name = (p: string) => `${p}-${randomBytes(4).toString('hex')}`;

let s3: S3rverEmulator;
let azurite: RunningAzurite;
let gcs: RunningGcsEmulator;
const adapters: Record<'aws' | 'azure' | 'gcs', StorageAdapter> = {} as never;
const buckets = { aws: name('pc-sync-aws'), azure: name('pc-sync-az'), gcs: name('pc-sync-gcs') };
let polycloud: Polycloud;
const events: { name: string; payload: Record<string, unknown> }[] = [];

beforeAll(async () => {
  [s3, azurite, gcs] = await Promise.all([startS3rver(), startAzurite(), startGcsEmulator()]);
  adapters.aws = createS3Adapter({ endpoint: s3.endpoint, region: s3.region, accessKey: s3.accessKeyId, secretKey: s3.secretAccessKey }, { name: 'aws' });
  adapters.azure = createAzureBlobAdapter({ connectionString: azurite.connectionString }, { name: 'azure' });
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  adapters.gcs = createGcsAdapter(
    {
      projectId: gcs.projectId,
      apiEndpoint: gcs.apiEndpoint,
      credentials: { client_email: 'sync-test@demo-test.iam.gserviceaccount.com', private_key: key },
      useAuthWithCustomEndpoint: false,
    },
    { name: 'gcs' },
  );
  await Promise.all((['aws', 'azure', 'gcs'] as const).map((b) => adapters[b].ensureBucket(buckets[b])));
  polycloud = createPolycloud({
    providers: (['aws', 'azure', 'gcs'] as const).map((n) => ({ name: n, adapter: adapters[n] })),
    residency: { eu: ['europe-*', 'westeurope'] },
    retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    timeoutMs: 10_000,
    resources: [
      {
        resource_id: 'docs',
        type: 'LogicalBucket',
        providers: [
          { cloud: 'aws', physical_id: buckets.aws, region: 'us-east-1' },
          { cloud: 'azure', physical_id: buckets.azure, region: 'westeurope' },
          { cloud: 'gcs', physical_id: buckets.gcs, region: 'europe-west1' },
        ],
        replication: { mode: 'async', conflict: 'keep-both' },
      },
    ],
    // Journal, lease and checkpoints on Azurite: it enforces conditional writes (s3rver and the GCS emulator ignore them).
    sync: createSync({
      autoStart: false,
      stateBinding: 'azure',
      journalPlacement: 'state',
      partitions: 1,
      batchSize: 8,
      maxAttempts: 2,
      baseDelayMs: 20,
      maxDelayMs: 100,
    }),
  });
  for (const n of ['replicated', 'conflict', 'replication-refused', 'adopted'])
    polycloud.events.on(n, (p: unknown) => events.push({ name: n, payload: p as Record<string, unknown> }));
}, 120_000);

afterAll(async () => {
  await polycloud?.close();
  await Promise.allSettled([s3?.stop(), azurite?.stop(), gcs?.stop()]);
});

async function state(binding: 'aws' | 'azure' | 'gcs') {
  const out = new Map<string, { sha: string; metadata: Record<string, string> }>();
  let token: string | undefined;
  do {
    const page = await adapters[binding].list(buckets[binding], token ? { continuationToken: token } : {});
    for (const o of page.objects) {
      if (o.key.startsWith('_polycloud/')) continue;
      const { info, body } = await adapters[binding].get(buckets[binding], o.key);
      out.set(o.key, {
        sha: createHash('sha256')
          .update(await readAll(body))
          .digest('hex'),
        metadata: info.metadata ?? {},
      });
    }
    token = page.continuationToken;
  } while (token);
  return out;
}

describe('sync end to end: s3rver → Azurite → GCS emulator', () => {
  it('replicates, survives the source emulator stopping mid-replication, reconciles out-of-band changes, converges', async () => {
    const bucket = polycloud.bucket('docs');
    const sync = polycloud.sync('docs');
    for (let i = 0; i < 24; i++)
      await bucket.put(`doc-${String(i).padStart(2, '0')}.txt`, `document ${i} `.repeat(50), {
        metadata: { owner: `user-${i % 3}` },
        contentType: 'text/plain',
      });
    await bucket.put('eu/patient.json', '{"name":"x"}', { tags: { residency: 'eu' } });
    await bucket.put('doc-00.txt', 'second version');
    await bucket.delete('doc-01.txt');

    // First batch replicated, then the source emulator goes down mid-replication.
    const first = await sync.runOnce();
    expect(first.leased).toBe(true);
    await s3.stop();
    const during = await sync.runOnce();
    expect(during.failedKeys.length).toBeGreaterThan(0);
    const st = await sync.status();
    expect(st.targets.find((t) => t.binding === 'gcs')!.backlog).toBeGreaterThan(0);
    expect(sync.objectStatus(during.failedKeys[0]!)?.state).toBe('FAILED');
    await s3.restart();
    await sync.drain();

    // Out-of-band changes straight on the clouds: a new object on GCS, a delete on Azurite.
    await adapters.gcs.put(buckets.gcs, 'uploaded-outside.txt', Buffer.from('made with gsutil'), { contentType: 'text/plain' });
    await adapters.azure.delete(buckets.azure, 'doc-02.txt');
    const rec = await sync.reconcile();
    expect(rec.status).toBe('ok');
    expect(rec.outOfBandDeletes).toBe(1);
    await sync.drain();
    expect((await sync.reconcile()).changed).toBe(0);

    const [aws, azure, gcsState] = await Promise.all([state('aws'), state('azure'), state('gcs')]);
    // Residency: the eu object lives on the eu bindings only, never on the us one.
    expect(aws.has('eu/patient.json')).toBe(false);
    expect(azure.has('eu/patient.json')).toBe(true);
    expect(events.some((e) => e.name === 'replication-refused' && e.payload['binding'] === 'aws')).toBe(true);
    azure.delete('eu/patient.json');
    expect(gcsState.get('eu/patient.json')).toBeDefined();
    gcsState.delete('eu/patient.json');
    // Converged: same keys, same bytes, same metadata (user and pc_*) on all three.
    expect([...aws.keys()].sort()).toEqual([...azure.keys()].sort());
    expect([...gcsState.keys()].sort()).toEqual([...azure.keys()].sort());
    for (const [key, v] of aws) {
      expect(azure.get(key), key).toEqual(v);
      expect(gcsState.get(key), key).toEqual(v);
      expect(versionFromMetadata(v.metadata), key).toBeDefined();
    }
    expect(aws.has('doc-01.txt')).toBe(false);
    expect(aws.has('doc-02.txt')).toBe(false);
    expect(aws.has('uploaded-outside.txt')).toBe(true);
    expect(aws.get('doc-03.txt')!.metadata['owner']).toBe('user-0');
    expect(aws.size).toBe(24 - 2 + 1);
  }, 180_000);
});
