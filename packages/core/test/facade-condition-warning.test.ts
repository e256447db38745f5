import { describe, expect, it } from 'vitest';
import { createPolycloud, isPolycloudError, type Logger } from '@polycloud/core';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';

function setup() {
  const warnings: unknown[] = [];
  const logged: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_fields: unknown, message?: string) => void logged.push(String(message)),
    error: () => undefined,
  };
  const polycloud = createPolycloud({
    providers: [
      { name: 'strict', adapter: createMemoryStorageAdapter({ name: 'strict', buckets: ['s'] }) },
      {
        name: 'plain',
        adapter: createMemoryStorageAdapter({ name: 'plain', buckets: ['p'], capabilities: { conditionalWrite: false, conditionalDelete: false } }),
      },
    ],
    resources: [
      {
        resource_id: 'lb',
        type: 'LogicalBucket',
        replication: { mode: 'none' },
        providers: [
          { cloud: 'strict', physical_id: 's' },
          { cloud: 'plain', physical_id: 'p', role: 'standby' },
        ],
      },
      { resource_id: 'only-plain', type: 'LogicalBucket', providers: [{ cloud: 'plain', physical_id: 'p' }] },
    ],
    logger,
  });
  polycloud.events.on('warning', (w) => warnings.push(w));
  return { polycloud, warnings, logged };
}

describe('a binding that does not enforce conditional writes: a one-time warning event', () => {
  it('is emitted once per binding on the first conditional put, and logged at warn level', async () => {
    const { polycloud, warnings, logged } = setup();
    try {
      await polycloud.bucket('lb').put('k', 'v1');
      expect(warnings).toEqual([]); // no condition asked: nothing to warn about
      const first = await polycloud.bucket('lb').put('k2', 'v', { ifNoneMatch: '*' });
      expect(first.binding).toBe('strict');
      await polycloud.bucket('lb').put('k', 'v2', { ifMatch: (await polycloud.bucket('lb').head('k')).versionToken });
      await polycloud.bucket('lb').put('k3', 'v', { ifNoneMatch: '*' });
      expect(warnings).toEqual([
        expect.objectContaining({
          code: 'CONDITIONAL_WRITE_NOT_ENFORCED',
          resource: 'lb',
          binding: 'plain',
          provider: 'memory',
          capability: 'conditionalWrite',
          message: expect.stringContaining('does not enforce conditional writes'),
        }),
      ]);
      expect(logged.filter((m) => m.includes('does not enforce conditional writes'))).toHaveLength(1);
      // A conditional delete warns once as well, for its own capability.
      await polycloud.bucket('lb').delete('k3', { ifMatch: (await polycloud.bucket('lb').head('k3')).versionToken });
      await polycloud.bucket('lb').delete('k2', { ifMatch: (await polycloud.bucket('lb').head('k2')).versionToken });
      expect(warnings.map((w) => (w as { code: string }).code)).toEqual(['CONDITIONAL_WRITE_NOT_ENFORCED', 'CONDITIONAL_DELETE_NOT_ENFORCED']);
    } finally {
      await polycloud.close();
    }
  });

  it('is emitted too when no binding can take the call (then UNSUPPORTED), once per binding across buckets', async () => {
    const { polycloud, warnings } = setup();
    try {
      for (let i = 0; i < 2; i++) {
        const error = await polycloud
          .bucket('only-plain')
          .put('k', 'v', { ifNoneMatch: '*' })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(isPolycloudError(error, 'UNSUPPORTED')).toBe(true);
      }
      await polycloud.bucket('lb').put('k', 'v', { ifNoneMatch: '*' });
      expect(warnings.map((w) => `${(w as { resource: string }).resource}/${(w as { binding: string }).binding}`)).toEqual(['only-plain/plain', 'lb/plain']);
    } finally {
      await polycloud.close();
    }
  });
});
