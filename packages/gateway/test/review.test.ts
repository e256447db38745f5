import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startGateway } from './helpers.js';

const API = '/_polycloud/v1';
type Problem = { type: string; status: number; code: string; path: unknown[] };

let g: Awaited<ReturnType<typeof startGateway>>;
beforeAll(async () => {
  g = await startGateway();
  await g.polycloud.bucket('lb').put('five.txt', 'hello');
});
afterAll(() => g?.stop());

describe('stored values echoed in response headers', () => {
  it('metadata that is not printable ASCII comes back RFC 2047-encoded, not as a 500', async () => {
    const metadata = { who: '日本', crlf: 'a\r\nset-cookie: evil=1', spaced: ' x ', word: '=?x?=' };
    await g.polycloud.bucket('lb').put('meta.txt', 'x', { metadata: { ...metadata, plain: 'ana' } });
    for (const method of ['GET', 'HEAD']) {
      const r = await fetch(`${g.url}${API}/buckets/lb/objects/meta.txt`, { method, headers: ADMIN });
      expect(r.status).toBe(200);
      expect(r.headers.get('set-cookie')).toBeNull();
      expect(r.headers.get('x-polycloud-meta-plain')).toBe('ana');
      for (const [name, value] of Object.entries(metadata)) {
        const header = r.headers.get(`x-polycloud-meta-${name}`)!;
        expect(header).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]*\?=$/);
        expect(Buffer.from(header.slice(10, -2), 'base64').toString('utf8')).toBe(value);
      }
      await r.arrayBuffer();
    }
  });

  it('an encoded metadata header on put is decoded: values round-trip', async () => {
    const value = 'café 日本';
    const encoded = `=?UTF-8?B?${Buffer.from(value).toString('base64')}?=`;
    const put = await fetch(`${g.url}${API}/buckets/lb/objects/rt.txt`, { method: 'PUT', headers: { ...ADMIN, 'x-polycloud-meta-who': encoded }, body: 'x' });
    expect(put.status).toBe(201);
    expect((await g.polycloud.bucket('lb').head('rt.txt')).metadata).toEqual({ who: value });
    const r = await fetch(`${g.url}${API}/buckets/lb/objects/rt.txt`, { method: 'HEAD', headers: ADMIN });
    expect(r.headers.get('x-polycloud-meta-who')).toBe(encoded);
  });

  it('a content type with a line break is refused on copy (400 at its path), and a stored one is not echoed', async () => {
    const r = await fetch(`${g.url}${API}/buckets/lb/copy`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'five.txt', destination: 'ct.txt', contentType: 'text/plain\r\nx-injected: 1' }),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as Problem).path).toEqual(['body', 'contentType']);
    await g.polycloud.bucket('lb').put('ct.txt', 'x', { contentType: 'text/plain\nx-injected: 1' });
    const get = await fetch(`${g.url}${API}/buckets/lb/objects/ct.txt`, { headers: ADMIN });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/octet-stream');
    expect(get.headers.get('x-injected')).toBeNull();
    expect(await get.text()).toBe('x');
  });
});
