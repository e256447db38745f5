import type { S3Client } from '@aws-sdk/client-s3';
import type { PolycloudError } from '@polycloud/core';
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

/** `{ abortSignal }` for `client.send`, or nothing. */
export function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}
