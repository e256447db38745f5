import { abortable as abortableWith } from '../shared/abortable.js';
import { type GcsErrorContext, abortedError } from './errors.js';

/** Throws ABORTED if the signal already fired. */
export function throwIfAborted(signal: AbortSignal | undefined, ctx: GcsErrorContext): void {
  if (signal?.aborted) throw abortedError(ctx, signal.reason);
}

/**
 * Settles with `work`, or rejects with ABORTED as soon as `signal` fires. Only for
 * requests that cannot change anything (reads, metadata): the SDK's promise calls
 * take no signal, so the request itself is left to finish on its own. Mutations
 * (upload, delete, copy) go through `gcsRequest`, whose signal cancels the request.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, ctx: GcsErrorContext): Promise<T> {
  return abortableWith(work, signal, (reason) => abortedError(ctx, reason));
}
