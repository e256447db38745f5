import { type AdapterContext, parseWithSchema, registerSecrets, type StorageAdapter, type StorageAdapterFactory } from '@polycloud/core/spi';
import { ensureBucket, probeBucket } from './bucket.js';
import { s3Capabilities } from './capabilities.js';
import { createS3Client } from './client.js';
import { createS3Context } from './context.js';
import { copyObject } from './copy.js';
import { deleteObject, deleteObjects } from './delete.js';
import { listObjects } from './list.js';
import { type ResolvedS3AdapterOptions, type S3AdapterOptions, S3AdapterOptionsSchema } from './options.js';
import { presignObject } from './presign.js';
import { putObject } from './write.js';
import { getObject, headObject } from './read.js';

/**
 * A StorageAdapter for Amazon S3 or any S3-compatible endpoint, on
 * @aws-sdk/client-s3 (+ lib-storage for multipart, s3-request-presigner).
 * Bad options → CONFIG_INVALID with the path of each problem.
 */
export function createS3Adapter(options: S3AdapterOptions, context: Partial<AdapterContext> = {}): StorageAdapter {
  const o: ResolvedS3AdapterOptions = parseWithSchema(S3AdapterOptionsSchema, options, 'invalid s3 adapter options');
  const staticCredentials = typeof o.credentials === 'object' ? o.credentials : undefined;
  registerSecrets([o.secretKey, o.sessionToken, staticCredentials?.secretAccessKey, staticCredentials?.sessionToken]);
  const client = createS3Client(o);
  const ctx = createS3Context(client, o, context.name ?? 's3');
  let closed = false;
  return {
    type: 's3',
    name: ctx.name,
    capabilities: Object.freeze(s3Capabilities(o)),
    ensureBucket: (bucket) => ensureBucket(ctx, bucket),
    put: (bucket, key, body, opts) => putObject(ctx, bucket, key, body, opts),
    get: (bucket, key, opts) => getObject(ctx, bucket, key, opts),
    head: (bucket, key, opts) => headObject(ctx, bucket, key, opts),
    list: (bucket, opts) => listObjects(ctx, bucket, opts),
    delete: (bucket, key, opts) => deleteObject(ctx, bucket, key, opts),
    deleteMany: (bucket, keys, opts) => deleteObjects(ctx, bucket, keys, opts),
    copy: (bucket, src, dst, opts) => copyObject(ctx, bucket, src, dst, opts),
    presign: (bucket, key, opts) => presignObject(ctx, bucket, key, opts),
    probe: (bucket, opts) => probeBucket(ctx, bucket, opts),
    async close() {
      if (closed) return;
      closed = true;
      client.destroy();
    },
  };
}

/** Registers the S3 adapter under type `s3`: `createAdapterRegistry([s3AdapterFactory])`. */
export const s3AdapterFactory: StorageAdapterFactory<ResolvedS3AdapterOptions> = {
  kind: 'storage',
  type: 's3',
  optionsSchema: S3AdapterOptionsSchema,
  create: (options, context) => createS3Adapter(options, context),
};
