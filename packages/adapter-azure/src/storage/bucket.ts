import type { AzureStorageContext } from './context.js';
import { azureCall } from './errors.js';

/** Creates the container; an existing one is success (Create Container if not exists). */
export async function ensureContainer(ctx: AzureStorageContext, container: string): Promise<void> {
  await azureCall({ operation: 'ensureBucket', container }, undefined, () => ctx.container(container).createIfNotExists());
}

/** Get Container Properties: a cheap liveness and access check. */
export async function probeContainer(ctx: AzureStorageContext, container: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  await azureCall({ operation: 'probe', container }, options.signal, () =>
    ctx.container(container).getProperties(options.signal ? { abortSignal: options.signal } : {}),
  );
}
