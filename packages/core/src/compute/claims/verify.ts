import { randomUUID } from 'node:crypto';
import { isPolycloudError, PolycloudError } from '../../errors/polycloud-error.js';
import type { ClaimRecord, ClaimStore } from './claim-store.js';

const verified = new WeakMap<ClaimStore, Promise<void>>();

/**
 * Checks, instead of trusting a declared capability, that the store really enforces
 * conditional writes: writes one probe key twice with create (the second must fail
 * ALREADY_EXISTS) and updates it with a wrong version (must fail CONDITION_NOT_MET).
 * A store that lets either through would let two hosts both believe they own a key,
 * so it is refused with UNSUPPORTED (not retryable). Availability errors propagate
 * (retryable) and are not remembered; a passed check is remembered per store.
 */
export function verifyClaimStore(store: ClaimStore, options: { signal?: AbortSignal } = {}): Promise<void> {
  let check = verified.get(store);
  if (!check) {
    check = probe(store, options.signal);
    verified.set(store, check);
    check.catch((e: unknown) => {
      if (!isPolycloudError(e, 'UNSUPPORTED')) verified.delete(store);
    });
  }
  return check;
}

async function probe(store: ClaimStore, signal: AbortSignal | undefined): Promise<void> {
  const key = `_selftest/${randomUUID()}`;
  const o = signal ? { signal } : {};
  const record: ClaimRecord = { v: 1, binding: '_probe', holder: 'self-test', epoch: 1, leaseUntil: 0, sent: false };
  const refuse = (what: string) =>
    new PolycloudError('UNSUPPORTED', `claim store ${store.name} does not enforce ${what}; it cannot keep two hosts from starting one job twice`, {
      context: { operation: 'claim.self-test', path: ['claims'] },
      retryable: false,
    });
  const first = await store.create(key, record, o);
  try {
    let second = false;
    try {
      await store.create(key, { ...record, holder: 'self-test-2' }, o);
      second = true;
    } catch (e) {
      if (!isPolycloudError(e, 'ALREADY_EXISTS') && !isPolycloudError(e, 'CONDITION_NOT_MET')) throw e;
    }
    if (second) throw refuse('create-if-absent (If-None-Match: *): a second create of the probe key succeeded');
    let stale = false;
    try {
      await store.update(key, { ...record, epoch: 2 }, `${first.version}-stale`, o);
      stale = true;
    } catch (e) {
      if (!isPolycloudError(e, 'CONDITION_NOT_MET')) throw e;
    }
    if (stale) throw refuse('update-if-match (If-Match): an update naming a wrong version succeeded');
  } finally {
    await store.delete?.(key, o).catch(() => undefined);
  }
}
