import { type Clock, systemClock, type UserMetadata } from '@polycloud/core/spi';
import { memoryError } from '../errors.js';

/** One stored object, as the in-memory "provider" keeps it. */
export interface MemoryObject {
  readonly key: string;
  readonly data: Uint8Array;
  /** A decimal counter, strictly increasing across the whole cloud (like a GCS generation). */
  readonly versionToken: string;
  readonly lastModified: Date;
  readonly contentType?: string;
  readonly metadata: Readonly<UserMetadata>;
}

export interface MemoryWrite {
  contentType?: string;
  metadata?: UserMetadata;
}

/**
 * The shared in-memory "provider": buckets of objects. Several memory adapters
 * built on one cloud see the same data (two processes talking to one provider),
 * and tests change it out-of-band here (a write made outside the SDK, for the
 * sync engine's reconciler).
 */
export interface MemoryCloud {
  readonly clock: Clock;
  /** Bucket names in byte order. */
  buckets(): string[];
  hasBucket(bucket: string): boolean;
  /** Idempotent. */
  createBucket(bucket: string): void;
  /** Removes a bucket and everything in it; a missing bucket is a no-op. */
  deleteBucket(bucket: string): void;
  /** Every object of a bucket in UTF-8 byte order of keys. Missing bucket → NOT_FOUND. */
  objects(bucket: string): MemoryObject[];
  /** Keys of a bucket in UTF-8 byte order. Missing bucket → NOT_FOUND. */
  keys(bucket: string): string[];
  /** The bucket's keys in UTF-8 order without a copy (valid until the next write): for listings. */
  sortedKeys(bucket: string): readonly string[];
  /** One object (a copy), or undefined. Missing bucket → NOT_FOUND. */
  getObject(bucket: string, key: string): MemoryObject | undefined;
  /** The stored object itself, no copy (read only: for listings), or undefined. Missing bucket → NOT_FOUND. */
  peek(bucket: string, key: string): Readonly<MemoryObject> | undefined;
  /** An object's facts without its bytes (cheap), or undefined. Missing bucket → NOT_FOUND. */
  stat(bucket: string, key: string): (Omit<MemoryObject, 'data'> & { size: number }) | undefined;
  /** Writes an object directly, with a fresh version token. Missing bucket → NOT_FOUND. */
  putObject(bucket: string, key: string, data: Uint8Array | string, write?: MemoryWrite): MemoryObject;
  /** Removes an object directly; true if it existed. Missing bucket → NOT_FOUND. */
  deleteObject(bucket: string, key: string): boolean;
  /** The next version token (also used by adapters writing through this cloud). */
  nextVersion(): string;
}

export interface MemoryCloudOptions {
  /** Source of `lastModified` and presign expiry; default the system clock. */
  clock?: Clock;
  /** Buckets that exist from the start. */
  buckets?: string[];
}

/**
 * Byte-wise comparison of two strings' UTF-8 encodings (S3 / GCS listing order),
 * without encoding them: UTF-8 order is code-point order, which differs from
 * UTF-16 order only in that surrogates (U+D800–DFFF) sort above U+E000–FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Index of the first key in `sorted` that is ≥ `key` (or > `key` when `after`). */
export function searchUtf8(sorted: readonly string[], key: string, after = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareUtf8(sorted[mid]!, key);
    if (c < 0 || (after && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const copyObject = (o: MemoryObject): MemoryObject => ({
  ...o,
  data: new Uint8Array(o.data),
  lastModified: new Date(o.lastModified.getTime()),
  metadata: { ...o.metadata },
});

export function createMemoryCloud(options: MemoryCloudOptions = {}): MemoryCloud {
  const clock = options.clock ?? systemClock;
  const store = new Map<string, Map<string, MemoryObject>>();
  /** Sorted keys per bucket, kept up to date once built. */
  const sorted = new Map<string, string[]>();
  let version = 0;

  const bucketOf = (bucket: string): Map<string, MemoryObject> => {
    const b = store.get(bucket);
    if (!b) throw memoryError('NOT_FOUND', `bucket "${bucket}" does not exist`, { bucket }, false);
    return b;
  };

  const cloud: MemoryCloud = {
    clock,
    buckets: () => [...store.keys()].sort(compareUtf8),
    hasBucket: (bucket) => store.has(bucket),
    createBucket(bucket) {
      if (!store.has(bucket)) store.set(bucket, new Map());
    },
    deleteBucket(bucket) {
      store.delete(bucket);
      sorted.delete(bucket);
    },
    objects: (bucket) => {
      const b = bucketOf(bucket);
      return cloud.keys(bucket).map((k) => copyObject(b.get(k)!));
    },
    keys: (bucket) => [...cloud.sortedKeys(bucket)],
    sortedKeys: (bucket) => {
      const b = bucketOf(bucket);
      let keys = sorted.get(bucket);
      if (!keys) sorted.set(bucket, (keys = [...b.keys()].sort(compareUtf8)));
      return keys;
    },
    getObject(bucket, key) {
      const o = bucketOf(bucket).get(key);
      return o && copyObject(o);
    },
    peek: (bucket, key) => bucketOf(bucket).get(key),
    stat(bucket, key) {
      const o = bucketOf(bucket).get(key);
      if (!o) return undefined;
      const { data, ...rest } = o;
      return { ...rest, size: data.byteLength, lastModified: new Date(o.lastModified.getTime()), metadata: { ...o.metadata } };
    },
    putObject(bucket, key, data, write = {}) {
      const b = bucketOf(bucket);
      const bytes = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'utf8')) : new Uint8Array(data);
      const object: MemoryObject = {
        key,
        data: bytes,
        versionToken: cloud.nextVersion(),
        lastModified: new Date(clock.now()),
        ...(write.contentType === undefined ? {} : { contentType: write.contentType }),
        metadata: { ...(write.metadata ?? {}) },
      };
      const keys = sorted.get(bucket);
      if (keys && !b.has(key)) keys.splice(searchUtf8(keys, key), 0, key);
      b.set(key, object);
      return copyObject(object);
    },
    deleteObject(bucket, key) {
      const existed = bucketOf(bucket).delete(key);
      const keys = sorted.get(bucket);
      if (existed && keys) keys.splice(searchUtf8(keys, key), 1);
      return existed;
    },
    nextVersion: () => String(++version),
  };
  for (const b of options.buckets ?? []) cloud.createBucket(b);
  return cloud;
}

/** True for a MemoryCloud (used by option schemas). */
export function isMemoryCloud(value: unknown): value is MemoryCloud {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as MemoryCloud).putObject === 'function' &&
    typeof (value as MemoryCloud).nextVersion === 'function'
  );
}
