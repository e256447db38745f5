import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { StorageAdapter } from '@polycloud/core/spi';
import { type RunningAzurite, startAzurite } from '@polycloud/emulators';
import { type AzureBlobAdapterOptions, createAzureBlobAdapter } from '@polycloud/adapter-azure';

/** A fresh container name per test run (Azure: 3-63 lower-case letters, digits, hyphens). */
export const randomContainer = (prefix = 'pc'): string => `${prefix}-${randomUUID().replace(/-/g, '').slice(0, 20)}`;

export interface AzuriteFixture {
  readonly emulator: RunningAzurite;
  /** An adapter on the emulator (connection string unless other options are given). */
  adapter(options?: Partial<AzureBlobAdapterOptions>): StorageAdapter;
  /** A new, created container. */
  container(adapter?: StorageAdapter): Promise<string>;
}

/** Starts Azurite for the calling test file (beforeAll) and stops it afterwards. */
export function useAzurite(): AzuriteFixture {
  let emulator: RunningAzurite | undefined;
  const adapters: StorageAdapter[] = [];
  beforeAll(async () => {
    emulator = await startAzurite();
  });
  afterAll(async () => {
    await Promise.all(adapters.map((a) => a.close?.()));
    await emulator?.stop();
  });
  const fixture: AzuriteFixture = {
    get emulator() {
      if (!emulator) throw new Error('Azurite is not started yet (use the fixture inside tests)');
      return emulator;
    },
    adapter(options = {}) {
      const base = Object.keys(options).some((k) => ['accountName', 'accountKey', 'sasUrl', 'sasToken', 'credential', 'connectionString'].includes(k))
        ? {}
        : { connectionString: fixture.emulator.connectionString };
      const a = createAzureBlobAdapter({ ...base, ...options } as AzureBlobAdapterOptions, { name: 'azurite' });
      adapters.push(a);
      return a;
    },
    async container(adapter) {
      const name = randomContainer();
      await (adapter ?? fixture.adapter()).ensureBucket(name);
      return name;
    },
  };
  return fixture;
}
