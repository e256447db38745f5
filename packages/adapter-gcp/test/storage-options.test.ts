import { createHash, createPublicKey, createVerify } from 'node:crypto';
import { createAdapterRegistry, isPolycloudError } from '@polycloud/core';
import { throwsWithCode } from '@polycloud/core/testing';
import { describe, expect, it } from 'vitest';
import { createGcsAdapter, gcsAdapterFactory } from '../src/storage/index.js';
import { TEST_CLIENT_EMAIL, testPrivateKey } from './gcs-env.js';

describe('GcsAdapterOptionsSchema', () => {
  it.each([
    [{ resumableThresholdBytes: -1 }, ['resumableThresholdBytes']],
    [{ chunkSizeBytes: 1000 }, ['chunkSizeBytes']],
    [{ apiEndpoint: 'ftp://127.0.0.1:1' }, ['apiEndpoint']],
    [{ timeoutMs: 0 }, ['timeoutMs']],
    [{ autoRetry: 'yes' }, ['autoRetry']],
    [{ credentials: { client_email: 'svc@p.iam.gserviceaccount.com' } }, ['credentials', 'private_key']],
    [{ keyFilename: '/k.json', credentials: { client_email: 'a@b', private_key: '-----BEGIN PRIVATE KEY-----' } }, ['credentials']],
    [{ region: 'eu' }, ['region']],
  ])('%j → CONFIG_INVALID at %j', (options, path) => {
    const err = throwsWithCode(() => createGcsAdapter(options as never), 'CONFIG_INVALID', 'createGcsAdapter');
    expect(err.path).toEqual(path);
    expect(err.retryable).toBe(false);
  });

  it('a bad private key never appears in the error', () => {
    const err = throwsWithCode(
      () => createGcsAdapter({ credentials: { client_email: 'x', private_key: 'not-a-key-SECRET123' } } as never),
      'CONFIG_INVALID',
      'createGcsAdapter',
    );
    expect(`${err.message}${JSON.stringify(err)}`).not.toContain('SECRET123');
  });

  it('through the registry, the path is prefixed with where the provider sits in config', () => {
    const registry = createAdapterRegistry([gcsAdapterFactory]);
    const err = throwsWithCode(
      () => registry.createStorage('gcs', { chunkSizeBytes: 3 }, { name: 'g', path: ['providers', 2, 'options'] }),
      'CONFIG_INVALID',
      'registry.createStorage',
    );
    expect(err.path).toEqual(['providers', 2, 'options', 'chunkSizeBytes']);
    const adapter = registry.createStorage('gcs', { projectId: 'demo-test', apiEndpoint: 'http://127.0.0.1:1' }, { name: 'g' });
    expect([adapter.type, adapter.name]).toEqual(['gcs', 'g']);
  });

  it('camelCase credential keys (from a snake_case config file mapped by the loader) are accepted', () => {
    const adapter = createGcsAdapter({ credentials: { clientEmail: TEST_CLIENT_EMAIL, privateKey: testPrivateKey() } } as never);
    expect(adapter.capabilities.presign).toBe(true);
  });

  it('declares presign only with a key to sign with; SDK retries are off by default', async () => {
    const anonymous = createGcsAdapter({ projectId: 'demo-test', apiEndpoint: 'http://127.0.0.1:1' });
    expect(anonymous.capabilities.presign).toBe(false);
    expect(anonymous.client.retryOptions.autoRetry).toBe(false);
    const err = await anonymous.presign('bk', 'k', { method: 'GET', expiresInSeconds: 60 }).catch((e: unknown) => e);
    expect(isPolycloudError(err, 'UNSUPPORTED')).toBe(true);
    expect(createGcsAdapter({ keyFilename: '/nonexistent.json' }).capabilities.presign).toBe(true);
  });
});

describe('presign (V4, signed offline with a generated RSA key)', () => {
  // The SDK refuses expiry dates in the past, so pin the clock near the real one.
  const NOW = Math.floor(Date.now() / 1000) * 1000 + 60_000;
  const iso = new Date(NOW).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const day = iso.slice(0, 8);
  const adapter = createGcsAdapter({ projectId: 'demo-test', credentials: { client_email: TEST_CLIENT_EMAIL, private_key: testPrivateKey() } });
  adapter.now = () => NOW;

  it('GET: the URL names the object, the credential scope, the expiry, and carries a valid RSA-SHA256 signature', async () => {
    const url = new URL(await adapter.presign('my-bucket', 'dir/a b.txt', { method: 'GET', expiresInSeconds: 900 }));
    expect(url.origin).toBe('https://storage.googleapis.com');
    expect(url.pathname).toBe('/my-bucket/dir/a%20b.txt');
    const q = url.searchParams;
    expect(q.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
    expect(q.get('X-Goog-Credential')).toBe(`${TEST_CLIENT_EMAIL}/${day}/auto/storage/goog4_request`);
    expect(q.get('X-Goog-Date')).toBe(iso);
    expect(q.get('X-Goog-Expires')).toBe('900');
    expect(q.get('X-Goog-SignedHeaders')).toBe('host');
    const signature = q.get('X-Goog-Signature')!;
    expect(signature).toMatch(/^[0-9a-f]{512}$/);

    // Rebuild the V4 string-to-sign and check the signature with the public key.
    const canonicalQuery = [...q.entries()]
      .filter(([k]) => k !== 'X-Goog-Signature')
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    const canonicalRequest = ['GET', url.pathname, canonicalQuery, `host:${url.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
    const stringToSign = ['GOOG4-RSA-SHA256', iso, `${day}/auto/storage/goog4_request`, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
    const verify = createVerify('RSA-SHA256').update(stringToSign);
    expect(verify.verify(createPublicKey(testPrivateKey()), Buffer.from(signature, 'hex'))).toBe(true);
  });

  it('PUT with a content type signs the content-type header; 7 days is accepted', async () => {
    const url = new URL(await adapter.presign('my-bucket', 'k', { method: 'PUT', expiresInSeconds: 7 * 24 * 3600, contentType: 'text/plain' }));
    expect(url.searchParams.get('X-Goog-Expires')).toBe(String(7 * 24 * 3600));
    expect(url.searchParams.get('X-Goog-SignedHeaders')).toBe('content-type;host');
  });
});
