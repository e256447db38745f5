import { describe, expect, it } from 'vitest';
import { createAdapterRegistry, isPolycloudError, PolycloudError } from '@polycloud/core';
import { createPolycloudFromConfig, loadPolycloudConfig } from '@polycloud/core/config';
import type { StorageAdapterFactory } from '@polycloud/core/spi';
import { createMemoryStorageAdapter, memoryStorageAdapterFactory } from '@polycloud/core/testing';
import { z } from 'zod';
import { configRegistry, ENV, SECRET_A, SECRET_B, VALID } from './config-fixtures.js';

const LITERAL_SECRET = 'literal-password-in-file-0042';
const ENV_SECRETS = { ...ENV, DB_TOKEN: 'tok_9f8e7d6c5b4a' };
const SECRETS = [SECRET_A, SECRET_B, LITERAL_SECRET, ENV_SECRETS.DB_TOKEN];

function everything(e: unknown): string {
  const err = e as PolycloudError;
  return [String(err), err.message, err.stack ?? '', JSON.stringify(err), JSON.stringify(err.context), JSON.stringify(err.context.issues ?? [])].join('\n');
}

function expectNoSecret(text: string): void {
  for (const s of SECRETS) expect(text).not.toContain(s);
}

function refuse(text: string): PolycloudError {
  try {
    loadPolycloudConfig(text, { registry: configRegistry(), env: ENV_SECRETS });
  } catch (e) {
    if (isPolycloudError(e)) return e;
    throw e;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('no secret value from the environment (or a secret-named option) appears in any output', () => {
  it('interpolated into a field whose error message quotes the value', () => {
    const error = refuse(VALID.replace('timeout: 30s', 'timeout: ${ENV_CLOUD_A_KEY}'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.context.issues!.some((i) => i.path.join('.') === 'timeout')).toBe(true);
    expectNoSecret(everything(error));
  });

  it('in a DataJob quantity and in a residency tag', () => {
    const error = refuse(VALID.replace('memory: 4Gi', 'memory: "${DB_TOKEN}"').replace('tags: {residency: eu}', 'tags: {residency: "${ENV_CLOUD_A_SECRET}"}'));
    const paths = error.context.issues!.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['jobs.0.spec.resources.memory', 'resources.0.tags.residency']));
    expectNoSecret(everything(error));
  });

  it('a literal value under a secret-named option, echoed by a failing field elsewhere', () => {
    const text = VALID.replace('secret_key: ${ENV_CLOUD_A_SECRET}', `secret_key: ${LITERAL_SECRET}`).replace('cpu: 2', `cpu: ${LITERAL_SECRET}`);
    const error = refuse(text);
    expect(error.context.issues!.some((i) => i.path.join('.') === 'jobs.0.spec.resources.cpu')).toBe(true);
    expectNoSecret(everything(error));
  });

  it('in log lines and operation errors, even when an adapter echoes its credentials', async () => {
    // A user's adapter whose backend puts the key in its error messages (as some SDKs do).
    const leaky: StorageAdapterFactory = {
      kind: 'storage',
      type: 'leaky',
      optionsSchema: z.strictObject({ accessKey: z.string(), buckets: z.array(z.string()).default([]) }) as never,
      create: (options, context) => {
        const o = options as { accessKey: string; buckets: string[] };
        const inner = createMemoryStorageAdapter({ name: context.name, buckets: o.buckets });
        return {
          ...inner,
          put: async () => {
            throw new PolycloudError('UNAVAILABLE', `connection refused for key ${o.accessKey}`, { retryable: true });
          },
        };
      },
    };
    const registry = createAdapterRegistry([memoryStorageAdapterFactory, leaky]);
    const lines: string[] = [];
    const capture =
      (level: string) =>
      (...args: unknown[]) =>
        void lines.push(`${level} ${JSON.stringify(args)}`);
    const logger = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };
    const config = `
providers:
  - {name: leaky, type: leaky, access_key: "\${ENV_CLOUD_A_KEY}", buckets: [a]}
  - {name: backup, type: memory, buckets: [b]}
resources:
  - resource_id: lb
    type: LogicalBucket
    providers: [{cloud: leaky, physical_id: a}, {cloud: backup, physical_id: b}]
    replication: {mode: none}
`;
    const polycloud = createPolycloudFromConfig(config, { registry, env: ENV_SECRETS, logger, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    try {
      const events: unknown[] = [];
      polycloud.events.on('failover', (e) => events.push(e));
      const put = await polycloud.bucket('lb').put('k', 'v');
      expect(put.binding).toBe('backup');
      expect(events).toHaveLength(1);
      expect(lines.some((l) => l.startsWith('warn') && l.includes('failover'))).toBe(true);
      expectNoSecret(lines.join('\n'));
      expectNoSecret(JSON.stringify(events));
    } finally {
      await polycloud.close();
    }
  });
});
