import { describe, expect, it } from 'vitest';
import { isPolycloudError } from '@polycloud/core';
import { throwMissingPeer } from '@polycloud/core/spi';

describe('throwMissingPeer (an optional peer SDK loaded on first use)', () => {
  it('a package that is not installed → CONFIG_INVALID naming it; anything else is rethrown as it is', async () => {
    const missing = await import('@polycloud/not-installed-sdk' as string).catch((e: unknown) => e);
    let error: unknown;
    try {
      throwMissingPeer(missing, '@polycloud/not-installed-sdk', 'demo-batch');
    } catch (e) {
      error = e;
    }
    expect(isPolycloudError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toBe('the demo-batch compute adapter needs @polycloud/not-installed-sdk: npm install @polycloud/not-installed-sdk');
    const other = new TypeError('boom');
    expect(() => throwMissingPeer(other, 'x', 'y')).toThrow(other);
  });
});
