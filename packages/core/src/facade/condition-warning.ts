import type EventEmitter from 'eventemitter3';
import type { StorageAdapter } from '../adapter/storage-adapter.js';
import type { PolycloudEvents } from '../events.js';
import type { LogicalBucket } from '../urm/resources.js';

/** Bindings already warned about, per Polycloud instance (its event emitter): `resource\0binding\0capability`. */
const warned = new WeakMap<object, Set<string>>();

/**
 * A caller asked for a condition (`ifMatch` / `ifNoneMatch` on put, `ifMatch` on
 * delete): warn once per binding of the bucket whose adapter declares it does not
 * enforce that condition. Core never sends it such a call (the router's capability
 * filter skips it, and UNSUPPORTED when no binding can take it), but the caller may
 * not know that the binding exists outside the guarantee: copies replicated to it are
 * written unconditionally, and a read from it may return a version the condition
 * would have refused. Emits a `warning` event (logged at warn level); cheap after the first call.
 */
export function warnUnenforcedCondition(
  events: EventEmitter<PolycloudEvents>,
  bucket: LogicalBucket,
  adapterOf: (bindingId: string) => StorageAdapter,
  capability: 'conditionalWrite' | 'conditionalDelete',
): void {
  let seen = warned.get(events);
  if (!seen) warned.set(events, (seen = new Set()));
  for (const b of bucket.providers) {
    const id = `${bucket.resource_id}\0${b.id}\0${capability}`;
    if (seen.has(id)) continue;
    seen.add(id);
    let adapter: StorageAdapter;
    try {
      adapter = adapterOf(b.id);
    } catch {
      continue;
    }
    if (adapter.capabilities[capability]) continue;
    const what = capability === 'conditionalWrite' ? 'conditional writes (ifMatch / ifNoneMatch)' : 'conditional deletes (ifMatch)';
    events.emit('warning', {
      code: capability === 'conditionalWrite' ? 'CONDITIONAL_WRITE_NOT_ENFORCED' : 'CONDITIONAL_DELETE_NOT_ENFORCED',
      resource: bucket.resource_id,
      binding: b.id,
      provider: adapter.type,
      capability,
      message: `binding ${b.id} of ${bucket.resource_id} (${adapter.type}) does not enforce ${what}: conditional calls are never sent to it (UNSUPPORTED when no other binding can take them), and copies replicated to it are written unconditionally, so an update there can be lost`,
    });
  }
}
