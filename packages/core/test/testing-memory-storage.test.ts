import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAdapterRegistry, isPolycloudError, readAll } from '@polycloud/core';
import { createFakeClock, createMemoryCloud, createMemoryStorageAdapter, memoryStorageAdapterFactory } from '@polycloud/core/testing';

const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (isPolycloudError(e) ? e.code : 'not-a-polycloud-error'),
  );

describe('createMemoryStorageAdapter', () => {
  it('every operation on a missing bucket is NOT_FOUND until ensureBucket creates it', async () => {
    const m = createMemoryStorageAdapter();
    for (const p of [
      m.put('nope', 'k', bytes('x')),
      m.get('nope', 'k'),
      m.head('nope', 'k'),
      m.list('nope'),
      m.delete('nope', 'k'),
      m.deleteMany('nope', ['k']),
      m.probe('nope'),
    ]) {
      expect(await codeOf(p)).toBe('NOT_FOUND');
    }
    await m.ensureBucket('nope');
    await m.ensureBucket('nope');
    expect(await codeOf(m.put('nope', 'k', bytes('x')))).toBe('ok');
  });

  it('autoCreateBuckets creates a bucket on first use (demo convenience)', async () => {
    const m = createMemoryStorageAdapter({ autoCreateBuckets: true });
    expect((await m.list('fresh')).objects).toEqual([]);
    await m.put('other', 'k', bytes('x'));
    expect(m.cloud.buckets()).toEqual(['fresh', 'other']);
  });

  it('without createBucket, ensureBucket of a missing bucket is NOT_FOUND', async () => {
    const m = createMemoryStorageAdapter({ buckets: ['b'], capabilities: { createBucket: false } });
    await m.ensureBucket('b');
    expect(await codeOf(m.ensureBucket('other'))).toBe('NOT_FOUND');
  });

  it('version tokens increase monotonically across keys and adapters of one cloud, deterministically', async () => {
    const run = async () => {
      const cloud = createMemoryCloud({ buckets: ['b'] });
      const a = createMemoryStorageAdapter({ cloud });
      const b = createMemoryStorageAdapter({ cloud, name: 'other' });
      const tokens = [
        (await a.put('b', 'x', bytes('1'))).versionToken,
        (await b.put('b', 'y', bytes('2'))).versionToken,
        (await a.copy('b', 'x', 'z')).versionToken,
      ];
      return tokens;
    };
    const tokens = await run();
    expect(tokens.map(Number)).toEqual([1, 2, 3]);
    expect(await run()).toEqual(tokens);
  });

  it('two adapters on one cloud see the same objects; out-of-band writes are visible with a new token', async () => {
    const cloud = createMemoryCloud({ buckets: ['b'] });
    const a = createMemoryStorageAdapter({ cloud });
    const b = createMemoryStorageAdapter({ cloud });
    const put = await a.put('b', 'k', bytes('from a'));
    expect((await readAll((await b.get('b', 'k')).body)).toString()).toBe('from a');
    const oob = cloud.putObject('b', 'k', 'changed behind the SDK', { metadata: { by: 'console' } });
    expect(Number(oob.versionToken)).toBeGreaterThan(Number(put.versionToken));
    expect(await codeOf(a.put('b', 'k', bytes('stale write'), { ifMatch: put.versionToken }))).toBe('CONDITION_NOT_MET');
    expect((await a.head('b', 'k')).metadata).toEqual({ by: 'console' });
    expect(a.inspect('b').map((o) => o.key)).toEqual(['k']);
  });

  it('stored bytes are copies: mutating the input or a read buffer does not change the object', async () => {
    const m = createMemoryStorageAdapter({ buckets: ['b'] });
    const input = bytes('abc');
    await m.put('b', 'k', input);
    input[0] = 0x7a;
    m.inspect('b')[0]!.data[1] = 0x7a;
    expect((await readAll((await m.get('b', 'k')).body)).toString()).toBe('abc');
  });

  it('narrowed capabilities refuse the call with UNSUPPORTED; limits give INVALID_ARGUMENT', async () => {
    const m = createMemoryStorageAdapter({
      buckets: ['b'],
      capabilities: {
        rangeRead: false,
        conditionalWrite: false,
        multipart: false,
        maxSinglePutBytes: 4,
        listDelimiter: false,
        presign: false,
        batchDelete: false,
        copy: false,
      },
    });
    await m.put('b', 'k', bytes('abcd'));
    expect(await codeOf(m.get('b', 'k', { range: { start: 1 } }))).toBe('UNSUPPORTED');
    expect(await codeOf(m.put('b', 'k', bytes('x'), { ifNoneMatch: '*' }))).toBe('UNSUPPORTED');
    expect(await codeOf(m.list('b', { delimiter: '/' }))).toBe('UNSUPPORTED');
    expect(await codeOf(m.presign('b', 'k', { method: 'GET', expiresInSeconds: 60 }))).toBe('UNSUPPORTED');
    expect(await codeOf(m.copy('b', 'k', 'k2'))).toBe('UNSUPPORTED');
    expect(await codeOf(m.deleteMany('b', ['k']))).toBe('UNSUPPORTED');
    expect(await codeOf(m.put('b', 'big', bytes('abcde')))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(m.put('b', 'big', Readable.from([Buffer.from('abc'), Buffer.from('de')])))).toBe('INVALID_ARGUMENT');
    expect(m.cloud.keys('b')).toEqual(['k']);
  });

  it("ifNoneMatchFailure picks the code for ifNoneMatch '*' on an existing key", async () => {
    for (const code of ['ALREADY_EXISTS', 'CONDITION_NOT_MET'] as const) {
      const m = createMemoryStorageAdapter({ buckets: ['b'], ifNoneMatchFailure: code });
      await m.put('b', 'k', bytes('x'));
      expect(await codeOf(m.put('b', 'k', bytes('y'), { ifNoneMatch: '*' }))).toBe(code);
    }
  });

  it('range edge cases: end past the size is clamped; end before start and start past the end are INVALID_ARGUMENT', async () => {
    const m = createMemoryStorageAdapter({ buckets: ['b'] });
    await m.put('b', 'k', bytes('0123456789'));
    expect((await readAll((await m.get('b', 'k', { range: { start: 8, end: 100 } })).body)).toString()).toBe('89');
    expect(await codeOf(m.get('b', 'k', { range: { start: 5, end: 4 } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(m.get('b', 'k', { range: { start: 10 } }))).toBe('INVALID_ARGUMENT');
    await m.put('b', 'empty', new Uint8Array());
    expect(await codeOf(m.get('b', 'empty', { range: { start: 0 } }))).toBe('INVALID_ARGUMENT');
  });

  it('listing: byte order beyond ASCII, page size capped by maxListPageSize, bad tokens INVALID_ARGUMENT', async () => {
    const m = createMemoryStorageAdapter({ buckets: ['b'], capabilities: { maxListPageSize: 2 } });
    // U+FF5E (EF BD 9E) sorts before U+1F600 (F0 9F 98 80) in UTF-8, but after it in UTF-16.
    for (const k of ['\u{1F600}', '\uFF5E', 'a', 'Z']) await m.put('b', k, bytes(k));
    const first = await m.list('b', { pageSize: 50 });
    expect(first.objects.map((o) => o.key)).toEqual(['Z', 'a']);
    const second = await m.list('b', { continuationToken: first.continuationToken! });
    expect(second.objects.map((o) => o.key)).toEqual(['\uFF5E', '\u{1F600}']);
    expect(second.continuationToken).toBeUndefined();
    expect(await codeOf(m.list('b', { continuationToken: 'garbage' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(m.list('b', { pageSize: 0 }))).toBe('INVALID_ARGUMENT');
  });

  it('conditional delete on a missing key is CONDITION_NOT_MET; plain delete of it succeeds', async () => {
    const m = createMemoryStorageAdapter({ buckets: ['b'] });
    expect(await codeOf(m.delete('b', 'gone', { ifMatch: '1' }))).toBe('CONDITION_NOT_MET');
    expect(await codeOf(m.delete('b', 'gone'))).toBe('ok');
  });

  it('copy with sourceIfMatch, replaced metadata, and deleteMany over maxBatchDeleteKeys', async () => {
    const m = createMemoryStorageAdapter({ buckets: ['b'], capabilities: { maxBatchDeleteKeys: 2 } });
    const v = await m.put('b', 'src', bytes('x'), { metadata: { a: '1' } });
    expect(await codeOf(m.copy('b', 'src', 'dst', { sourceIfMatch: 'stale' }))).toBe('CONDITION_NOT_MET');
    await m.copy('b', 'src', 'dst', { sourceIfMatch: v.versionToken, metadata: { b: '2' } });
    expect((await m.head('b', 'dst')).metadata).toEqual({ b: '2' });
    expect(await codeOf(m.deleteMany('b', ['a', 'b', 'c']))).toBe('INVALID_ARGUMENT');
  });

  it('presign returns a memory:// URL that openPresigned serves until it expires (fake clock)', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1));
    const m = createMemoryStorageAdapter({ buckets: ['b'], clock });
    await m.put('b', 'dir/a file.txt', bytes('signed'));
    const url = await m.presign('b', 'dir/a file.txt', { method: 'GET', expiresInSeconds: 60 });
    expect(url).toMatch(/^memory:\/\/b\/dir\/a%20file\.txt\?method=GET&expires=\d+&check=[0-9a-f]+$/);
    expect(Buffer.from(m.openPresigned(url)!).toString()).toBe('signed');
    expect(() => m.openPresigned(url.replace('method=GET', 'method=PUT'))).toThrow(expect.objectContaining({ code: 'PERMISSION_DENIED' }));
    await clock.advance(61_000);
    expect(() => m.openPresigned(url)).toThrow(expect.objectContaining({ code: 'PERMISSION_DENIED' }));
    const put = await m.presign('b', 'up', { method: 'PUT', expiresInSeconds: 60 });
    m.openPresigned(put, bytes('uploaded'));
    expect(m.cloud.getObject('b', 'up')?.data).toEqual(bytes('uploaded'));
    expect(await codeOf(m.presign('b', 'k', { method: 'GET', expiresInSeconds: 0 }))).toBe('INVALID_ARGUMENT');
  });

  it('lastModified comes from the clock; an aborted signal gives ABORTED and stores nothing', async () => {
    const clock = createFakeClock(Date.UTC(2026, 5, 1));
    const m = createMemoryStorageAdapter({ buckets: ['b'], clock });
    await m.put('b', 'k', bytes('x'));
    expect((await m.head('b', 'k')).lastModified.toISOString()).toBe('2026-06-01T00:00:00.000Z');
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(m.put('b', 'k2', bytes('x'), { signal: controller.signal }))).toBe('ABORTED');
    expect(m.cloud.keys('b')).toEqual(['k']);
  });

  it('registers through the registry as type "memory"; bad options → CONFIG_INVALID with the path', () => {
    const registry = createAdapterRegistry([memoryStorageAdapterFactory]);
    const adapter = registry.createStorage('memory', { buckets: ['b'], capabilities: { multipart: false } }, { name: 'mem' });
    expect([adapter.type, adapter.name, adapter.capabilities.multipart]).toEqual(['memory', 'mem', false]);
    expect(() => registry.createStorage('memory', { capabilities: { multipart: 'no' } }, { name: 'mem', path: ['providers', 0] })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', path: ['providers', 0, 'capabilities', 'multipart'] }),
    );
    expect(() => createMemoryStorageAdapter({ bogus: true } as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
