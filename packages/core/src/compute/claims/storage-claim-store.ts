import { z } from 'zod';
import type { StorageAdapter } from '../../adapter/storage-adapter.js';
import { parseWithSchema } from '../../errors/from-zod.js';
import { isPolycloudError, PolycloudError, toPolycloudError } from '../../errors/polycloud-error.js';
import { type ClaimEntry, type ClaimRecord, ClaimRecordSchema, type ClaimStore } from './claim-store.js';

export const StorageClaimStoreOptionsSchema = z.strictObject({
  /** A storage adapter whose `put` honours `ifNoneMatch: '*'` and `ifMatch` (S3, GCS, Azure Blob, memory). */
  adapter: z.custom<StorageAdapter>((v) => typeof v === 'object' && v !== null && typeof (v as StorageAdapter).put === 'function', 'expected a StorageAdapter'),
  /** Physical bucket / container holding the claims. */
  bucket: z.string().min(1),
  /** Reserved key prefix. Default `_polycloud/claims/`. */
  prefix: z.string().default('_polycloud/claims/'),
});

export type StorageClaimStoreOptions = z.input<typeof StorageClaimStoreOptionsSchema>;

async function readAll(body: AsyncIterable<Uint8Array | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A {@link ClaimStore} over any StorageAdapter: one small JSON object per claim under
 * a reserved prefix, created with `If-None-Match: *` and replaced with `If-Match`.
 * Shared by every host that points at the same bucket — which is why a cluster
 * runs {@link verifyClaimStore} on it before trusting it.
 */
export function createStorageClaimStore(options: StorageClaimStoreOptions): ClaimStore {
  const o = parseWithSchema(StorageClaimStoreOptionsSchema, options, 'invalid storage claim store options', { code: 'CONFIG_INVALID' });
  const { adapter, bucket, prefix } = o;
  const objectKey = (key: string) => `${prefix}${key}.json`;
  const where = (key: string, operation: string) => ({ provider: adapter.type, operation, key: objectKey(key) });
  const encode = (record: ClaimRecord) => new TextEncoder().encode(JSON.stringify(record));
  return {
    name: `storage:${adapter.name}/${bucket}`,
    shared: true,
    async get(key, opts) {
      try {
        const { info, body } = await adapter.get(bucket, objectKey(key), opts?.signal ? { signal: opts.signal } : {});
        const text = await readAll(body);
        const record = parseWithSchema(ClaimRecordSchema, JSON.parse(text), 'claim object is not a claim', { code: 'UNEXPECTED' }) as ClaimRecord;
        return { record, version: info.versionToken };
      } catch (e) {
        if (isPolycloudError(e, 'NOT_FOUND')) return undefined;
        throw toPolycloudError(e, where(key, 'claim.get'));
      }
    },
    async create(key, record, opts) {
      try {
        const r = await adapter.put(bucket, objectKey(key), encode(record), {
          ifNoneMatch: '*',
          contentType: 'application/json',
          ...(opts?.signal ? { signal: opts.signal } : {}),
        });
        return { record: { ...record }, version: r.versionToken } satisfies ClaimEntry;
      } catch (e) {
        if (isPolycloudError(e, 'ALREADY_EXISTS') || isPolycloudError(e, 'CONDITION_NOT_MET')) {
          throw new PolycloudError('ALREADY_EXISTS', 'a claim for this key exists', { cause: e, context: where(key, 'claim.create'), retryable: false });
        }
        throw toPolycloudError(e, where(key, 'claim.create'));
      }
    },
    async update(key, record, version, opts) {
      try {
        const r = await adapter.put(bucket, objectKey(key), encode(record), {
          ifMatch: version,
          contentType: 'application/json',
          ...(opts?.signal ? { signal: opts.signal } : {}),
        });
        return { record: { ...record }, version: r.versionToken };
      } catch (e) {
        if (isPolycloudError(e, 'CONDITION_NOT_MET') || isPolycloudError(e, 'NOT_FOUND') || isPolycloudError(e, 'ALREADY_EXISTS')) {
          throw new PolycloudError('CONDITION_NOT_MET', 'the claim changed', { cause: e, context: where(key, 'claim.update'), retryable: false });
        }
        throw toPolycloudError(e, where(key, 'claim.update'));
      }
    },
    async delete(key, opts) {
      await adapter.delete(bucket, objectKey(key), opts?.signal ? { signal: opts.signal } : {});
    },
  };
}
