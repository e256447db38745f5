import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AdapterRegistry, createAdapterRegistry, localComputeAdapterFactory, PolycloudError } from '@polycloud/core';
import type { StorageAdapterFactory } from '@polycloud/core/spi';
import { createMemoryCloud, type MemoryCloud, memoryStorageAdapterFactory } from '@polycloud/core/testing';
import { runCli, type RunCliOptions } from '@polycloud/cli';

/** A stream that collects what the CLI writes. */
export function collector(isTTY = false) {
  let text = '';
  return {
    isTTY,
    columns: 120,
    write(chunk: string) {
      text += chunk;
      return true;
    },
    get text() {
      return text;
    },
  };
}

/**
 * A registry whose `memory` storage adapters share one MemoryCloud per provider
 * name, so data written in a test is there when the CLI opens the config — and a
 * user-defined adapter type registered the way any custom one would be.
 */
export function memoryRegistry(): { registry: AdapterRegistry; clouds: Map<string, MemoryCloud>; down: Set<string> } {
  const clouds = new Map<string, MemoryCloud>();
  /** Providers whose adapters answer UNAVAILABLE to every probe (a cloud that is down). */
  const down = new Set<string>();
  const shared: StorageAdapterFactory = {
    ...memoryStorageAdapterFactory,
    create: (options, context) => {
      let cloud = clouds.get(context.name);
      if (!cloud) clouds.set(context.name, (cloud = createMemoryCloud()));
      const adapter = memoryStorageAdapterFactory.create({ ...(options as object), cloud }, context);
      if (!down.has(context.name)) return adapter;
      return { ...adapter, probe: async () => Promise.reject(new PolycloudError('UNAVAILABLE', `${context.name} is down`)) };
    },
  } as StorageAdapterFactory;
  const registry = createAdapterRegistry([shared, localComputeAdapterFactory]);
  return { registry, clouds, down };
}

const tempDirs: string[] = [];
/** Removes every directory `tempDir()` created so far. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
// Each test file gets its own copy of this module, so this runs after each file's last test.
afterAll(removeTempDirs);

/** A fresh directory under the OS temp dir, removed after the test file finishes. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'polycloud-cli-'));
  tempDirs.push(dir);
  return dir;
}

export function writeConfig(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export async function run(argv: string[], options: RunCliOptions = {}) {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(argv, { stdout, stderr, env: {}, ...options });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
