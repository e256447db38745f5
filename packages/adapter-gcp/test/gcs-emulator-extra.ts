import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { StorageAdapter } from '@polycloud/core/spi';
import { createAdapterRegistry, createPolycloud, isPolycloudError, readAll } from '@polycloud/core';
import { expect, it } from 'vitest';
import { type GcsAdapterOptions, gcsAdapterFactory } from '../src/storage/index.js';

type Get = () => { adapter: StorageAdapter; bucket: string };

const run = randomBytes(4).toString('hex');
const key = (name: string) => `gcs-extra/${run}/${name}`;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'success';
  } catch (e) {
    return isPolycloudError(e) ? e.code : `non-polycloud: ${String(e)}`;
  }
}

/**
 * Adapter behaviour the emulator does support although the conformance case that
 * covers it is skipped for a sibling gap (e.g. get's ifMatch is checked by the
 * adapter against the generation, while the case needs `conditionalWrite`).
 */
export function gcsEmulatorExtraTests(
  get: Get,
  variant: (extra: Partial<GcsAdapterOptions>) => StorageAdapter,
  connection: () => { projectId: string; apiEndpoint: string },
): void {
  it('through createPolycloud: a provider of type gcs from the registry, a LogicalBucket put / get / head', async () => {
    const { bucket } = get();
    const polycloud = createPolycloud({
      registry: createAdapterRegistry([gcsAdapterFactory]),
      providers: [{ name: 'gcp', type: 'gcs', ...connection() }],
      resources: [{ resource_id: 'lb-gcs', type: 'LogicalBucket', providers: [{ cloud: 'gcp', physical_id: bucket }] }],
    });
    try {
      const lb = polycloud.bucket('lb-gcs');
      const put = await lb.put(key('via-polycloud'), 'héllo', { metadata: { city: 'Zürich' } });
      expect(await lb.getText(key('via-polycloud'))).toBe('héllo');
      const head = await lb.head(key('via-polycloud'));
      expect(head).toMatchObject({ versionToken: put.versionToken, size: 6, metadata: { city: 'Zürich' } });
    } finally {
      await polycloud.close();
    }
  });

  it('readMetadataOnGet: false → one media request; info from headers, no metadata', async () => {
    const { adapter, bucket } = get();
    const put = await adapter.put(bucket, key('lean'), Buffer.from('lean body'), { contentType: 'text/plain', metadata: { a: 'b' } });
    const lean = variant({ readMetadataOnGet: false });
    const { info, body } = await lean.get(bucket, key('lean'));
    expect((await readAll(body)).toString()).toBe('lean body');
    expect(info).toMatchObject({ key: key('lean'), size: 9, versionToken: put.versionToken, contentType: 'text/plain' });
    expect(info.metadata).toBeUndefined();
    const ranged = await lean.get(bucket, key('lean'), { range: { start: 5 } });
    expect((await readAll(ranged.body)).toString()).toBe('body');
    expect(ranged.info.size).toBe(9);
    expect(await codeOf(lean.get(bucket, key('missing')))).toBe('NOT_FOUND');
  });

  it('get with ifMatch: the current generation reads, a stale one → CONDITION_NOT_MET', async () => {
    const { adapter, bucket } = get();
    const first = await adapter.put(bucket, key('if-match'), Buffer.from('one'));
    const second = await adapter.put(bucket, key('if-match'), Buffer.from('two'));
    expect(first.versionToken).toMatch(/^\d+$/);
    expect(second.versionToken).not.toBe(first.versionToken);
    expect(await codeOf(adapter.get(bucket, key('if-match'), { ifMatch: first.versionToken }))).toBe('CONDITION_NOT_MET');
    expect(await codeOf(adapter.get(bucket, key('if-match'), { ifMatch: 'etag-from-another-cloud' }))).toBe('CONDITION_NOT_MET');
    const { body, info } = await adapter.get(bucket, key('if-match'), { ifMatch: second.versionToken });
    expect((await readAll(body)).toString()).toBe('two');
    expect(info.versionToken).toBe(second.versionToken);
  });

  it('list with a delimiter (one page) groups keys into common prefixes', async () => {
    const { adapter, bucket } = get();
    for (const k of ['d/a/1', 'd/a/2', 'd/b/1', 'd/top']) await adapter.put(bucket, key(k), Buffer.from(k));
    const page = await adapter.list(bucket, { prefix: key('d/'), delimiter: '/' });
    expect(page.prefixes).toEqual([key('d/a/'), key('d/b/')]);
    expect(page.objects.map((o) => o.key)).toEqual([key('d/top')]);
  });

  it('a stream that fails mid-upload leaves the previous version intact', async () => {
    const { adapter, bucket } = get();
    await adapter.put(bucket, key('atomic'), Buffer.from('before'));
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024, 1));
        this.destroy(new Error('source broke'));
      },
    });
    expect(await codeOf(adapter.put(bucket, key('atomic'), failing))).not.toBe('success');
    const { body } = await adapter.get(bucket, key('atomic'));
    expect((await readAll(body)).toString()).toBe('before');
  });

  it('an aborted signal rejects with ABORTED before any request', async () => {
    const { adapter, bucket } = get();
    const signal = AbortSignal.abort();
    expect(await codeOf(adapter.head(bucket, key('x'), { signal }))).toBe('ABORTED');
    expect(await codeOf(adapter.put(bucket, key('x'), Buffer.from('x'), { signal }))).toBe('ABORTED');
  });

  it('probe succeeds on a served bucket', async () => {
    const { adapter, bucket } = get();
    await expect(adapter.probe!(bucket)).resolves.toBeUndefined();
  });
}
