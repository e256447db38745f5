import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { PolycloudError } from '@polycloud/core';
import { caughtError } from '@polycloud/core/testing';
import { type RunningGcsEmulator, startGcsEmulator } from '@polycloud/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcsAdapter } from '../src/storage/index.js';
import { type FakeAnswer, type SeenRequest, startFakeGcs } from './fake-gcs-server.js';
import { TEST_CLIENT_EMAIL, emulatorAdapter, randomBucket, testPrivateKey } from './gcs-env.js';

const SECRET_TOKEN = 'ya29.THIS-IS-A-FAKE-ACCESS-TOKEN';

/** No private key, access token or signature in what a user may log. */
function expectNoSecret(err: PolycloudError) {
  const text = `${err.message}\n${JSON.stringify(err)}`;
  expect(text).not.toContain('PRIVATE KEY');
  expect(text).not.toContain(testPrivateKey().split('\n')[1]!);
  expect(text).not.toContain(SECRET_TOKEN);
  expect(text).not.toMatch(/X-Goog-Signature=[0-9a-f]/i);
}

describe('gcs error mapping against a stopped / running emulator', () => {
  let emu: RunningGcsEmulator;
  beforeAll(async () => {
    emu = await startGcsEmulator();
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it('a missing key → NOT_FOUND, not retryable, with provider and key in context', async () => {
    const adapter = emulatorAdapter(emu);
    const bucket = randomBucket();
    const err = await caughtError(adapter.head(bucket, 'no/such/key'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.retryable).toBe(false);
    expect(err.context).toMatchObject({ provider: 'gcs', operation: 'head', key: 'no/such/key', status: 404 });
    expect(err.cause).toBeDefined();
    expect((await caughtError(adapter.get(bucket, 'no/such/key'))).code).toBe('NOT_FOUND');
    expectNoSecret(err);
  });
});

describe('gcs timeouts against a server that never answers', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('timeoutMs expiring → TIMEOUT, retryable (metadata, media and simple-upload requests)', async () => {
    const adapter = createGcsAdapter({ projectId: 'demo-test', apiEndpoint: endpoint, timeoutMs: 200 });
    for (const call of [() => adapter.head('bk', 'k'), () => adapter.get('bk', 'k'), () => adapter.put('bk', 'k', Buffer.from('x'))]) {
      const err = await caughtError(call());
      expect([err.code, err.retryable]).toEqual(['TIMEOUT', true]);
    }
  });

  it('a resumable upload (no SDK timeout) is cut by the call signal → ABORTED', async () => {
    const adapter = createGcsAdapter({ projectId: 'demo-test', apiEndpoint: endpoint });
    const err = await caughtError(adapter.put('bk', 'k', Readable.from([Buffer.from('x')]), { signal: AbortSignal.timeout(200) }));
    expect([err.code, err.retryable]).toEqual(['ABORTED', false]);
  });
});

describe('gcs error mapping against a fake JSON API server (statuses the emulator never sends)', () => {
  let answer: (req: SeenRequest) => FakeAnswer = () => ({ status: 500 });
  let fake: Awaited<ReturnType<typeof startFakeGcs>>;
  beforeAll(async () => {
    fake = await startFakeGcs((req) => answer(req));
  });
  afterAll(async () => {
    await fake?.close();
  });
  const adapter = () =>
    createGcsAdapter({
      projectId: 'demo-test',
      apiEndpoint: fake.endpoint,
      credentials: { client_email: TEST_CLIENT_EMAIL, private_key: testPrivateKey() },
      useAuthWithCustomEndpoint: false,
    });
  const last = () => fake.seen[fake.seen.length - 1]!;

  it('412 on put with ifMatch → CONDITION_NOT_MET; the generation was sent as ifGenerationMatch', async () => {
    answer = () => ({ status: 412, reason: 'conditionNotMet', message: 'At least one of the pre-conditions you specified did not hold.' });
    const err = await caughtError(adapter().put('bk', 'k', Buffer.from('x'), { ifMatch: '1700000000000001' }));
    expect(err.code).toBe('CONDITION_NOT_MET');
    expect(err.retryable).toBe(false);
    expect(last().query.get('ifGenerationMatch')).toBe('1700000000000001');
    expectNoSecret(err);
  });

  it("412 on put with ifNoneMatch '*' → ALREADY_EXISTS; sent as ifGenerationMatch=0 (also on resumable uploads)", async () => {
    answer = () => ({ status: 412, reason: 'conditionNotMet' });
    const small = await caughtError(adapter().put('bk', 'k', Buffer.from('x'), { ifNoneMatch: '*' }));
    expect(small.code).toBe('ALREADY_EXISTS');
    expect(last().query.get('ifGenerationMatch')).toBe('0');
    const streamed = await caughtError(adapter().put('bk', 'k', Readable.from([Buffer.from('x')]), { ifNoneMatch: '*' }));
    expect(streamed.code).toBe('ALREADY_EXISTS');
    expect(last().query.get('uploadType')).toBe('resumable');
    expect(last().query.get('ifGenerationMatch')).toBe('0');
  });

  it('412 on delete with ifMatch → CONDITION_NOT_MET, sent as ifGenerationMatch', async () => {
    answer = () => ({ status: 412, reason: 'conditionNotMet' });
    const err = await caughtError(adapter().delete('bk', 'k', { ifMatch: '42' }));
    expect(err.code).toBe('CONDITION_NOT_MET');
    expect(last().method).toBe('DELETE');
    expect(last().query.get('ifGenerationMatch')).toBe('42');
  });

  it('404 on delete with ifMatch → CONDITION_NOT_MET (the generation named is not there); without ifMatch a missing key is success', async () => {
    answer = () => ({ status: 404, reason: 'notFound' });
    const err = await caughtError(adapter().delete('bk', 'gone', { ifMatch: '42' }));
    expect([err.code, err.retryable]).toEqual(['CONDITION_NOT_MET', false]);
    expect(last().method).toBe('DELETE');
    expect(last().query.get('ifGenerationMatch')).toBe('42');
    await expect(adapter().delete('bk', 'gone')).resolves.toBeUndefined();
    expect(last().query.has('ifGenerationMatch')).toBe(false);
  });

  it('ensureBucket: a 409 is success only if the bucket then answers a listing; 403 → PERMISSION_DENIED, 404 → ALREADY_EXISTS', async () => {
    const create = (listing: FakeAnswer) => {
      answer = (req) =>
        req.method === 'POST'
          ? { status: 409, reason: 'conflict', message: 'Your previous request to create the named bucket succeeded and you already own it.' }
          : listing;
      return adapter().ensureBucket('taken-name');
    };
    await expect(create({ status: 200, json: { kind: 'storage#objects', items: [] } })).resolves.toBeUndefined();
    expect(last()).toMatchObject({ method: 'GET', path: '/storage/v1/b/taken-name/o' });
    expect((await caughtError(create({ status: 403, reason: 'forbidden' }))).code).toBe('PERMISSION_DENIED');
    expect((await caughtError(create({ status: 404, reason: 'notFound' }))).code).toBe('ALREADY_EXISTS');
    // Any other status on create is mapped as a create-if-absent call.
    answer = () => ({ status: 503, reason: 'backendError' });
    expect((await caughtError(adapter().ensureBucket('taken-name'))).code).toBe('UNAVAILABLE');
  });

  it('403 → PERMISSION_DENIED and 401 → PERMISSION_DENIED, not retryable, no token in the message', async () => {
    answer = () => ({ status: 403, reason: 'forbidden', message: `caller has no storage.objects.get access (token ?access_token=${SECRET_TOKEN})` });
    const err = await caughtError(adapter().head('bk', 'k'));
    expect(err.code).toBe('PERMISSION_DENIED');
    expect(err.retryable).toBe(false);
    expect(err.context.status).toBe(403);
    expectNoSecret(err);
    answer = () => ({ status: 401, reason: 'required', message: `Authorization: Bearer ${SECRET_TOKEN}` });
    const unauth = await caughtError(adapter().list('bk'));
    expect(unauth.code).toBe('PERMISSION_DENIED');
    expectNoSecret(unauth);
  });

  it.each([
    [429, 'rateLimitExceeded', 'RATE_LIMITED', true],
    [403, 'userRateLimitExceeded', 'RATE_LIMITED', true],
    [500, 'backendError', 'UNAVAILABLE', true],
    [502, 'badGateway', 'UNAVAILABLE', true],
    [503, 'backendError', 'UNAVAILABLE', true],
    [504, 'gatewayTimeout', 'TIMEOUT', true],
    [501, 'notImplemented', 'UNSUPPORTED', false],
    [400, 'invalid', 'INVALID_ARGUMENT', false],
  ] as const)('%i %s → %s (retryable %s)', async (status, reason, code, retryable) => {
    answer = () => ({ status, reason });
    const err = await caughtError(adapter().head('bk', 'k'));
    expect([err.code, err.retryable]).toEqual([code, retryable]);
  });

  it('copy: sourceIfMatch pins the source generation; new metadata is sent as the destination resource', async () => {
    answer = (req) => ({ status: req.path.includes('/rewriteTo/') ? 412 : 404, reason: 'conditionNotMet' });
    const err = await caughtError(adapter().copy('bk', 'src key', 'dst', { sourceIfMatch: '77', metadata: { note: 'ü' }, contentType: 'text/plain' }));
    expect(err.code).toBe('CONDITION_NOT_MET');
    const rewrite = fake.seen.find((r) => r.path.includes('/rewriteTo/'))!;
    expect(rewrite.path).toBe('/storage/v1/b/bk/o/src%20key/rewriteTo/b/bk/o/dst');
    expect(rewrite.query.get('sourceGeneration')).toBe('77');
    expect(JSON.parse(rewrite.body)).toMatchObject({ contentType: 'text/plain', metadata: { note: 'ü' } });
  });

  it('copy of a missing source (pinned) → NOT_FOUND, not CONDITION_NOT_MET', async () => {
    answer = () => ({ status: 404, reason: 'notFound' });
    expect((await caughtError(adapter().copy('bk', 'gone', 'dst', { sourceIfMatch: '77' }))).code).toBe('NOT_FOUND');
  });

  it('a get answered with 404 by the media request → NOT_FOUND, never an unmapped stream error', async () => {
    answer = () => ({ status: 404, reason: 'notFound' });
    const err = await caughtError(adapter().get('bk', 'k'));
    expect(err.code).toBe('NOT_FOUND');
  });
});
