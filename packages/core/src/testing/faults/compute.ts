import type { ClaimStore, ComputeAdapter } from '@polycloud/core/spi';
import { createFaultEngine, type FaultControls } from './engine.js';
import type { FaultInjectionOptions } from './options.js';

export type ComputeOperation = 'submit' | 'find' | 'status' | 'cancel' | 'probe';

export type FaultInjectingComputeAdapter = ComputeAdapter & FaultControls<ComputeOperation> & { readonly inner: ComputeAdapter };

/**
 * Wraps any compute adapter with seeded faults (see the storage injector). For
 * capacity failover tests use `errorCode: 'QUOTA_EXCEEDED'` with `retryable: true`,
 * or `failNext(1, 'QUOTA_EXCEEDED', ['submit'])`.
 */
export function createFaultInjectingComputeAdapter(inner: ComputeAdapter, options: FaultInjectionOptions<ComputeOperation> = {}): FaultInjectingComputeAdapter {
  const engine = createFaultEngine<ComputeOperation>(inner.type, options);
  const { run: _run, ...controls } = engine;
  const adapter: FaultInjectingComputeAdapter = {
    ...controls,
    inner,
    type: inner.type,
    name: inner.name,
    capabilities: inner.capabilities,
    submit: (target, job, o) => engine.run('submit', o?.signal, () => inner.submit(target, job, o)),
    find: (target, key, o) => engine.run('find', o?.signal, () => inner.find(target, key, o)),
    status: (target, jobId, o) => engine.run('status', o?.signal, () => inner.status(target, jobId, o)),
    cancel: (target, jobId, o) => engine.run('cancel', o?.signal, () => inner.cancel(target, jobId, o)),
  };
  if (inner.probe) adapter.probe = (target, o) => engine.run('probe', o?.signal, () => inner.probe!(target, o));
  if (inner.close) adapter.close = () => inner.close!();
  return adapter;
}

export type ClaimOperation = 'get' | 'create' | 'update' | 'delete';

export type FaultInjectingClaimStore = ClaimStore & FaultControls<ClaimOperation> & { readonly inner: ClaimStore };

/**
 * Wraps a claim store with the same seeded faults: errors, hung calls, lost
 * responses (the create or update took effect, the caller sees UNAVAILABLE) and
 * outages — what the claim protocol must survive without starting a job twice.
 */
export function createFaultInjectingClaimStore(inner: ClaimStore, options: FaultInjectionOptions<ClaimOperation> = {}): FaultInjectingClaimStore {
  const engine = createFaultEngine<ClaimOperation>(`claims:${inner.name}`, options);
  const { run: _run, ...controls } = engine;
  const store: FaultInjectingClaimStore = {
    ...controls,
    inner,
    name: inner.name,
    shared: inner.shared,
    get: (key, o) => engine.run('get', o?.signal, () => inner.get(key, o)),
    create: (key, record, o) => engine.run('create', o?.signal, () => inner.create(key, record, o)),
    update: (key, record, version, o) => engine.run('update', o?.signal, () => inner.update(key, record, version, o)),
  };
  if (inner.delete) store.delete = (key, o) => engine.run('delete', o?.signal, () => inner.delete!(key, o));
  return store;
}
