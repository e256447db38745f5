import { type ErrorContext, PolycloudError } from '../errors/polycloud-error.js';
import type { StorageCapability } from './capabilities.js';
import type { StorageAdapter } from './storage-adapter.js';

/**
 * The storage methods a boolean capability stands for: when the capability is not
 * declared, core never calls the method (it raises UNSUPPORTED or uses its fallback),
 * and the method itself raises UNSUPPORTED when called directly.
 */
export const STORAGE_CAPABILITY_METHODS = Object.freeze({
  batchDelete: 'deleteMany',
  copy: 'copy',
  presign: 'presign',
} as const satisfies Partial<Record<StorageCapability, keyof StorageAdapter>>);

/**
 * The error for an operation whose capability is not declared, the same from core
 * and from adapters: `UNSUPPORTED`, not retryable, with `operation` and `capability`
 * (and whatever else `context` holds: `binding`, `resource`, `provider`) in its context.
 */
export function unsupportedOperationError(operation: string, capability: string, context: ErrorContext = {}, detail?: string): PolycloudError {
  const where =
    context.binding !== undefined ? `binding ${context.binding}` : context.provider !== undefined ? `the ${context.provider} adapter` : 'the adapter';
  return new PolycloudError('UNSUPPORTED', `${operation} needs "${capability}", which ${where} does not declare${detail ? ` (${detail})` : ''}`, {
    context: { ...context, operation, capability },
    retryable: false,
  });
}

/**
 * `deleteMany`, `copy` and `presign`, each raising UNSUPPORTED: the methods an adapter
 * "inherits" for the capabilities it does not declare. Spread it first and define the
 * methods the adapter has after it:
 *
 * ```ts
 * const adapter: StorageAdapter = {
 *   ...unsupportedStorageOperations('my-store'),
 *   type: 'my-store', name, capabilities, ensureBucket, put, get, head, list, delete: remove,
 * };
 * ```
 *
 * `type` is the adapter's registry type: the errors' `provider`.
 */
export function unsupportedStorageOperations(type: string): Pick<StorageAdapter, 'deleteMany' | 'copy' | 'presign'> {
  const raise = (capability: keyof typeof STORAGE_CAPABILITY_METHODS, bucket: string, key?: string): never => {
    throw unsupportedOperationError(STORAGE_CAPABILITY_METHODS[capability], capability, { provider: type, bucket, ...(key === undefined ? {} : { key }) });
  };
  return {
    deleteMany: async (bucket) => raise('batchDelete', bucket),
    copy: async (bucket, sourceKey) => raise('copy', bucket, sourceKey),
    presign: async (bucket, key) => raise('presign', bucket, key),
  };
}
