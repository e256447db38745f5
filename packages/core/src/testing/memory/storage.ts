import {
  type GetResult,
  type ObjectInfo,
  parseWithSchema,
  type StorageAdapter,
  type StorageAdapterFactory,
  type StorageCapabilities,
  unsupportedOperationError,
  type UserMetadata,
} from '@polycloud/core/spi';
import { memoryError, throwIfAborted } from '../errors.js';
import { bytesStream, consumeBody } from './body.js';
import { createMemoryCloud, type MemoryCloud, type MemoryObject } from './cloud.js';
import { decodeCursor, listPage } from './listing.js';
import { openPresignedUrl, presignMemoryUrl } from './presign.js';
import { MEMORY_STORAGE_CAPABILITIES, type MemoryStorageAdapterOptions, MemoryStorageAdapterOptionsSchema } from './storage-options.js';

/** The memory adapter: a full StorageAdapter plus handles for tests. */
export interface MemoryStorageAdapter extends Required<Omit<StorageAdapter, 'type'>> {
  readonly type: 'memory';
  /** The store behind it; share it, or write to it out-of-band. */
  readonly cloud: MemoryCloud;
  /** Copies of a bucket's objects in key order (NOT_FOUND for a missing bucket). */
  inspect(bucket: string): MemoryObject[];
  /** Plays the provider's side of a `memory://` presigned URL (GET → bytes, PUT stores `body`). */
  openPresigned(url: string, body?: Uint8Array): Uint8Array | undefined;
}

const info = (o: MemoryObject, withMeta = true): ObjectInfo => ({
  key: o.key,
  size: o.data.byteLength,
  versionToken: o.versionToken,
  lastModified: o.lastModified,
  ...(o.contentType === undefined ? {} : { contentType: o.contentType }),
  ...(withMeta ? { metadata: { ...o.metadata } } : {}),
});

/**
 * An in-memory StorageAdapter with the semantics of a real object store:
 * buckets must exist, conditions are enforced atomically, version tokens grow
 * monotonically, listings are in UTF-8 byte order with S3-style pagination, and
 * capabilities and limits can be narrowed to imitate a weaker provider.
 * Deterministic: the same calls give the same results (pass a fake clock for
 * `lastModified` too).
 */
