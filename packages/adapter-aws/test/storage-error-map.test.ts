import { PolycloudError } from '@polycloud/core';
import { describe, expect, it } from 'vitest';
import { mapS3Error } from '../src/storage/index.js';

const where = { operation: 'get', bucket: 'b', key: 'k', adapter: 'aws' };
const sdkError = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, ...(status !== undefined ? { $metadata: { httpStatusCode: status } } : {}), ...extra });

describe('mapS3Error (pure)', () => {
  it.each([
    [sdkError('NoSuchKey', 404), 'NOT_FOUND', false],
    [sdkError('NotFound', 404), 'NOT_FOUND', false],
    [sdkError('UnknownError', 404), 'NOT_FOUND', false],
    [sdkError('UnknownError', 412), 'CONDITION_NOT_MET', false],
    [sdkError('UnknownError', 502), 'UNAVAILABLE', true],
    [sdkError('UnknownError', 504), 'UNAVAILABLE', true],
    [sdkError('InvalidRange', 416), 'INVALID_ARGUMENT', false],
    [sdkError('ExpiredToken', 400), 'PERMISSION_DENIED', false],
    [sdkError('CredentialsProviderError'), 'PERMISSION_DENIED', false],
    [sdkError('TimeoutError', undefined, { code: 'ETIMEDOUT' }), 'TIMEOUT', true],
    [sdkError('TimeoutError', undefined, { code: 'ECONNRESET' }), 'UNAVAILABLE', true],
    [sdkError('Error', undefined, { code: 'ECONNREFUSED' }), 'UNAVAILABLE', true],
    [sdkError('Error', undefined, { cause: { code: 'ENOTFOUND' } }), 'UNAVAILABLE', true],
    [sdkError('AbortError'), 'ABORTED', false],
    [sdkError('constructor'), 'UNEXPECTED', false],
    ['a string', 'UNEXPECTED', false],
  ])('%s → %s (retryable %s)', (error, code, retryable) => {
    const err = mapS3Error(error, where);
    expect([err.code, err.retryable]).toEqual([code, retryable]);
    expect(err.cause).toBe(error);
    expect(err.context).toMatchObject({ provider: 's3', operation: 'get', bucket: 'b', key: 'k', adapter: 'aws' });
  });

  it('a PolycloudError passes through with context added', () => {
    const original = new PolycloudError('INVALID_ARGUMENT', 'bad', { context: { path: ['range'] } });
    const err = mapS3Error(original, where);
    expect([err.code, err.context.path, err.context.provider]).toEqual(['INVALID_ARGUMENT', ['range'], 's3']);
  });

  it('signed query strings in provider messages are redacted', () => {
    const err = mapS3Error(sdkError('AccessDenied', 403, { message: 'denied for https://h/b/k?X-Amz-Signature=abcdef0123&X-Amz-Credential=AKID%2Fx' }), where);
    expect(err.message).not.toContain('abcdef0123');
    expect(err.message).not.toContain('AKID%2Fx');
  });
});
