import { type AdapterFactory, type AdapterRegistry, createAdapterRegistry } from '@polycloud/core/spi';
import { localComputeAdapterFactory } from '@polycloud/core';

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

/** The built-in adapter packages, the types each provides, and how to load it (their SDKs are heavy: loaded only when needed). */
const BUILT_INS: { types: readonly string[]; load: () => Promise<Record<string, unknown>> }[] = [
  { types: ['s3', 'aws-batch'], load: () => import('@polycloud/adapter-aws') },
  { types: ['gcs', 'gcp-batch'], load: () => import('@polycloud/adapter-gcp') },
  { types: ['azure-blob', 'azure-aci'], load: () => import('@polycloud/adapter-azure') },
  { types: ['kubernetes'], load: () => import('@polycloud/kubernetes') },
];
const CORE_TYPES = new Set(['local', 'memory']);

/**
 * The registry the CLI uses: the factories the built-in adapter packages export
 * (s3, aws-batch, gcs, gcp-batch, azure-blob, azure-aci; `kubernetes` from @polycloud/kubernetes), core's `local` compute
 * adapter, and the `memory` storage adapter from `@polycloud/core/testing` (a plain
 * module with no test-runner dependency; memory providers are for trying a config:
 * their data lives only in the process). Given the `types` a config names, only the packages
 * providing them are loaded; a type nobody knows loads them all (so the error can
 * list every registered type).
 */
export async function createCliRegistry(options: { types?: readonly string[] } = {}): Promise<AdapterRegistry> {
  const registry = createAdapterRegistry();
  const add = (f: AdapterFactory) => {
    if (!registry.has(f.kind, f.type)) registry.register(f);
  };
  const wanted = options.types;
  const known = (t: string) => CORE_TYPES.has(t) || BUILT_INS.some((b) => b.types.includes(t));
  const all = wanted === undefined || wanted.some((t) => !known(t));
  const packages = BUILT_INS.filter((b) => all || b.types.some((t) => wanted!.includes(t)));
  for (const m of await Promise.all(packages.map((p) => p.load()))) factoriesOf(m).forEach(add);
  add(localComputeAdapterFactory);
  const testing = (await import('@polycloud/core/testing')) as Record<string, unknown>;
  // Storage only: a `memory` compute factory under the same type would receive the storage options too.
  factoriesOf(testing)
    .filter((f) => f.kind === 'storage')
    .forEach(add);
  return registry;
}
