import type { Readable } from 'node:stream';
import type { StorageCapabilities } from './capabilities.js';

/** Bodies an adapter receives: already normalised by the facade. */
export type AdapterBody = Uint8Array | Readable;

/** Bodies a user may pass to `put`. */
export type PutBody = Uint8Array | ArrayBuffer | string | Readable | ReadableStream<Uint8Array>;

/** User metadata: names are lower-case ASCII `[a-z0-9-_]`, values any UTF-8 string. */
export type UserMetadata = Record<string, string>;

/** What is known about a stored object. */
export interface ObjectInfo {
  key: string;
  /** Size in bytes. */
  size: number;
  /**
   * Portable version token: the ETag on S3 and Azure, the generation on GCS, a
   * counter in memory. Opaque; pass it back in `ifMatch`.
   */
  versionToken: string;
  lastModified: Date;
  contentType?: string;
  /** User metadata exactly as written (decoded by the adapter). Absent in plain listings. */
  metadata?: UserMetadata;
}

export interface PutOptions {
  contentType?: string;
  metadata?: UserMetadata;
  /** Write only if the current version token equals this one; else CONDITION_NOT_MET. Needs `conditionalWrite`. */
  ifMatch?: string;
  /** `'*'`: write only if the key does not exist; else ALREADY_EXISTS (never CONDITION_NOT_MET, whatever the provider's status). Needs `conditionalWrite`. */
  ifNoneMatch?: '*';
  /**
   * Exact body length when known (lets single-request puts skip buffering). A stream that
   * carries a different number of bytes must fail the put with INVALID_ARGUMENT at path
   * `contentLength` and store nothing (`exactLength` from the SPI does the check).
   */
  contentLength?: number;
  signal?: AbortSignal;
}

export interface PutResult {
  key: string;
  versionToken: string;
  size?: number;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive; absent means to the end. */
  end?: number;
}

export interface GetOptions {
  /** Needs `rangeRead`. A range starting past the end is INVALID_ARGUMENT. */
  range?: ByteRange;
  /** Read only if the version token still equals this one; else CONDITION_NOT_MET. */
  ifMatch?: string;
  signal?: AbortSignal;
}

export interface GetResult {
  info: ObjectInfo;
  /** The body as a stream; consume or destroy it. */
  body: Readable;
}

export interface ListOptions {
  prefix?: string;
  /** Group keys by this delimiter into `prefixes`. Needs `listDelimiter`. */
  delimiter?: string;
  /** At most this many objects (plus prefixes) per page; capped by `maxListPageSize`. */
  pageSize?: number;
  /** Token from the previous page's `continuationToken`. */
  continuationToken?: string;
  signal?: AbortSignal;
}

export interface ListPage {
  /** Objects in lexicographic (UTF-8 byte) key order. `metadata` may be absent. */
  objects: ObjectInfo[];
  /** Common prefixes when a delimiter was given, each ending with the delimiter. */
  prefixes: string[];
  /** Present when more pages follow. */
  continuationToken?: string;
}

export interface DeleteOptions {
  /** Delete only if the version token still equals this one. Needs `conditionalDelete`. */
  ifMatch?: string;
  signal?: AbortSignal;
}

export interface DeleteManyResult {
  /** Keys now absent (including ones that were already absent). */
  deleted: string[];
  /** Keys that could not be deleted, with the mapped error. */
  errors: { key: string; error: Error }[];
}

export interface CopyOptions {
  /** Replace the metadata instead of copying the source's. */
  metadata?: UserMetadata;
  contentType?: string;
  /** Copy only if the source's version token equals this one. */
  sourceIfMatch?: string;
  signal?: AbortSignal;
}

/** Options of a presigned URL (`LogicalBucketClient.presign`, `StorageAdapter.presign`). */
export interface PresignOptions {
  /** What the URL allows: downloading (`GET`) or uploading (`PUT`) the object. */
  method: 'GET' | 'PUT';
  /** Seconds until the URL expires (1 s … 7 days). */
  expiresInSeconds: number;
  /** For `PUT`: the content type the upload must send. */
  contentType?: string;
}

/** Common to every call: the physical bucket / container the binding names. */
export type PhysicalBucket = string;

