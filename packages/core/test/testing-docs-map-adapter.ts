// The custom adapter of docs/testing.md, verbatim: keep the two in sync.
import { Readable } from 'node:stream';
import { z } from 'zod';
import {
  DEFAULT_STORAGE_CAPABILITIES,
  lengthMismatch,
  PolycloudError,
  readAll,
  unsupportedStorageOperations,
  type ObjectInfo,
  type StorageAdapter,
  type StorageAdapterFactory,
} from '@polycloud/core/spi';

interface Entry {
  data: Buffer;
  info: ObjectInfo;
}

export const MapAdapterOptionsSchema = z.strictObject({ buckets: z.array(z.string().min(1)).default([]) });

/** A tiny Map-backed StorageAdapter: enough for the required conformance cases. */
export function createMapAdapter(options: z.input<typeof MapAdapterOptionsSchema> = {}, name = 'map'): StorageAdapter {
  const { buckets: initial } = MapAdapterOptionsSchema.parse(options);
  const buckets = new Map<string, Map<string, Entry>>(initial.map((b) => [b, new Map()]));
  let version = 0;
  const bucketOf = (b: string) => {
    const m = buckets.get(b);
    if (!m) throw new PolycloudError('NOT_FOUND', `no bucket ${b}`, { context: { provider: 'map' } });
    return m;
  };
  const entryOf = (b: string, key: string) => {
    const e = bucketOf(b).get(key);
    if (!e) throw new PolycloudError('NOT_FOUND', 'no such key', { context: { provider: 'map', key } });
    return e;
  };
  const live = (signal?: AbortSignal) => {
    if (signal?.aborted) throw new PolycloudError('ABORTED', 'aborted', { context: { provider: 'map' } });
  };
  return {
    // deleteMany, copy and presign throw UNSUPPORTED: their capabilities are not declared.
    ...unsupportedStorageOperations('map'),
    type: 'map',
    name,
    capabilities: { ...DEFAULT_STORAGE_CAPABILITIES, userMetadata: true, createBucket: true },
    async ensureBucket(b) {
      if (!buckets.has(b)) buckets.set(b, new Map());
    },
    async put(b, key, body, o = {}) {
      live(o.signal);
      const m = bucketOf(b);
      const data = body instanceof Readable ? await readAll(body, o.signal) : Buffer.from(body);
      // A stream must carry the length it announced; a short one is never stored.
      if (o.contentLength !== undefined && data.byteLength !== o.contentLength) throw lengthMismatch(data.byteLength, o.contentLength);
      const info: ObjectInfo = {
        key,
        size: data.byteLength,
        versionToken: String(++version),
        lastModified: new Date(),
        ...(o.contentType ? { contentType: o.contentType } : {}),
        metadata: { ...o.metadata },
      };
      m.set(key, { data, info });
      return { key, versionToken: info.versionToken, size: info.size };
    },
    async get(b, key, o = {}) {
      live(o.signal);
      const e = entryOf(b, key);
      return { info: { ...e.info }, body: Readable.from([e.data]) };
    },
    async head(b, key, o = {}) {
      live(o.signal);
      return { ...entryOf(b, key).info };
    },
    async list(b, o = {}) {
      live(o.signal);
      const keys = [...bucketOf(b).keys()].filter((k) => k.startsWith(o.prefix ?? '')).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      const start = o.continuationToken ? Number(o.continuationToken) : 0;
      const end = start + (o.pageSize ?? 1000);
      const objects = keys.slice(start, end).map((k) => {
        const { metadata: _omitted, ...info } = entryOf(b, k).info;
        return info;
      });
      return { objects, prefixes: [], ...(end < keys.length ? { continuationToken: String(end) } : {}) };
    },
    async delete(b, key, o = {}) {
      live(o.signal);
      bucketOf(b).delete(key); // a missing key is success
    },
  };
}

/** Registered like any built-in: `{ name: 'local-map', type: 'map', buckets: ['data'] }`. */
export const mapAdapterFactory: StorageAdapterFactory<z.output<typeof MapAdapterOptionsSchema>> = {
  kind: 'storage',
  type: 'map',
  optionsSchema: MapAdapterOptionsSchema,
  create: (options, context) => createMapAdapter(options, context.name),
};
