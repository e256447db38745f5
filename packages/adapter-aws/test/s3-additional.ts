import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { isPolycloudError, readAll } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';
import { expect, it } from 'vitest';

/** Tricky metadata values: non-ASCII, edge whitespace, look-alikes of the encodings. */
export const TRICKY_METADATA: Record<string, string> = {
  accents: 'héllo wörld',
  cjk: '日本語',
  emoji: '😀👍🏽',
  lead: ' leading space',
  trail: 'trailing space ',
  empty: '',
  rfc2047: '=?UTF-8?B?w6k=?=',
  marker: '~pc~%C3%A9',
  percent: '100% %41',
  plain: 'plain ascii',
};

export interface S3AdditionalOptions {
  /** Why copying a key with URL-reserved characters cannot be checked here, if it cannot. */
  reservedKeyCopyGap?: string;
  /** Why a copy's new contentType cannot be checked here, if it cannot. */
  copyContentTypeGap?: string;
  /** Check that a byte body above this size is stored (multipart) although one PUT could not carry it. */
  oversizeBytes?: number;
}

/** S3-specific checks run against each emulator, next to the conformance suite. */
export function s3AdditionalTests(get: () => { adapter: StorageAdapter; bucket: string }, options: S3AdditionalOptions = {}): void {
  const key = (name: string) => `s3-extra/${name}`;

  it('tricky metadata values (non-ASCII, edge spaces, RFC 2047 and marker look-alikes) round-trip exactly', async () => {
    const { adapter, bucket } = get();
    await adapter.put(bucket, key('meta'), Buffer.from('m'), { metadata: TRICKY_METADATA });
    expect((await adapter.head(bucket, key('meta'))).metadata).toEqual(TRICKY_METADATA);
    const got = await adapter.get(bucket, key('meta'));
    got.body.resume();
    expect(got.info.metadata).toEqual(TRICKY_METADATA);
  });

  it('the versionToken is the unquoted ETag, the same from put, head and list', async () => {
    const { adapter, bucket } = get();
    const put = await adapter.put(bucket, key('token'), Buffer.from('hello'));
    expect(put.versionToken).toBe('5d41402abc4b2a76b9719d911017c592');
    expect((await adapter.head(bucket, key('token'))).versionToken).toBe(put.versionToken);
    const page = await adapter.list(bucket, { prefix: key('token') });
    expect(page.objects.map((o) => o.versionToken)).toEqual([put.versionToken]);
  });

  it('copy with new metadata replaces the metadata and keeps the source contentType', async () => {
    const { adapter, bucket } = get();
    await adapter.put(bucket, key('c-src'), Buffer.from('c'), { contentType: 'text/csv', metadata: { a: 'é' } });
    await adapter.copy(bucket, key('c-src'), key('c-meta'), { metadata: { b: 'ü' } });
    const m = await adapter.head(bucket, key('c-meta'));
    expect([m.contentType, m.metadata]).toEqual(['text/csv', { b: 'ü' }]);
  });

  it.skipIf(options.copyContentTypeGap !== undefined)(
    `copy with a new contentType sets it and keeps the source metadata${options.copyContentTypeGap ? ` — skipped: ${options.copyContentTypeGap}` : ''}`,
    async () => {
      const { adapter, bucket } = get();
      await adapter.put(bucket, key('t-src'), Buffer.from('c'), { contentType: 'text/csv', metadata: { a: 'é' } });
      await adapter.copy(bucket, key('t-src'), key('c-type'), { contentType: 'application/json' });
      const t = await adapter.head(bucket, key('c-type'));
      expect([t.contentType, t.metadata]).toEqual(['application/json', { a: 'é' }]);
    },
  );

  it.skipIf(options.reservedKeyCopyGap !== undefined)(
    `copy of a key with spaces, unicode and URL-reserved characters${options.reservedKeyCopyGap ? ` — skipped: ${options.reservedKeyCopyGap}` : ''}`,
    async () => {
      const { adapter, bucket } = get();
      const src = key("a b/ü?x&y=1+2#3%4;'(!)*.txt");
      await adapter.put(bucket, src, Buffer.from('reserved'));
      await adapter.copy(bucket, src, key('reserved-copy'));
      expect((await readAll((await adapter.get(bucket, key('reserved-copy'))).body)).toString()).toBe('reserved');
    },
  );

  it('presigned PUT then presigned GET move the bytes over plain HTTP', async () => {
    const { adapter, bucket } = get();
    const putUrl = await adapter.presign(bucket, key('signed put.bin'), { method: 'PUT', expiresInSeconds: 60 });
    expect((await fetch(putUrl, { method: 'PUT', body: 'via url' })).ok).toBe(true);
    const getUrl = await adapter.presign(bucket, key('signed put.bin'), { method: 'GET', expiresInSeconds: 60 });
    expect(await (await fetch(getUrl)).text()).toBe('via url');
    await expect(adapter.presign(bucket, key('x'), { method: 'GET', expiresInSeconds: 8 * 24 * 3600 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('an aborted or failing multipart stream upload rejects (ABORTED / the source error) and leaves the previous version', async () => {
    const { adapter, bucket } = get();
    await adapter.put(bucket, key('kept'), Buffer.from('previous'));
    const MiB = 1024 * 1024;
    const chunk = Buffer.alloc(MiB, 7);
    const controller = new AbortController();
    let sent = 0;
    const slow = new Readable({
      read() {
        sent += 1;
        if (sent === 12) controller.abort(); // after the first 8 MiB part went out
        setTimeout(() => this.push(sent > 64 ? null : chunk), 1);
      },
    });
    const aborted = await adapter.put(bucket, key('kept'), slow, { signal: controller.signal }).catch((e: unknown) => e);
    expect(isPolycloudError(aborted) && aborted.code).toBe('ABORTED');
    let n = 0;
    const failing = new Readable({
      read() {
        n += 1;
        if (n > 10) this.destroy(new Error('source broke'));
        else this.push(chunk);
      },
    });
    const failed = await adapter.put(bucket, key('kept'), failing).catch((e: unknown) => e);
    expect(isPolycloudError(failed)).toBe(true);
    expect((await readAll((await adapter.get(bucket, key('kept'))).body)).toString()).toBe('previous');
  });

  if (options.oversizeBytes !== undefined) {
    const size = options.oversizeBytes;
    it(`a ${size}-byte Uint8Array (over the single-PUT limit) is uploaded in parts and reads back identical`, { timeout: 60_000 }, async () => {
      const { adapter, bucket } = get();
      const body = new Uint8Array(size);
      for (let i = 0; i < size; i += 4096) body[i] = (i / 4096) & 0xff;
      const put = await adapter.put(bucket, key('oversize'), body);
      expect(put.versionToken).toMatch(/-\d+$/); // a multipart ETag
      const got = await readAll((await adapter.get(bucket, key('oversize'))).body);
      expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
      await adapter.delete(bucket, key('oversize'));
    });
  }
}
