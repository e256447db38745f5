import type { PolycloudError } from '@polycloud/core';
import { caughtError } from '@polycloud/core/testing';
import type { StorageAdapter } from '@polycloud/core/spi';
import { type S3rverEmulator, startS3rver } from '@polycloud/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Adapter } from '../src/storage/index.js';
import { s3ErrorReply, startLoopback } from './loopback-s3.js';
import { emulatorAdapter, randomBucket } from './s3-env.js';

const SECRET = 'wrong-Secret-Key-0123456789abcdef';

/** The secret appears nowhere a user or log would see it. */
function expectNoSecret(err: PolycloudError, secret = SECRET): void {
  expect(err.message).not.toContain(secret);
  expect(JSON.stringify(err)).not.toContain(secret);
  expect(String(err.stack)).not.toContain(secret);
}

describe('S3 error mapping against s3rver (SigV4-checking)', () => {
  let emu: S3rverEmulator;
  let adapter: StorageAdapter;
  const bucket = randomBucket('pc-err');
  beforeAll(async () => {
    emu = await startS3rver();
    adapter = emulatorAdapter(emu);
    await adapter.ensureBucket(bucket);
  });
  afterAll(async () => {
    await adapter?.close?.();
    await emu?.remove();
  });

  it('a missing key → NOT_FOUND, not retryable (get, head); a missing bucket → NOT_FOUND', async () => {
    for (const err of [
      await caughtError(adapter.get(bucket, 'nope')),
      await caughtError(adapter.head(bucket, 'nope')),
      await caughtError(adapter.list(randomBucket('missing'))),
    ]) {
      expect(err.code).toBe('NOT_FOUND');
      expect(err.retryable).toBe(false);
      expect(err.context.provider).toBe('s3');
      expect(err.cause).toBeDefined();
    }
  });

  // s3rver 3.7.1 checks that the access key id exists but does not compute SigV4
  // signatures ("unimplemented" in its source): a wrong *secret* is accepted there, so
  // SignatureDoesNotMatch is tested against the loopback server below.
  it('an unknown access key → PERMISSION_DENIED (InvalidAccessKeyId), not retryable, secret nowhere in the error', async () => {
    const bad = createS3Adapter({ endpoint: emu.endpoint, accessKey: 'NOT-A-KEY', secretKey: SECRET });
    try {
      const err = await caughtError(bad.get(bucket, 'k'));
      expect([err.code, err.retryable, err.context['providerCode']]).toEqual(['PERMISSION_DENIED', false, 'InvalidAccessKeyId']);
      expectNoSecret(err);
    } finally {
      await bad.close?.();
    }
  });
});

