import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Adapter, type S3AdapterOptions } from '../src/storage/index.js';
import { startLoopback } from './loopback-s3.js';

/** Which access key id (and session token) each request was signed with, seen by a loopback S3. */
describe('S3 credentials: explicit keys, a provider function, the default chain (env)', () => {
  const seen: { keyId?: string; token?: string; pathStyle: boolean }[] = [];
  let server: Awaited<ReturnType<typeof startLoopback>>;
  beforeAll(async () => {
    server = await startLoopback((req, res) => {
      const auth = String(req.headers['authorization'] ?? '');
      seen.push({
        ...(auth.match(/Credential=([^/]+)\//)?.[1] ? { keyId: auth.match(/Credential=([^/]+)\//)![1]! } : {}),
        ...(req.headers['x-amz-security-token'] ? { token: String(req.headers['x-amz-security-token']) } : {}),
        pathStyle: (req.url ?? '').startsWith('/bkt'),
      });
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    });
  });
  afterAll(() => server?.close());

  async function signedWith(options: Partial<S3AdapterOptions>) {
    const adapter = createS3Adapter({ endpoint: server.endpoint, ...options });
    try {
      await adapter.probe!('bkt');
      return seen.at(-1);
    } finally {
      await adapter.close?.();
    }
  }

  it('explicit accessKey / secretKey / sessionToken, path-style by default with an endpoint', async () => {
    expect(await signedWith({ accessKey: 'AKIDEXPLICIT', secretKey: 's', sessionToken: 'tok-1' })).toEqual({
      keyId: 'AKIDEXPLICIT',
      token: 'tok-1',
      pathStyle: true,
    });
  });

  it('a credentials provider function is called and used', async () => {
    let calls = 0;
    const credentials = async () => (calls++, { accessKeyId: 'AKIDPROVIDER', secretAccessKey: 's' });
    expect(await signedWith({ credentials })).toEqual({ keyId: 'AKIDPROVIDER', pathStyle: true });
    expect(calls).toBeGreaterThan(0);
  });

  it('no keys: the default provider chain reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY', async () => {
    const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'], token: process.env['AWS_SESSION_TOKEN'] };
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIDFROMENV';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'env-secret';
    delete process.env['AWS_SESSION_TOKEN'];
    try {
      expect(await signedWith({})).toEqual({ keyId: 'AKIDFROMENV', pathStyle: true });
    } finally {
      for (const [k, v] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
        ['AWS_SESSION_TOKEN', saved.token],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('static credentials are registered as secrets (redacted from every message)', () => {
  it('credentials.secretAccessKey and credentials.sessionToken never appear in an error, even when the provider echoes them', async () => {
    const secret = 'static-Secret-Access-Key-4f9c2e';
    const token = 'static-Session-Token-7a1d0b';
    const server = await startLoopback((_req, res) => {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>echo ${secret} ${token}</Message></Error>`;
      res.writeHead(403, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    const adapter = createS3Adapter({ endpoint: server.endpoint, credentials: { accessKeyId: 'AKIDSTATIC', secretAccessKey: secret, sessionToken: token } });
    try {
      const err = await adapter.head('bkt', 'key').then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err).toMatchObject({ code: 'PERMISSION_DENIED' });
      for (const s of [secret, token]) {
        expect(err!.message).not.toContain(s);
        expect(JSON.stringify(err)).not.toContain(s);
      }
    } finally {
      await adapter.close?.();
      await server.close();
    }
  });
});
