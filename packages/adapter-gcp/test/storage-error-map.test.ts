import { describe, expect, it } from 'vitest';
import { mapGcsError } from '../src/storage/index.js';

const ctx = { operation: 'get', bucket: 'bk', key: 'k' };
const netError = (code: string, message = `connect ${code} 127.0.0.1:1`) => Object.assign(new Error(message), { code });

describe('mapGcsError: errors without an HTTP status', () => {
  it.each([
    ['ECONNREFUSED', 'UNAVAILABLE'],
    ['ECONNRESET', 'UNAVAILABLE'],
    ['EPIPE', 'UNAVAILABLE'],
    ['ETIMEDOUT', 'TIMEOUT'],
    ['ESOCKETTIMEDOUT', 'TIMEOUT'],
    // core's classifyNetworkError: a connection the peer aborted is unavailable, not a timeout
    ['ECONNABORTED', 'UNAVAILABLE'],
  ])('a socket error %s → %s, retryable', (code, expected) => {
    const err = mapGcsError(netError(code), ctx);
    expect([err.code, err.retryable]).toEqual([expected, true]);
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('a network error wrapped as the cause of a gaxios/fetch error is found', () => {
    const wrapped = Object.assign(new Error('request to http://127.0.0.1:1/storage/v1/b failed'), { cause: netError('ECONNRESET') });
    expect(mapGcsError(wrapped, ctx).code).toBe('UNAVAILABLE');
  });

  it('a failed download checksum (CONTENT_DOWNLOAD_MISMATCH) → UNAVAILABLE, retryable', () => {
    const err = mapGcsError(
      Object.assign(new Error('The downloaded data did not match the data from the server.'), { code: 'CONTENT_DOWNLOAD_MISMATCH' }),
      ctx,
    );
    expect([err.code, err.retryable]).toEqual(['UNAVAILABLE', true]);
  });

  it("node-fetch's expired per-request timeout (type request-timeout, no code) → TIMEOUT, retryable", () => {
    const err = mapGcsError(Object.assign(new Error('network timeout at: http://127.0.0.1:1/storage/v1/b/bk/o/k'), { type: 'request-timeout' }), ctx);
    expect([err.code, err.retryable]).toEqual(['TIMEOUT', true]);
  });

  it("'socket hang up' (no code) → UNAVAILABLE, retryable", () => {
    const err = mapGcsError(new Error('socket hang up'), ctx);
    expect([err.code, err.retryable]).toEqual(['UNAVAILABLE', true]);
  });

  it('an AbortError → ABORTED, not retryable', () => {
    const abort = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    expect([mapGcsError(abort, ctx).code, mapGcsError(abort, ctx).retryable]).toEqual(['ABORTED', false]);
  });

  it('anything else → UNEXPECTED, not retryable, and a signed query string in a message is redacted', () => {
    const err = mapGcsError(new Error('weird https://x/b/k?X-Goog-Signature=abcdef0123&X-Goog-Credential=svc%40p'), ctx);
    expect([err.code, err.retryable]).toEqual(['UNEXPECTED', false]);
    expect(err.message).not.toContain('abcdef0123');
    expect(err.message).not.toContain('svc%40p');
  });

  it('409 → ALREADY_EXISTS only for a create-if-absent call, otherwise CONFLICT; 412 with createOnly → ALREADY_EXISTS', () => {
    expect(mapGcsError(Object.assign(new Error('exists'), { code: 409 }), { ...ctx, createOnly: true }).code).toBe('ALREADY_EXISTS');
    const conflict = mapGcsError(Object.assign(new Error('edited during the operation'), { code: 409 }), ctx);
    expect([conflict.code, conflict.retryable]).toEqual(['CONFLICT', false]);
    expect(mapGcsError(Object.assign(new Error('pre'), { code: 412 }), { ...ctx, createOnly: true }).code).toBe('ALREADY_EXISTS');
    expect(mapGcsError(Object.assign(new Error('pre'), { code: 412 }), ctx).code).toBe('CONDITION_NOT_MET');
  });
});
