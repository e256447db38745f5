// The REST API over real adapters: a LogicalBucket on s3rver (S3) and Azurite (Azure
// Blob), replicated, behind a gateway — through the generated client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapterRegistry, type Polycloud } from '@polycloud/core';
import { createPolycloudFromConfig } from '@polycloud/core/config';
import { s3AdapterFactory } from '@polycloud/adapter-aws';
import { azureBlobAdapterFactory } from '@polycloud/adapter-azure';
import { type RunningAzurite, type S3rverEmulator, startAzurite, startS3rver } from '@polycloud/emulators';
import { createSync } from '@polycloud/sync';
import { createGateway, type Gateway } from '@polycloud/gateway';
import { ADMIN, FULL_CONFIG } from './helpers.js';
import * as api from './rest-client.js';

const CONFIG = `
providers:
  - name: aws
    type: s3
    endpoint: \${S3_ENDPOINT}
    region: us-east-1
    access_key: \${S3_KEY}
    secret_key: \${S3_SECRET}
    force_path_style: true
  - name: azure
    type: azure-blob
    connection_string: \${AZURE_CONNECTION_STRING}
residency:
  eu: [westeurope]
resources:
  - resource_id: lb
    type: LogicalBucket
    providers:
      - {cloud: aws, physical_id: pc-gw-a, region: us-east-1}
      - {cloud: azure, physical_id: pc-gw-b, region: westeurope}
`;

describe('the REST API over s3rver and Azurite', () => {
  let s3: S3rverEmulator;
  let azure: RunningAzurite;
  let polycloud: Polycloud;
  let gateway: Gateway;
  let client: api.GatewayClient;

  beforeAll(async () => {
    [s3, azure] = await Promise.all([startS3rver(), startAzurite()]);
    const env = { S3_ENDPOINT: s3.endpoint, S3_KEY: s3.accessKeyId, S3_SECRET: s3.secretAccessKey, AZURE_CONNECTION_STRING: azure.connectionString };
    const registry = createAdapterRegistry([s3AdapterFactory, azureBlobAdapterFactory]);
    polycloud = createPolycloudFromConfig(CONFIG, { registry, env, sync: createSync({ autoStart: false }) });
    for (const b of polycloud.bucket('lb').resource.providers) await polycloud.storageAdapter(b.provider).ensureBucket(b.physical_id);
    gateway = createGateway({ polycloud, config: FULL_CONFIG });
    const { url } = await gateway.listen();
    client = api.gatewayClient(url, ADMIN.authorization);
  }, 180_000);

  afterAll(async () => {
    await gateway?.close();
    await polycloud?.close();
    await Promise.allSettled([s3?.remove(), azure?.stop()]);
  });

  it('writes, reads a range, lists, replicates to the other cloud, deletes', async () => {
    const put = await api.putObject(client, 'lb', 'reports/2026.csv', 'a,b,c\n1,2,3\n', { contentType: 'text/csv', metadata: { owner: 'ana' } });
    expect(put.status).toBe(201);
    expect(put.result!.binding).toBe('aws');
    const part = await api.getObject(client, 'lb', 'reports/2026.csv', 'bytes=6-');
    expect([part.status, part.text, part.headers.get('x-polycloud-meta-owner')]).toEqual([206, '1,2,3\n', 'ana']);
    expect((await api.listObjects(client, 'lb', { prefix: 'reports/' })).objects.map((o) => o.key)).toEqual(['reports/2026.csv']);

    expect((await api.drain(client, 'lb')).more).toBe(false);
    expect(await polycloud.bucket('lb').getText('reports/2026.csv', { binding: 'azure' })).toBe('a,b,c\n1,2,3\n');

    expect(await api.deleteObject(client, 'lb', 'reports/2026.csv')).toBe(204);
    expect((await api.headObject(client, 'lb', 'reports/2026.csv')).status).toBe(404);
  });

  it('a presigned GET URL from S3 works without the gateway', async () => {
    expect((await api.putObject(client, 'lb', 'shared.txt', 'shared')).status).toBe(201);
    const { data } = await api.presign(client, 'lb', { key: 'shared.txt', method: 'GET', expiresInSeconds: 120 });
    expect(data!.binding).toBe('aws');
    const res = await fetch(data!.url);
    expect([res.status, await res.text()]).toEqual([200, 'shared']);
  });

  it('EU-tagged data goes to the Azure binding; the route explanation says why', async () => {
    const res = await fetch(`${gateway.url}/_polycloud/v1/buckets/lb/objects/eu.txt`, {
      method: 'PUT',
      headers: { ...ADMIN, 'x-polycloud-tag-residency': 'eu' },
      body: 'eu',
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { binding: string }).binding).toBe('azure');
    const explanation = await fetch(`${gateway.url}/_polycloud/v1/buckets/lb/explain?operation=write&key=eu.txt`, {
      headers: { ...ADMIN, 'x-polycloud-tag-residency': 'eu' },
    });
    const e = (await explanation.json()) as { chosen: string; candidates: { binding: string; verdict: string }[] };
    expect(e.chosen).toBe('azure');
    expect(e.candidates.find((c) => c.binding === 'aws')!.verdict).toBe('residency');
  });
});