export function createMemoryStorageAdapter(options: MemoryStorageAdapterOptions = {}): MemoryStorageAdapter {
  const opts = parseWithSchema(MemoryStorageAdapterOptionsSchema, options, 'invalid memory storage adapter options');
  const base = opts.cloud ?? createMemoryCloud(opts.clock ? { clock: opts.clock } : {});
  const cloud: MemoryCloud = opts.autoCreateBuckets ? withAutoCreate(base) : base;
  const clock = opts.clock ?? cloud.clock;
  for (const b of opts.buckets) cloud.createBucket(b);
  const caps: StorageCapabilities = Object.freeze({ ...MEMORY_STORAGE_CAPABILITIES, ...opts.capabilities });

  const ctx = (operation: string, bucket: string, key?: string) => ({ operation, bucket, ...(key === undefined ? {} : { key }) });
  const need = (capability: keyof StorageCapabilities, operation: string) => {
    if (caps[capability] !== true)
      throw unsupportedOperationError(operation, capability, { provider: 'memory' }, `memory adapter "${opts.name}" is configured without it`);
  };
  const checkKey = (key: string, operation: string) => {
    if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key, 'utf8') > caps.maxKeyBytes) {
      throw memoryError('INVALID_ARGUMENT', `key must be 1…${caps.maxKeyBytes} UTF-8 bytes`, { operation, path: ['key'] }, false);
    }
  };
  const checkMetadata = (metadata: UserMetadata | undefined, operation: string) => {
    const size = Object.entries(metadata ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (size > caps.maxMetadataBytes) {
      throw memoryError('INVALID_ARGUMENT', `metadata of ${size} bytes exceeds ${caps.maxMetadataBytes}`, { operation, path: ['metadata'] }, false);
    }
  };
  const requireBucket = (bucket: string) => {
    if (!cloud.hasBucket(bucket)) cloud.stat(bucket, ''); // throws NOT_FOUND (or auto-creates)
  };
  const existing = (bucket: string, key: string, operation: string): MemoryObject => {
    const o = cloud.getObject(bucket, key);
    if (!o) throw memoryError('NOT_FOUND', 'object not found', ctx(operation, bucket, key), false);
    return o;
  };
  const mismatch = (operation: string, bucket: string, key: string) =>
    memoryError('CONDITION_NOT_MET', 'version token does not match', ctx(operation, bucket, key), false);

  const adapter: MemoryStorageAdapter = {
    type: 'memory',
    name: opts.name,
    capabilities: caps,
    cloud,
    inspect: (bucket) => cloud.objects(bucket),
    openPresigned: (url, body) => openPresignedUrl(cloud, clock, url, body),

    async ensureBucket(bucket) {
      if (cloud.hasBucket(bucket)) return;
      if (!caps.createBucket) throw memoryError('NOT_FOUND', `bucket "${bucket}" does not exist`, ctx('ensureBucket', bucket), false);
      cloud.createBucket(bucket);
    },

    async put(bucket, key, body, o = {}) {
      throwIfAborted(o.signal);
      checkKey(key, 'put');
      requireBucket(bucket); // NOT_FOUND for a missing bucket, before reading the body
      if (o.ifMatch !== undefined || o.ifNoneMatch !== undefined) need('conditionalWrite', 'put');
      checkMetadata(o.metadata, 'put');
      const max = Math.min(caps.maxObjectBytes, caps.multipart ? Infinity : caps.maxSinglePutBytes);
      const data = await consumeBody(body, max, o.signal);
      if (o.contentLength !== undefined && o.contentLength !== data.byteLength) {
        throw memoryError(
          'INVALID_ARGUMENT',
          `contentLength ${o.contentLength} differs from the ${data.byteLength} bytes sent`,
          { path: ['contentLength'] },
          false,
        );
      }
      throwIfAborted(o.signal);
      // Conditions are evaluated at commit time, atomically (no await below).
      const current = cloud.stat(bucket, key);
      if (o.ifNoneMatch === '*' && current) {
        throw memoryError(opts.ifNoneMatchFailure, 'object already exists', ctx('put', bucket, key), false);
      }
      if (o.ifMatch !== undefined && current?.versionToken !== o.ifMatch) throw mismatch('put', bucket, key);
      const stored = cloud.putObject(bucket, key, data, {
        ...(o.contentType === undefined ? {} : { contentType: o.contentType }),
        ...(o.metadata === undefined ? {} : { metadata: o.metadata }),
      });
      return { key, versionToken: stored.versionToken, size: data.byteLength };
    },

    async get(bucket, key, o = {}): Promise<GetResult> {
      throwIfAborted(o.signal);
      const obj = existing(bucket, key, 'get');
      if (o.ifMatch !== undefined && obj.versionToken !== o.ifMatch) throw mismatch('get', bucket, key);
      if (!o.range) return { info: info(obj), body: bytesStream(obj.data) };
      need('rangeRead', 'get');
      const { start, end } = o.range;
      const size = obj.data.byteLength;
      if (!Number.isInteger(start) || start < 0 || (end !== undefined && (!Number.isInteger(end) || end < start))) {
        throw memoryError('INVALID_ARGUMENT', 'range must have integers 0 ≤ start ≤ end', { ...ctx('get', bucket, key), path: ['range'] }, false);
      }
      if (start >= size) {
        throw memoryError(
          'INVALID_ARGUMENT',
          `range starts at ${start}, past the end of a ${size}-byte object`,
          { ...ctx('get', bucket, key), path: ['range', 'start'] },
          false,
        );
      }
      const last = Math.min(end ?? size - 1, size - 1);
      return { info: info(obj), body: bytesStream(obj.data.subarray(start, last + 1)) };
    },

    async head(bucket, key, o = {}) {
      throwIfAborted(o.signal);
      return info(existing(bucket, key, 'head'));
    },

    async list(bucket, o = {}) {
      throwIfAborted(o.signal);
      // The cached sorted array itself (a page is built before any other call can change it).
      const keys = cloud.sortedKeys(bucket);
      if (o.delimiter !== undefined) need('listDelimiter', 'list');
      const pageSize = o.pageSize ?? caps.maxListPageSize;
      if (!Number.isInteger(pageSize) || pageSize < 1) {
        throw memoryError('INVALID_ARGUMENT', 'pageSize must be a positive integer', { ...ctx('list', bucket), path: ['pageSize'] }, false);
      }
      const listed = (key: string): ObjectInfo => {
        const st = cloud.peek(bucket, key)!;
        return { key, size: st.data.byteLength, versionToken: st.versionToken, lastModified: new Date(st.lastModified.getTime()) };
      };
      return listPage(keys, listed, {
        prefix: o.prefix ?? '',
        ...(o.delimiter ? { delimiter: o.delimiter } : {}),
        pageSize: Math.min(pageSize, caps.maxListPageSize),
        ...(o.continuationToken === undefined ? {} : { cursor: decodeCursor(o.continuationToken) }),
      });
    },

    async delete(bucket, key, o = {}) {
      throwIfAborted(o.signal);
      const current = cloud.stat(bucket, key);
      if (o.ifMatch !== undefined) {
        need('conditionalDelete', 'delete');
        if (current?.versionToken !== o.ifMatch) throw mismatch('delete', bucket, key);
      }
      cloud.deleteObject(bucket, key);
    },

    async deleteMany(bucket, keys, o = {}) {
      throwIfAborted(o.signal);
      need('batchDelete', 'deleteMany');
      requireBucket(bucket);
      if (keys.length > caps.maxBatchDeleteKeys) {
        throw memoryError(
          'INVALID_ARGUMENT',
          `at most ${caps.maxBatchDeleteKeys} keys per deleteMany`,
          { ...ctx('deleteMany', bucket), path: ['keys'] },
          false,
        );
      }
      for (const key of keys) cloud.deleteObject(bucket, key);
      return { deleted: [...keys], errors: [] };
    },

    async copy(bucket, sourceKey, destinationKey, o = {}) {
      throwIfAborted(o.signal);
      need('copy', 'copy');
      checkKey(destinationKey, 'copy');
      const src = existing(bucket, sourceKey, 'copy');
      if (o.sourceIfMatch !== undefined && src.versionToken !== o.sourceIfMatch) throw mismatch('copy', bucket, sourceKey);
      checkMetadata(o.metadata, 'copy');
      const contentType = o.contentType ?? src.contentType;
      const stored = cloud.putObject(bucket, destinationKey, src.data, {
        ...(contentType === undefined ? {} : { contentType }),
        metadata: o.metadata ?? src.metadata,
      });
      return { key: destinationKey, versionToken: stored.versionToken, size: stored.data.byteLength };
    },

    async presign(bucket, key, o) {
      need('presign', 'presign');
      requireBucket(bucket);
      return presignMemoryUrl(clock, bucket, key, o);
    },

    async probe(bucket, o = {}) {
      throwIfAborted(o.signal);
      requireBucket(bucket);
    },

    async close() {},
  };
  return adapter;
}

