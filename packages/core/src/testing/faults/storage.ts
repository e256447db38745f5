import type { StorageAdapter } from '@polycloud/core/spi';
import { createFaultEngine, type FaultControls } from './engine.js';
import type { FaultInjectionOptions } from './options.js';

export type StorageOperation = 'ensureBucket' | 'put' | 'get' | 'head' | 'list' | 'delete' | 'deleteMany' | 'copy' | 'presign' | 'probe';

/** A storage adapter that misbehaves on purpose, plus its controls. */
export type FaultInjectingStorageAdapter = StorageAdapter & FaultControls<StorageOperation> & { readonly inner: StorageAdapter };

/**
 * Wraps any storage adapter with seeded faults: errors per operation, latency,
 * hung calls that time out, lost responses (applied, then UNAVAILABLE), and a full
 * outage switch. Deterministic for a given `seed` and call sequence. `close` is
 * passed through untouched.
 */
export function createFaultInjectingStorageAdapter(inner: StorageAdapter, options: FaultInjectionOptions<StorageOperation> = {}): FaultInjectingStorageAdapter {
  const engine = createFaultEngine<StorageOperation>(inner.type, options);
  const { run: _run, ...controls } = engine;
  const adapter: FaultInjectingStorageAdapter = {
    ...controls,
    inner,
    type: inner.type,
    name: inner.name,
    capabilities: inner.capabilities,
    ensureBucket: (bucket) => engine.run('ensureBucket', undefined, () => inner.ensureBucket(bucket)),
    put: (bucket, key, body, o) => engine.run('put', o?.signal, () => inner.put(bucket, key, body, o)),
    get: (bucket, key, o) => engine.run('get', o?.signal, () => inner.get(bucket, key, o)),
    head: (bucket, key, o) => engine.run('head', o?.signal, () => inner.head(bucket, key, o)),
    list: (bucket, o) => engine.run('list', o?.signal, () => inner.list(bucket, o)),
    delete: (bucket, key, o) => engine.run('delete', o?.signal, () => inner.delete(bucket, key, o)),
    deleteMany: (bucket, keys, o) => engine.run('deleteMany', o?.signal, () => inner.deleteMany(bucket, keys, o)),
    copy: (bucket, s, d, o) => engine.run('copy', o?.signal, () => inner.copy(bucket, s, d, o)),
    presign: (bucket, key, o) => engine.run('presign', undefined, () => inner.presign(bucket, key, o)),
  };
  // The lifecycle hooks stay optional: wrapped only when the inner adapter has them.
  if (inner.probe) adapter.probe = (bucket, o) => engine.run('probe', o?.signal, () => inner.probe!(bucket, o));
  if (inner.close) adapter.close = () => inner.close!();
  return adapter;
}
