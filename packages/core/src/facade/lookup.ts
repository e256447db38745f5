import { PolycloudError } from '../errors/polycloud-error.js';

/**
 * `map.get(bindingId)`, or INVALID_ARGUMENT (path `binding`) naming the resource —
 * what both facades answer for a binding id the resource does not have.
 */
export function bindingEntry<T>(lookup: (id: string) => T | undefined, kind: 'bucket' | 'cluster', resourceId: string, bindingId: string): T {
  const found = lookup(bindingId);
  if (found !== undefined) return found;
  throw new PolycloudError('INVALID_ARGUMENT', `${kind} ${resourceId} has no binding "${bindingId}"`, {
    context: { resource: resourceId, path: ['binding'] },
    retryable: false,
  });
}
