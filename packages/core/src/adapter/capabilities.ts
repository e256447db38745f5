/**
 * What a storage adapter can do, as data: the one truth. The LogicalBucket facade
 * checks these flags before calling an adapter and refuses an unsupported call with
 * `UNSUPPORTED` (or uses its documented fallback) instead of silently doing nothing;
 * it never looks at which methods an adapter object has. A method standing for an
 * undeclared flag (`deleteMany`, `copy`, `presign`) throws `UNSUPPORTED` itself.
 * Emulator test profiles narrow them further.
 */
export interface StorageCapabilities {
  /** `get` honours `range`. */
  rangeRead: boolean;
  /** Bodies of any (or unknown) length are uploaded in parts without buffering the whole object. */
  multipart: boolean;
  /** `put` honours `ifMatch` / `ifNoneMatch: '*'` atomically. */
  conditionalWrite: boolean;
  /** `delete` honours `ifMatch` atomically. */
  conditionalDelete: boolean;
  /** `presign` returns a time-limited URL (else the facade answers UNSUPPORTED and `presign()` throws it). */
  presign: boolean;
  /** `deleteMany` is one provider call per batch (otherwise the facade deletes key by key and `deleteMany()` throws UNSUPPORTED). */
  batchDelete: boolean;
  /** `copy` is server-side (otherwise the facade streams get → put and `copy()` throws UNSUPPORTED). */
  copy: boolean;
  /** `list` honours `delimiter` and returns common prefixes. */
  listDelimiter: boolean;
  /** `ensureBucket` can create the physical bucket / container. */
  createBucket: boolean;
  /** User metadata round-trips exactly, including non-ASCII values. */
  userMetadata: boolean;
  /** Largest body accepted by one single-request put, in bytes. */
  maxSinglePutBytes: number;
  /** Largest object, in bytes. */
  maxObjectBytes: number;
  /** Longest key, in UTF-8 bytes. */
  maxKeyBytes: number;
  /** Largest total user metadata (names + values), in bytes. */
  maxMetadataBytes: number;
  /** Largest page `list` returns. */
  maxListPageSize: number;
  /** Most keys one `deleteMany` provider call takes. */
  maxBatchDeleteKeys: number;
}

export type StorageCapability = {
  [K in keyof StorageCapabilities]: StorageCapabilities[K] extends boolean ? K : never;
}[keyof StorageCapabilities];

/** What a compute adapter can do. */
export interface ComputeCapabilities {
  /** `cancel` stops a running job. */
  cancel: boolean;
  /** `submit` is create-or-fail on the idempotency key: a second create of a key throws ALREADY_EXISTS and starts nothing. */
  idempotentSubmit: boolean;
  /** Status carries an exit code. */
  exitCode: boolean;
  /** Status carries a log location. */
  logs: boolean;
  /** Largest vCPU count one job may ask for. */
  maxCpu: number;
  /** Largest memory one job may ask for, in MiB. */
  maxMemoryMiB: number;
}

export type ComputeCapability = {
  [K in keyof ComputeCapabilities]: ComputeCapabilities[K] extends boolean ? K : never;
}[keyof ComputeCapabilities];

/** Conservative defaults an adapter spreads and overrides. */
export const DEFAULT_STORAGE_CAPABILITIES: Readonly<StorageCapabilities> = Object.freeze({
  rangeRead: false,
  multipart: false,
  conditionalWrite: false,
  conditionalDelete: false,
  presign: false,
  batchDelete: false,
  copy: false,
  listDelimiter: false,
  createBucket: false,
  userMetadata: false,
  maxSinglePutBytes: 5 * 1024 ** 3,
  maxObjectBytes: 5 * 1024 ** 4,
  maxKeyBytes: 1024,
  maxMetadataBytes: 2048,
  maxListPageSize: 1000,
  maxBatchDeleteKeys: 1000,
});

/** Returns the names of required boolean capabilities the set lacks. */
export function missingCapabilities<C extends object>(caps: C, needed: readonly (keyof C)[]): (keyof C)[] {
  return needed.filter((k) => caps[k] !== true);
}
