import { z } from 'zod';
import { type Clock, DEFAULT_STORAGE_CAPABILITIES, type StorageCapabilities } from '@polycloud/core/spi';
import { isMemoryCloud, type MemoryCloud } from './cloud.js';

const limit = z.number().int().positive();

/** Capabilities a memory adapter can be narrowed to, e.g. `{ multipart: false, maxSinglePutBytes: 1024 }`. */
export const MemoryCapabilitiesSchema = z
  .strictObject({
    rangeRead: z.boolean(),
    multipart: z.boolean(),
    conditionalWrite: z.boolean(),
    conditionalDelete: z.boolean(),
    presign: z.boolean(),
    batchDelete: z.boolean(),
    copy: z.boolean(),
    listDelimiter: z.boolean(),
    createBucket: z.boolean(),
    userMetadata: z.boolean(),
    maxSinglePutBytes: limit,
    maxObjectBytes: limit,
    maxKeyBytes: limit,
    maxMetadataBytes: limit,
    maxListPageSize: limit,
    maxBatchDeleteKeys: limit,
  })
  .partial();

/** Options of the memory storage adapter (also its registry options, `type: memory`). */
export const MemoryStorageAdapterOptionsSchema = z.strictObject({
  /** Instance name; the registry passes the provider's name. */
  name: z.string().min(1).default('memory'),
  /** Buckets that exist from the start (others need `ensureBucket`). */
  buckets: z.array(z.string().min(1)).default([]),
  /**
   * Create a missing bucket on first use instead of answering NOT_FOUND (handy for
   * demos; real providers never do this). Default false.
   */
  autoCreateBuckets: z.boolean().default(false),
  /** Overrides of the (all-true) default capabilities. */
  capabilities: MemoryCapabilitiesSchema.default({}),
  /**
   * Code for `ifNoneMatch: '*'` on an existing key. The contract says ALREADY_EXISTS
   * on every adapter (the default); `'CONDITION_NOT_MET'` makes a non-conforming
   * adapter, which the conformance suite fails — kept only to show that it does.
   * @deprecated every adapter answers ALREADY_EXISTS; leave this at its default.
   */
  ifNoneMatchFailure: z.enum(['ALREADY_EXISTS', 'CONDITION_NOT_MET']).default('ALREADY_EXISTS'),
  /** Share one store between adapters (and reach it out-of-band); default a fresh one. */
  cloud: z.custom<MemoryCloud>((v) => v === undefined || isMemoryCloud(v), 'expected a MemoryCloud').optional(),
  /** Time source for lastModified and presign expiry; default the cloud's clock. */
  clock: z
    .custom<Clock>((v) => v === undefined || (typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function'), 'expected a Clock')
    .optional(),
});

export type MemoryStorageAdapterOptions = z.input<typeof MemoryStorageAdapterOptionsSchema>;

/** Every boolean capability on, generous limits. */
export const MEMORY_STORAGE_CAPABILITIES: Readonly<StorageCapabilities> = Object.freeze({
  ...DEFAULT_STORAGE_CAPABILITIES,
  rangeRead: true,
  multipart: true,
  conditionalWrite: true,
  conditionalDelete: true,
  presign: true,
  batchDelete: true,
  copy: true,
  listDelimiter: true,
  createBucket: true,
  userMetadata: true,
});
