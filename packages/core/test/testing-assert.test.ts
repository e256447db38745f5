import { AssertionError } from 'node:assert';
import { PolycloudError } from '@polycloud/core';
import { caughtError, rejectsWithCode, thrownError, throwsWithCode } from '@polycloud/core/testing';
import { describe, expect, it } from 'vitest';

const notFound = () => new PolycloudError('NOT_FOUND', 'nope', { retryable: false });

describe('the kit error assertions', () => {
  it('caughtError returns the PolycloudError a promise (or a function returning one) rejects with, whatever its code', async () => {
    expect((await caughtError(Promise.reject(notFound()))).code).toBe('NOT_FOUND');
    expect((await caughtError(async () => Promise.reject(notFound()))).code).toBe('NOT_FOUND');
  });

  it('caughtError fails on success and on anything but a PolycloudError', async () => {
    await expect(caughtError(Promise.resolve(1), 'get()')).rejects.toThrow(/get\(\): expected a PolycloudError .*succeeded/);
    await expect(caughtError(Promise.reject(new TypeError('x')))).rejects.toThrow(/got a TypeError \(not a PolycloudError\)/);
    await expect(caughtError(Promise.resolve(1))).rejects.toBeInstanceOf(AssertionError);
  });

  it('thrownError / throwsWithCode: the synchronous forms', () => {
    expect(
      thrownError(() => {
        throw notFound();
      }).code,
    ).toBe('NOT_FOUND');
    expect(
      throwsWithCode(
        () => {
          throw notFound();
        },
        ['CONFIG_INVALID', 'NOT_FOUND'],
        'f()',
      ).code,
    ).toBe('NOT_FOUND');
    expect(() => thrownError(() => 1, 'f()')).toThrow(/f\(\): expected a PolycloudError .*succeeded/);
    expect(() =>
      thrownError(() => {
        throw new Error('plain');
      }),
    ).toThrow(/not a PolycloudError/);
    expect(() =>
      throwsWithCode(
        () => {
          throw notFound();
        },
        'CONFIG_INVALID',
        'f()',
      ),
    ).toThrow(/f\(\): expected code CONFIG_INVALID, got NOT_FOUND/);
  });

  it('rejectsWithCode keeps its messages', async () => {
    await expect(rejectsWithCode(async () => Promise.reject(notFound()), 'ABORTED', 'get()')).rejects.toThrow(/get\(\): expected code ABORTED, got NOT_FOUND/);
    await expect(rejectsWithCode(async () => 1, 'ABORTED', 'get()')).rejects.toThrow(/get\(\): expected a PolycloudError ABORTED, but the call succeeded/);
  });
});
