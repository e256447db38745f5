import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import { isPolycloudError, readAll } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';
import type { RunningAzurite } from '@polycloud/emulators';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { randomContainer } from './azurite-fixture.js';

/** Azure-specific behaviour, run inside the conformance suite on the same Azurite and container. */
export function azureAdditionalTests(get: () => { adapter: StorageAdapter; bucket: string }, emulator: () => RunningAzurite): void {
  const key = (name: string) => `azure-extra/${name}`;

  it('azure: ensureBucket creates a container and is idempotent', async () => {
    const { adapter } = get();
    const c = randomContainer('ensure');
    await adapter.ensureBucket(c);
    await adapter.ensureBucket(c);
    await adapter.probe!(c);
  });

  it('azure: stored metadata names are C# identifiers and values header-safe, read back exactly', async () => {
    const { adapter, bucket } = get();
    const metadata = { 'content-md5': 'x', '1st': ' padded ', plain_name: '=?pc-b64?looks-encoded', emoji: 'ü🙂' };
    await adapter.put(bucket, key('meta'), Buffer.from('m'), { metadata });
    expect((await adapter.head(bucket, key('meta'))).metadata).toEqual(metadata);
  });

  it('azure: streams and large byte arrays are staged in blocks (64 KiB blocks here) and read back', async () => {
    const { bucket } = get();
    const block = 64 * 1024;
    const adapter = createAzureBlobAdapter({ connectionString: emulator().connectionString, blockSizeBytes: block, concurrency: 2, maxSingleShotBytes: block });
    const chunks = Array.from({ length: 5 }, (_, i) => Buffer.alloc(block + 100, i));
    const put = await adapter.put(bucket, key('big'), Readable.from(chunks));
    expect(put.size).toBe(5 * (block + 100));
    const got = await adapter.get(bucket, key('big'));
    expect(Buffer.compare(await readAll(got.body), Buffer.concat(chunks))).toBe(0);
    expect(got.info.versionToken).toBe(put.versionToken);
    const bytes = Buffer.concat(chunks.slice(0, 3));
    const putBytes = await adapter.put(bucket, key('big-bytes'), bytes, { ifNoneMatch: '*' });
    expect(putBytes.size).toBe(bytes.length);
    const range = await adapter.get(bucket, key('big-bytes'), { range: { start: block + 98, end: block + 101 } });
    expect([...(await readAll(range.body))]).toEqual([0, 0, 1, 1]);
    expect(range.info.size).toBe(bytes.length);
    await expect(adapter.put(bucket, key('big-bytes'), bytes, { ifNoneMatch: '*' })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('azure: a stream that ends within one block is one Put Blob; a longer one is committed as blocks', async () => {
    const { bucket } = get();
    const block = 64 * 1024;
    const adapter = createAzureBlobAdapter({ connectionString: emulator().connectionString, blockSizeBytes: block });
    const blocks = async (k: string) =>
      (await BlobServiceClient.fromConnectionString(emulator().connectionString).getContainerClient(bucket).getBlockBlobClient(k).getBlockList('committed'))
        .committedBlocks ?? [];
    await adapter.put(bucket, key('short'), Readable.from([Buffer.alloc(1000, 1), Buffer.alloc(block - 1000, 2)]));
    expect(await blocks(key('short'))).toHaveLength(0);
    await adapter.put(bucket, key('long'), Readable.from([Buffer.alloc(block, 1), Buffer.alloc(10, 2)]));
    expect((await blocks(key('long'))).length).toBeGreaterThan(0);
    expect((await adapter.head(bucket, key('long'))).size).toBe(block + 10);
  });

  it('azure: a source stream failing mid-upload fails the put and leaves the previous version', async () => {
    const { bucket } = get();
    const block = 64 * 1024;
    const adapter = createAzureBlobAdapter({ connectionString: emulator().connectionString, blockSizeBytes: block });
    const before = await adapter.put(bucket, key('failing'), Buffer.from('v1'));
    async function* failing() {
      yield Buffer.alloc(block + 1, 7);
      yield Buffer.alloc(block, 8);
      throw new Error('source broke');
    }
    const error = await adapter.put(bucket, key('failing'), Readable.from(failing(), { objectMode: false })).catch((e: unknown) => e);
    expect(isPolycloudError(error)).toBe(true);
    const now = await adapter.get(bucket, key('failing'));
    expect((await readAll(now.body)).toString()).toBe('v1');
    expect(now.info.versionToken).toBe(before.versionToken);
  });

  it('azure: listing ETags equal head ETags (quoted), usable in ifMatch', async () => {
    const { adapter, bucket } = get();
    const put = await adapter.put(bucket, key('etag'), Buffer.from('e'));
    const page = await adapter.list(bucket, { prefix: key('etag') });
    expect(page.objects[0]?.versionToken).toBe(put.versionToken);
    await adapter.delete(bucket, key('etag'), { ifMatch: page.objects[0]!.versionToken });
  });

  it('azure: a presigned PUT then GET work with plain HTTP', async () => {
    const { adapter, bucket } = get();
    const putUrl = await adapter.presign(bucket, key('signed'), { method: 'PUT', expiresInSeconds: 60 });
    const put = await fetch(putUrl, { method: 'PUT', body: 'via sas', headers: { 'x-ms-blob-type': 'BlockBlob' } });
    expect(put.status).toBe(201);
    const getUrl = await adapter.presign(bucket, key('signed'), { method: 'GET', expiresInSeconds: 60, contentType: 'text/x-test' });
    const res = await fetch(getUrl);
    expect(await res.text()).toBe('via sas');
    expect(res.headers.get('content-type')).toBe('text/x-test');
    const readOnly = await fetch(getUrl, { method: 'PUT', body: 'no', headers: { 'x-ms-blob-type': 'BlockBlob' } });
    expect(readOnly.status).toBe(403);
  });
}
