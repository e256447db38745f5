import * as aws from '@polycloud/adapter-aws';
import * as azure from '@polycloud/adapter-azure';
import * as gcp from '@polycloud/adapter-gcp';
import { type AdapterFactory, type AdapterRegistry, createAdapterRegistry, localComputeAdapterFactory } from '@polycloud/core';

function isFactory(value: unknown): value is AdapterFactory {
  const f = value as Partial<AdapterFactory> | null;
  return (
    typeof f === 'object' &&
    f !== null &&
    (f.kind === 'storage' || f.kind === 'compute') &&
    typeof f.type === 'string' &&
    typeof f.create === 'function' &&
    typeof (f.optionsSchema as { safeParse?: unknown } | undefined)?.safeParse === 'function'
  );
}

/** Every adapter factory a module exports (`s3AdapterFactory`, `gcsAdapterFactory`, …). */
export function factoriesOf(module: Record<string, unknown>): AdapterFactory[] {
  return Object.values(module).filter(isFactory);
}

/**
 * The registry the CLI uses: every factory the built-in adapter packages export
 * (s3, aws-batch, gcs, gcp-batch, azure-blob, azure-aci), core's `local` compute
 * adapter, and — when `@polycloud/core/testing` loads (it needs vitest) — the
 * `memory` storage adapter.
 */
export async function createCliRegistry(): Promise<AdapterRegistry> {
  const registry = createAdapterRegistry();
  const add = (f: AdapterFactory) => {
    if (!registry.has(f.kind, f.type)) registry.register(f);
  };
  for (const m of [aws, gcp, azure] as Record<string, unknown>[]) factoriesOf(m).forEach(add);
  add(localComputeAdapterFactory);
  try {
    const testing = (await import('@polycloud/core/testing')) as Record<string, unknown>;
    // Storage only: a `memory` compute factory under the same type would receive the storage options too.
    factoriesOf(testing).filter((f) => f.kind === 'storage').forEach(add);
  } catch {
    // No vitest installed: no memory adapters (they are for tests and demos).
  }
  return registry;
}
