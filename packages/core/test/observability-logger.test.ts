import { describe, expect, it } from 'vitest';
import { createPolycloud, createRedactingLogger, PolycloudError, silentLogger } from '@polycloud/core';
import { registerSecrets, type StorageAdapter } from '@polycloud/core/spi';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';

function instance(logger: unknown, primary?: StorageAdapter) {
  return createPolycloud({
    providers: [
      { name: 'a', adapter: primary ?? createMemoryStorageAdapter({ buckets: ['x'] }) },
      { name: 'b', adapter: createMemoryStorageAdapter({ buckets: ['y'] }) },
    ],
    resources: [
      {
        resource_id: 'lb',
        type: 'LogicalBucket',
        providers: [
          { cloud: 'a', physical_id: 'x' },
          { cloud: 'b', physical_id: 'y' },
        ],
        replication: { mode: 'none' },
      },
    ],
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    ...(logger ? { logger: logger as never } : {}),
  });
}

function failingWith(message: string): StorageAdapter {
  const inner = createMemoryStorageAdapter({ buckets: ['x'] });
  return { ...inner, put: async () => Promise.reject(new PolycloudError('UNAVAILABLE', message, { retryable: true })) };
}

describe('logger', () => {
  it('is called as (fields, message), the pino form that console also prints', async () => {
    const calls: { level: string; args: unknown[] }[] = [];
    const rec =
      (level: string) =>
      (...args: unknown[]) =>
        void calls.push({ level, args });
    const pc = instance({ debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') }, failingWith('down'));
    await pc.bucket('lb').put('k', 'v');
    await pc.close();
    const failover = calls.find((c) => c.level === 'warn' && String(c.args[1]).includes('failover'))!;
    expect(failover.args[0]).toMatchObject({ resource: 'lb', from: 'a', to: 'b', error: 'UNAVAILABLE' });
    expect(calls.filter((c) => c.level === 'debug').length).toBeGreaterThanOrEqual(2);
  });

  it('redacts messages and fields (registered secrets, signed URLs)', async () => {
    registerSecrets(['hunter2-very-secret']);
    const lines: string[] = [];
    const rec = (...args: unknown[]) => void lines.push(JSON.stringify(args));
    const pc = instance(
      { debug: rec, info: rec, warn: rec, error: rec },
      failingWith('auth failed for hunter2-very-secret at https://x.example/o?X-Amz-Signature=abcdef123'),
    );
    pc.events.emit('error', { resource: 'lb', operation: 'write', error: new PolycloudError('PERMISSION_DENIED', 'denied') });
    const log = createRedactingLogger({ debug: rec, info: rec, warn: rec, error: rec });
    log.log('warn', { url: 'https://x.example/o?sig=zzzzzz', nested: { token: 'hunter2-very-secret' } }, 'using hunter2-very-secret');
    await pc.bucket('lb').put('k', 'v');
    await pc.close();
    const all = lines.join('\n');
    expect(all).toContain('[REDACTED]');
    expect(all).not.toContain('hunter2-very-secret');
    expect(all).not.toContain('zzzzzz');
  });

  it('is silent by default and a throwing logger never breaks an operation', async () => {
    expect(Object.values(silentLogger).every((f) => typeof f === 'function')).toBe(true);
    const boom = () => {
      throw new Error('logger broke');
    };
    const pc = instance({ debug: boom, info: boom, warn: boom, error: boom }, failingWith('down'));
    await expect(pc.bucket('lb').put('k', 'v')).resolves.toMatchObject({ binding: 'b' });
    await pc.close();
  });

  it('refuses something that is not a logger (CONFIG_INVALID with the path)', () => {
    expect(() => instance({ info: () => undefined })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', context: expect.objectContaining({ path: ['logger'] }) }),
    );
  });
});
