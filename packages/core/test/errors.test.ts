import { describe, expect, it } from 'vitest';
import { classifyNetworkError, redact, registerSecrets, toPolycloudError } from '@polycloud/core/spi';
import { isPolycloudError, PolycloudError } from '@polycloud/core';

describe('PolycloudError', () => {
  it('carries code, retryable default, context and cause', () => {
    const cause = new Error('socket hang up');
    const err = new PolycloudError('UNAVAILABLE', 'down', { cause, context: { provider: 's3', binding: 'aws' } });
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.cause).toBe(cause);
    expect(err.context.binding).toBe('aws');
    expect(new PolycloudError('NOT_FOUND', 'x').retryable).toBe(false);
    expect(new PolycloudError('NOT_FOUND', 'x', { retryable: true }).retryable).toBe(true);
  });

  it('isPolycloudError recognises an error from another copy of core (duck-typed brand)', () => {
    const foreign = Object.assign(new Error('from elsewhere'), { name: 'PolycloudError', code: 'NOT_FOUND', retryable: false, context: {} });
    expect(foreign instanceof PolycloudError).toBe(false);
    expect(isPolycloudError(foreign)).toBe(true);
    expect(isPolycloudError(foreign, 'NOT_FOUND')).toBe(true);
    expect(isPolycloudError(foreign, 'CONFLICT')).toBe(false);
    expect(isPolycloudError({ name: 'PolycloudError', code: 'NOPE' })).toBe(false);
    expect(isPolycloudError(new Error('x'))).toBe(false);
    expect(isPolycloudError(null)).toBe(false);
    const wrapped = toPolycloudError(foreign, { resource: 'lb' });
    expect(wrapped).toBeInstanceOf(PolycloudError);
    expect(wrapped.code).toBe('NOT_FOUND');
    expect(wrapped.context.resource).toBe('lb');
  });

  it('wraps unknown errors as UNEXPECTED and aborts as ABORTED', () => {
    expect(toPolycloudError(new TypeError('boom')).code).toBe('UNEXPECTED');
    expect(toPolycloudError(Object.assign(new Error('a'), { name: 'AbortError' })).code).toBe('ABORTED');
    expect(toPolycloudError('plain string').code).toBe('UNEXPECTED');
  });

  it('redacts signed URLs, keys and registered secrets from messages', () => {
    const url = 'https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAXXXX%2F2026&X-Amz-Signature=abcdef0123456789&X-Amz-Expires=60';
    const sas = 'https://acct.blob.core.windows.net/c/b?sv=2023-01-03&se=2026-12-01&sp=r&sig=SECRETSIG%3D';
    const conn =
      'DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;';
    registerSecrets(['hunter2-very-secret']);
    const err = new PolycloudError('PERMISSION_DENIED', `failed ${url} ${sas} ${conn} password=hunter2-very-secret and hunter2-very-secret`);
    expect(err.message).not.toContain('abcdef0123456789');
    expect(err.message).not.toContain('SECRETSIG');
    expect(err.message).not.toContain('Eby8vdM02');
    expect(err.message).not.toContain('hunter2-very-secret');
    expect(err.message).toContain('X-Amz-Expires=60');
    expect(redact('secretAccessKey: "abc123xyz"')).not.toContain('abc123xyz');
  });

  it('classifies transport failures the same way for every adapter', () => {
    const errno = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
    expect(classifyNetworkError(errno('ECONNREFUSED'))).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(classifyNetworkError(errno('ECONNRESET'))).toMatchObject({ code: 'UNAVAILABLE' });
    expect(classifyNetworkError(errno('ETIMEDOUT'))).toMatchObject({ code: 'TIMEOUT' });
    expect(classifyNetworkError(new TypeError('fetch failed', { cause: errno('ECONNREFUSED') }))).toMatchObject({ code: 'UNAVAILABLE' });
    expect(classifyNetworkError(new Error('socket hang up'))).toMatchObject({ code: 'UNAVAILABLE' });
    expect(classifyNetworkError(Object.assign(new Error('Not Found'), { statusCode: 404 }))).toBeUndefined();
    expect(classifyNetworkError(new Error('bad input'))).toBeUndefined();
    // an unmapped socket error from a user's adapter fails over instead of being UNEXPECTED
    expect(toPolycloudError(errno('ECONNRESET'))).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });

  it('redacts credentials by their shape: bearer tokens, JWTs, SharedKey and SigV4 signatures, private keys', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0LXVzZXIifQ.c2lnbmF0dXJlLXZhbHVl';
    const text = [
      `'authorization' => { name: 'authorization', value: 'Bearer ${jwt}' }`,
      'Authorization: SharedKey devstoreaccount1:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==',
      'AWS4-HMAC-SHA256 Credential=AKIA/20261121/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=' + 'ab'.repeat(32),
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----',
    ].join('\n');
    const out = redact(text);
    expect(out).not.toContain('c2lnbmF0dXJlLXZhbHVl');
    expect(out).not.toContain('eyJzdWIi');
    expect(out).not.toContain('Zm9vYmFy');
    expect(out).not.toContain('ab'.repeat(32));
    expect(out).not.toContain('MIIEvQIBADANBg');
  });

  it('redacts resumable upload session ids', () => {
    const msg = redact('request to http://127.0.0.1:9/upload/storage/v1/b/bkt/o?name=k&uploadType=resumable&upload_id=5927d398-abcdef failed');
    expect(msg).not.toContain('5927d398');
    expect(msg).toContain('uploadType=resumable');
  });

  it('util.inspect of an error is redacted, cause chain included', async () => {
    const { inspect } = await import('node:util');
    const providerError = Object.assign(new Error('Server failed to authenticate'), {
      request: { url: 'https://acct.blob.core.windows.net/c/b?sv=2023-01-03&sig=VERYSECRETSIGNATURE%3D' },
    });
    const err = new PolycloudError('PERMISSION_DENIED', 'denied', { cause: providerError });
    const shown = inspect(err, { depth: 5 });
    expect(shown).toContain('PERMISSION_DENIED');
    expect(shown).not.toContain('VERYSECRETSIGNATURE');
  });

  it('createPolycloud registers secret-named provider options for redaction', async () => {
    const { createAdapterRegistry, createPolycloud } = await import('@polycloud/core');
    const { memoryStorageAdapterFactory } = await import('@polycloud/core/testing');
    const { z } = await import('zod');
    const registry = createAdapterRegistry([
      {
        ...memoryStorageAdapterFactory,
        type: 'vault',
        optionsSchema: z.looseObject({}),
        create: (_o: unknown, c: { name: string }) => memoryStorageAdapterFactory.create({}, c),
      } as never,
    ]);
    createPolycloud({ registry, providers: [{ name: 'v', type: 'vault', secretKey: 'sk-from-code-1234' }] });
    expect(new PolycloudError('UNEXPECTED', 'echo sk-from-code-1234').message).not.toContain('sk-from-code-1234');
  });

  it('serialises to JSON without the cause', () => {
    const err = new PolycloudError('CONFLICT', 'c', { cause: new Error('inner secret') });
    expect(JSON.stringify(err)).not.toContain('inner secret');
    expect(err.toJSON()).toMatchObject({ code: 'CONFLICT', retryable: false });
  });
});