/**
 * The contract every storage adapter implements: one instance per configured
 * provider (endpoint + credentials), operating on the physical bucket each call
 * names. An adapter only translates: retries, routing, failover, replication and
 * validation of keys live in core.
 *
 * Errors: every method throws only PolycloudError, with the provider error as
 * `cause`, `retryable` set, and no secret in the message.
 *
 * Capabilities are the declared flags only. Every method is required; a method
 * standing for a boolean capability (`deleteMany` ↔ `batchDelete`, `copy` ↔ `copy`,
 * `presign` ↔ `presign`) that is not declared throws UNSUPPORTED, and core decides by
 * the flag, never by whether the method exists. `probe` and `close` are optional
 * lifecycle hooks.
 */
export interface StorageAdapter {
  /** Registry type name (`s3`, `gcs`, `azure-blob`, `memory`, or a user's own). */
  readonly type: string;
  /** Instance name (the provider's `name` in config). */
  readonly name: string;
  readonly capabilities: Readonly<StorageCapabilities>;

  /**
   * Creates the physical bucket if absent. Idempotent: an existing bucket is success.
   * Needs `createBucket`; adapters without it return when the bucket exists and
   * throw NOT_FOUND otherwise.
   */
  ensureBucket(bucket: PhysicalBucket): Promise<void>;

  /**
   * Stores a whole object, replacing any previous version. Not idempotent under
   * conditions: a retried conditional put may report CONDITION_NOT_MET (`ifMatch`)
   * or ALREADY_EXISTS (`ifNoneMatch`) for its own first success. A failed put leaves the previous version intact (no partial
   * object is ever visible). Streams are uploaded without buffering the whole body
   * when `multipart` is declared.
   */
  put(bucket: PhysicalBucket, key: string, body: AdapterBody, options?: PutOptions): Promise<PutResult>;

  /** Reads an object (or a byte range). Missing key → NOT_FOUND. */
  get(bucket: PhysicalBucket, key: string, options?: GetOptions): Promise<GetResult>;

  /** Reads an object's info and metadata without the body. Missing key → NOT_FOUND. */
  head(bucket: PhysicalBucket, key: string, options?: { signal?: AbortSignal }): Promise<ObjectInfo>;

  /** One page of a listing in key order. A missing prefix is an empty page, not an error. */
  list(bucket: PhysicalBucket, options?: ListOptions): Promise<ListPage>;

  /**
   * Deletes an object. Idempotent: a missing key is success, never NOT_FOUND.
   * With `ifMatch`: a different current version, or no object at all, is
   * CONDITION_NOT_MET (the version the condition names is not there), on every cloud.
   */
  delete(bucket: PhysicalBucket, key: string, options?: DeleteOptions): Promise<void>;

  /**
   * Deletes many keys in one provider call, at most `maxBatchDeleteKeys` per call.
   * Missing keys count as deleted. Stands for `batchDelete`: without it core never
   * calls this (the facade deletes key by key) and it must throw UNSUPPORTED
   * (inherit it from {@link unsupportedStorageOperations}).
   */
  deleteMany(bucket: PhysicalBucket, keys: string[], options?: { signal?: AbortSignal }): Promise<DeleteManyResult>;

  /**
   * Server-side copy within the same adapter. Missing source → NOT_FOUND. Stands for
   * `copy`: without it core never calls this (the facade streams get → put) and it
   * must throw UNSUPPORTED (inherit it from {@link unsupportedStorageOperations}).
   */
  copy(bucket: PhysicalBucket, sourceKey: string, destinationKey: string, options?: CopyOptions): Promise<PutResult>;

  /**
   * A time-limited URL for one GET or PUT. The URL is a secret: never log it. Stands
   * for `presign`: without it core answers UNSUPPORTED itself and this must throw
   * UNSUPPORTED too (inherit it from {@link unsupportedStorageOperations}).
   */
  presign(bucket: PhysicalBucket, key: string, options: PresignOptions): Promise<string>;

  /**
   * Optional lifecycle hook, not a capability: a cheap liveness check used by health
   * probes; throws the mapped error when unhealthy. Absent → health is unknown.
   */
  probe?(bucket: PhysicalBucket, options?: { signal?: AbortSignal }): Promise<void>;

  /** Optional lifecycle hook, not a capability: releases sockets and timers. Idempotent. */
  close?(): Promise<void>;
}
