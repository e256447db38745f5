import { PolycloudError, type Polycloud } from '@polycloud/core';

/** What the CLI uses of core's sync engine (`polycloud.sync(bucketId)`). */
export interface SyncEngineLike {
  readonly mode: 'async' | 'sync' | 'none';
  runOnce(): Promise<{ leased: boolean; keys: number; writes: number; conflicts: number; failedKeys: string[]; more: boolean }>;
  reconcile(options?: { allowMassDelete?: boolean }): Promise<{ status: 'ok' | 'blocked'; listed: Record<string, number>; unavailable: string[]; changed: number; conflicts: number; wouldDelete: number; total: number }>;
  status(): Promise<{ targets: { binding: string; backlog: number; lagMs: number; failed: number }[] }>;
  stop(): Promise<void>;
}

/** The sync engine of a bucket, or UNSUPPORTED when this build of core has none. */
export function syncEngine(polycloud: Polycloud, bucket: string): SyncEngineLike {
  const sync = (polycloud as unknown as { sync?: (id: string) => SyncEngineLike }).sync;
  if (typeof sync !== 'function') {
    throw new PolycloudError('UNSUPPORTED', 'sync is not available: this @polycloud/core has no sync engine (polycloud.sync)', { context: { resource: bucket } });
  }
  return sync.call(polycloud, bucket);
}

export function hasSyncEngine(polycloud: Polycloud): boolean {
  return typeof (polycloud as unknown as { sync?: unknown }).sync === 'function';
}