/** The same cloud, creating a bucket whenever one is first touched. */
function withAutoCreate(cloud: MemoryCloud): MemoryCloud {
  const touch =
    <A extends unknown[], R>(fn: (bucket: string, ...rest: A) => R) =>
    (bucket: string, ...rest: A): R => {
      cloud.createBucket(bucket);
      return fn(bucket, ...rest);
    };
  return {
    ...cloud,
    objects: touch(cloud.objects),
    keys: touch(cloud.keys),
    sortedKeys: touch(cloud.sortedKeys),
    peek: touch(cloud.peek),
    getObject: touch(cloud.getObject),
    stat: touch(cloud.stat),
    putObject: touch(cloud.putObject),
    deleteObject: touch(cloud.deleteObject),
  };
}

/** Registry factory: `{ name: 'mem', type: 'memory', buckets: ['b1'] }`. */
export const memoryStorageAdapterFactory: StorageAdapterFactory<MemoryStorageAdapterOptions> = {
  kind: 'storage',
  type: 'memory',
  optionsSchema: MemoryStorageAdapterOptionsSchema as unknown as StorageAdapterFactory<MemoryStorageAdapterOptions>['optionsSchema'],
  create: (options, context) => createMemoryStorageAdapter({ ...options, name: context.name }),
};
