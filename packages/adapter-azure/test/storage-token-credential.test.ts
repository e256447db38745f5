import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenCredential } from '@azure/core-auth';
import { isPolycloudError, readAll } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';
import { type RunningAzurite, startAzurite } from '@polycloud/emulators';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { randomContainer } from './azurite-fixture.js';

/**
 * Form 4 (endpoint + TokenCredential) end to end: Azurite over HTTPS with
 * `--oauth basic`, which checks a Bearer JWT's issuer, audience and lifetime (not its
 * signature). The SDK refuses Bearer tokens over plain HTTP, so this needs a
 * self-signed certificate from `openssl`, which the adapter trusts through its `tlsCa`
 * option (TLS verification stays on; nothing process-wide changes).
 */
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function jwt(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    aud: 'https://storage.azure.com',
    iss: 'https://sts.windows.net/00000000-0000-0000-0000-000000000001/',
    nbf: now - 60,
    iat: now - 60,
    exp: now + 3600,
    ...claims,
  };
  return `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(payload)}.${Buffer.from('unsigned').toString('base64url')}`;
}
const credentialOf = (token: string): TokenCredential => ({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) });

describe.skipIf(!hasOpenssl)('azure-blob with a TokenCredential (Azurite HTTPS + oauth basic) [skipped without openssl]', () => {
  let azurite: RunningAzurite | undefined;
  let dir = '';
  let tlsCa = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pc-azurite-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    tlsCa = readFileSync(join(dir, 'cert.pem'), 'utf8');
    azurite = await startAzurite({ https: { certPath: join(dir, 'cert.pem'), keyPath: join(dir, 'key.pem') }, oauth: 'basic' });
  });
  afterAll(async () => {
    await azurite?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('puts, reads, lists, copies and batch-deletes with a Bearer token; declares no presign', async () => {
    const adapter: StorageAdapter = createAzureBlobAdapter({ endpoint: azurite!.blobEndpoint, credential: credentialOf(jwt({})), tlsCa });
    expect(adapter.capabilities.presign).toBe(false);
    const c = randomContainer('oauth');
    await adapter.ensureBucket(c);
    const put = await adapter.put(c, 'k', Buffer.from('token'), { metadata: { 'a-b': 'ü' } });
    const got = await adapter.get(c, 'k', { ifMatch: put.versionToken });
    expect((await readAll(got.body)).toString()).toBe('token');
    expect(got.info.metadata).toEqual({ 'a-b': 'ü' });
    await adapter.copy(c, 'k', 'k2');
    expect((await adapter.list(c)).objects.map((o) => o.key)).toEqual(['k', 'k2']);
    expect((await adapter.deleteMany(c, ['k', 'k2'])).deleted).toEqual(['k', 'k2']);
    await expect(adapter.presign(c, 'k', { method: 'GET', expiresInSeconds: 60 })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });

  it('a token for the wrong audience → PERMISSION_DENIED, with no token in the error', async () => {
    const token = jwt({ aud: 'https://example.invalid' });
    const adapter = createAzureBlobAdapter({ endpoint: azurite!.blobEndpoint, credential: credentialOf(token), tlsCa });
    const e = await adapter.list('any-container').catch((x: unknown) => x);
    expect(isPolycloudError(e, 'PERMISSION_DENIED')).toBe(true);
    expect(JSON.stringify(e)).not.toContain(token);
    expect((e as Error).message).not.toContain(token);
  });

  it('without tlsCa the self-signed certificate is refused (verification stays on)', async () => {
    expect(process.env['NODE_TLS_REJECT_UNAUTHORIZED']).not.toBe('0');
    const adapter = createAzureBlobAdapter({ endpoint: azurite!.blobEndpoint, credential: credentialOf(jwt({})) });
    const e = await adapter.list('any-container').catch((x: unknown) => x);
    expect(isPolycloudError(e)).toBe(true);
    expect((e as { code: string }).code).not.toBe('PERMISSION_DENIED');
    expect(String((e as { cause?: { code?: unknown } }).cause?.code)).toMatch(/CERT|SELF_SIGNED/);
  });
});
