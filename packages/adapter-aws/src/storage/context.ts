import type { S3Client } from '@aws-sdk/client-s3';
import type { PolycloudError } from '@polycloud/core/spi';
import { mapS3Error } from './errors.js';
import type { ResolvedS3AdapterOptions } from './options.js';

/** What every operation file shares: the client, the options and error mapping. */
export interface S3Context {
  client: S3Client;
  options: ResolvedS3AdapterOptions;
  /** Adapter instance name. */
  name: string;
  /** Bodies up to this size go in one PutObject; larger ones through multipart. */
  multipartThresholdBytes: number;
  fail(error: unknown, operation: string, bucket?: string, key?: string): PolycloudError;
}

export function createS3Context(client: S3Client, options: ResolvedS3AdapterOptions, name: string): S3Context {
  return {
    client,
    options,
    name,
    multipartThresholdBytes: Math.min(options.multipartThresholdBytes ?? options.partSizeBytes, options.maxSinglePutBytes),
    fail: (error, operation, bucket, key) =>
      mapS3Error(error, { operation, adapter: name, ...(bucket !== undefined ? { bucket } : {}), ...(key !== undefined ? { key } : {}) }),
  };
}

/** Where a call's AbortSignal rides on its command input (see createS3Client). */
export const CALL_SIGNAL = Symbol('polycloud.callSignal');

/**
 * The command, carrying the call's signal for the client's request handler. The signal
 * does not go in `send`'s options: per-call options make the SDK resolve its whole
 * middleware stack again on every call, while a command without them reuses the
 * resolved stack (`cacheMiddleware`).
 */
export function signalled<C extends { input: object }>(command: C, signal: AbortSignal | undefined): C {
  if (signal) (command.input as Record<symbol, unknown>)[CALL_SIGNAL] = signal;
  return command;
}
