import { z } from 'zod';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Static keys or a provider function, as the AWS SDK accepts them. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type S3CredentialsProvider = () => Promise<S3Credentials>;

/**
 * Options of the S3 adapter (camelCase; the config loader maps `access_key` →
 * `accessKey`). Works with AWS and any S3-compatible endpoint.
 */
export const S3AdapterOptionsSchema = z
  .strictObject({
    /** Any S3-compatible endpoint (`http://127.0.0.1:4568`, `https://storage.googleapis.com`, …). Absent = AWS. */
    endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    region: z.string().min(1).max(64).default('us-east-1'),
    /** Path-style URLs (`endpoint/bucket/key`); most S3-compatible stores need it. Defaults to true when `endpoint` is set. */
    forcePathStyle: z.boolean().optional(),
    /** Static access key id; needs `secretKey`. Absent (with `credentials`) = the SDK's default provider chain. */
    accessKey: z.string().min(1).optional(),
    secretKey: z.string().min(1).optional(),
    sessionToken: z.string().min(1).optional(),
    /** A credentials provider function (or static credentials object) instead of the keys. */
    credentials: z
      .custom<S3CredentialsProvider | S3Credentials>(
        (v) =>
          typeof v === 'function' ||
          (typeof v === 'object' &&
            v !== null &&
            typeof (v as S3Credentials).accessKeyId === 'string' &&
            typeof (v as S3Credentials).secretAccessKey === 'string'),
        'expected a credentials provider function or {accessKeyId, secretAccessKey}',
      )
      .optional(),
    /**
     * Multipart part size (S3's minimum, and lib-storage's default, 5 MiB). Memory per
     * streamed upload ≈ partSizeBytes × queueSize. A body of known length that would need
     * more than 10 000 parts gets larger parts; a stream of unknown length can hold at
     * most 10 000 × partSizeBytes.
     */
    partSizeBytes: z
      .number()
      .int()
      .min(5 * MiB, 'S3 parts are at least 5 MiB')
      .max(5 * GiB)
      .default(5 * MiB),
    /** Parts uploaded concurrently per multipart upload. */
    queueSize: z.number().int().min(1).max(64).default(4),
    /** Byte bodies larger than this go through multipart; at most `maxSinglePutBytes`. Defaults to `partSizeBytes`. */
    multipartThresholdBytes: z
      .number()
      .int()
      .min(1)
      .max(5 * GiB)
      .optional(),
    /** Largest body one PutObject may carry (5 GiB on AWS; some stores accept less). Declared as a capability. */
    maxSinglePutBytes: z
      .number()
      .int()
      .min(5 * MiB)
      .max(5 * GiB)
      .default(5 * GiB),
    /** SDK attempts per call. 1 = no SDK retries: polycloud's core retries and fails over. */
    maxAttempts: z.number().int().min(1).max(10).default(1),
    /** Socket idle timeout per request, ms (absent = none: core's deadline applies). */
    requestTimeoutMs: z.number().int().positive().optional(),
    /** TCP connect timeout, ms. */
    connectionTimeoutMs: z.number().int().positive().default(5_000),
    /** Sockets kept per adapter. */
    maxSockets: z.number().int().min(1).max(1024).default(64),
    /**
     * Request checksums: `whenSupported` (the SDK's default: CRC32 on every upload)
     * or `whenRequired` (only where S3 demands one; for older S3-compatible stores).
     */
    checksums: z.enum(['whenSupported', 'whenRequired']).default('whenSupported'),
  })
  .superRefine((o, ctx) => {
    if ((o.accessKey === undefined) !== (o.secretKey === undefined)) {
      ctx.addIssue({ code: 'custom', path: [o.accessKey === undefined ? 'accessKey' : 'secretKey'], message: 'accessKey and secretKey go together' });
    }
    if (o.sessionToken !== undefined && o.accessKey === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sessionToken'], message: 'sessionToken needs accessKey and secretKey' });
    }
    if (o.credentials !== undefined && o.accessKey !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['credentials'], message: 'give either credentials or accessKey/secretKey, not both' });
    }
    if (o.multipartThresholdBytes !== undefined && o.multipartThresholdBytes > o.maxSinglePutBytes) {
      ctx.addIssue({ code: 'custom', path: ['multipartThresholdBytes'], message: 'must not exceed maxSinglePutBytes' });
    }
    if (o.partSizeBytes > o.maxSinglePutBytes) {
      ctx.addIssue({ code: 'custom', path: ['partSizeBytes'], message: 'must not exceed maxSinglePutBytes' });
    }
  });

export type S3AdapterOptions = z.input<typeof S3AdapterOptionsSchema>;
export type ResolvedS3AdapterOptions = z.output<typeof S3AdapterOptionsSchema>;