describe('S3 error mapping of answers the emulators never give (loopback server)', () => {
  const cases: [string, number, string, string, boolean][] = [
    ['412 PreconditionFailed on put with ifMatch', 412, 'PreconditionFailed', 'CONDITION_NOT_MET', false],
    ['503 SlowDown', 503, 'SlowDown', 'RATE_LIMITED', true],
    ['503 ServiceUnavailable', 503, 'ServiceUnavailable', 'UNAVAILABLE', true],
    ['500 InternalError', 500, 'InternalError', 'UNAVAILABLE', true],
    ['429 TooManyRequests', 429, 'TooManyRequests', 'RATE_LIMITED', true],
    ['409 ConditionalRequestConflict', 409, 'ConditionalRequestConflict', 'CONFLICT', true],
    ['400 RequestTimeout', 400, 'RequestTimeout', 'TIMEOUT', true],
    ['403 AccessDenied', 403, 'AccessDenied', 'PERMISSION_DENIED', false],
    ['403 SignatureDoesNotMatch (a wrong secret key)', 403, 'SignatureDoesNotMatch', 'PERMISSION_DENIED', false],
    ['404 NoSuchBucket', 404, 'NoSuchBucket', 'NOT_FOUND', false],
  ];
  for (const [name, status, code, expected, retryable] of cases) {
    it(`${name} → ${expected} (retryable ${retryable})`, async () => {
      const server = await startLoopback(s3ErrorReply(status, code, `signature X-Amz-Signature=${SECRET}`));
      const adapter = createS3Adapter({ endpoint: server.endpoint, accessKey: 'AKIDEXAMPLE', secretKey: SECRET });
      try {
        const err = await caughtError(adapter.put('bkt', 'key', Buffer.from('x'), { ifMatch: 'abc' }));
        expect([err.code, err.retryable, err.context.status]).toEqual([expected, retryable, status]);
        expectNoSecret(err);
      } finally {
        await adapter.close?.();
        await server.close();
      }
    });
  }

  it("412 on put with ifNoneMatch '*' → ALREADY_EXISTS; the request carried If-None-Match: * and a quoted If-Match otherwise", async () => {
    const seen: (string | undefined)[] = [];
    const server = await startLoopback((req, res) => {
      seen.push((req.headers['if-none-match'] as string | undefined) ?? (req.headers['if-match'] as string | undefined));
      s3ErrorReply(412, 'PreconditionFailed')(req, res);
    });
    const adapter = createS3Adapter({ endpoint: server.endpoint, accessKey: 'AKIDEXAMPLE', secretKey: SECRET });
    try {
      expect((await caughtError(adapter.put('bkt', 'key', Buffer.from('x'), { ifNoneMatch: '*' }))).code).toBe('ALREADY_EXISTS');
      expect((await caughtError(adapter.delete('bkt', 'key', { ifMatch: 'abc' }))).code).toBe('CONDITION_NOT_MET');
      expect((await caughtError(adapter.get('bkt', 'key', { ifMatch: 'abc' }))).code).toBe('CONDITION_NOT_MET');
      expect(seen).toEqual(['*', '"abc"', '"abc"']);
    } finally {
      await adapter.close?.();
      await server.close();
    }
  });

  it('delete with ifMatch of a missing key → CONDITION_NOT_MET whether S3 answers 404 NoSuchKey or 412; without ifMatch a 404 is success; a missing bucket stays NOT_FOUND', async () => {
    let reply = s3ErrorReply(404, 'NoSuchKey');
    const ifMatch: (string | undefined)[] = [];
    const server = await startLoopback((req, res) => {
      ifMatch.push(req.headers['if-match'] as string | undefined);
      reply(req, res);
    });
    const adapter = createS3Adapter({ endpoint: server.endpoint, accessKey: 'AKIDEXAMPLE', secretKey: SECRET });
    try {
      const missing = await caughtError(adapter.delete('bkt', 'gone', { ifMatch: 'abc' }));
      expect([missing.code, missing.retryable, missing.context.operation, missing.context.key]).toEqual(['CONDITION_NOT_MET', false, 'delete', 'gone']);
      await expect(adapter.delete('bkt', 'gone')).resolves.toBeUndefined();
      reply = s3ErrorReply(412, 'PreconditionFailed');
      const precondition = await caughtError(adapter.delete('bkt', 'gone', { ifMatch: 'abc' }));
      expect([precondition.code, precondition.retryable]).toEqual(['CONDITION_NOT_MET', false]);
      reply = s3ErrorReply(404, 'NoSuchBucket');
      expect((await caughtError(adapter.delete('bkt', 'gone', { ifMatch: 'abc' }))).code).toBe('NOT_FOUND');
      expect(ifMatch).toEqual(['"abc"', undefined, '"abc"', '"abc"']);
    } finally {
      await adapter.close?.();
      await server.close();
    }
  });

  it('a socket closed without an answer → UNAVAILABLE, retryable', async () => {
    const server = await startLoopback((req) => req.socket.destroy());
    const adapter = createS3Adapter({ endpoint: server.endpoint, accessKey: 'AKIDEXAMPLE', secretKey: SECRET });
    try {
      const err = await caughtError(adapter.head('bkt', 'key'));
      expect([err.code, err.retryable]).toEqual(['UNAVAILABLE', true]);
    } finally {
      await adapter.close?.();
      await server.close();
    }
  });

  it('each call is cancelled by its own signal (the signal rides on the command; the resolved middleware is shared)', async () => {
    const server = await startLoopback(() => undefined);
    const adapter = createS3Adapter({ endpoint: server.endpoint, accessKey: 'AKIDEXAMPLE', secretKey: SECRET });
    try {
      const a = new AbortController();
      const b = new AbortController();
      let bSettled = false;
      const first = caughtError(adapter.get('bkt', 'a', { signal: a.signal }));
      const second = caughtError(adapter.put('bkt', 'b', Buffer.from('x'), { signal: b.signal })).finally(() => (bSettled = true));
      const third = adapter.head('bkt', 'c'); // no signal: must not be cut by the others
      third.catch(() => undefined);
      a.abort();
      expect((await first).code).toBe('ABORTED');
      await new Promise((r) => setTimeout(r, 50));
      expect(bSettled).toBe(false);
      b.abort();
      expect((await second).code).toBe('ABORTED');
    } finally {
      await adapter.close?.();
      await server.close();
    }
  });

  it('no answer within requestTimeoutMs → TIMEOUT, retryable; an aborted signal → ABORTED, not retryable', async () => {
    const server = await startLoopback(() => undefined);
    const adapter = createS3Adapter({ endpoint: server.endpoint, accessKey: 'AKIDEXAMPLE', secretKey: SECRET, requestTimeoutMs: 200 });
    try {
      const err = await caughtError(adapter.head('bkt', 'key'));
      expect([err.code, err.retryable]).toEqual(['TIMEOUT', true]);
      // The call's own signal firing (even a timeout signal) is the caller's abort: ABORTED, never retried.
      const timedOut = await caughtError(adapter.get('bkt', 'key', { signal: AbortSignal.timeout(50) }));
      expect(timedOut.code).toBe('ABORTED');
      expect(timedOut.retryable).toBe(false);
      const controller = new AbortController();
      const pending = adapter.get('bkt', 'key', { signal: controller.signal });
      controller.abort();
      const aborted = await caughtError(pending);
      expect(aborted.code).toBe('ABORTED');
      expect(aborted.retryable).toBe(false);
    } finally {
      await adapter.close?.();
      await server.close();
    }
  });
});
