import { z } from 'zod';

const MiB = 1024 * 1024;
/** GCS resumable chunks must be multiples of 256 KiB. */
const CHUNK_GRANULARITY = 256 * 1024;

/** A service account key, as in the `credentials` of a Google JSON key file. */
const CredentialsSchema = z.preprocess(
  (v) => {
    // The config loader camel-cases keys; accept both spellings of the key file's fields.
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const o = { ...(v as Record<string, unknown>) };
    if (o['clientEmail'] !== undefined && o['client_email'] === undefined) o['client_email'] = o['clientEmail'];
    if (o['privateKey'] !== undefined && o['private_key'] === undefined) o['private_key'] = o['privateKey'];
    delete o['clientEmail'];
    delete o['privateKey'];
    return o;
  },
  z
    .object({
      client_email: z.string().min(3).includes('@', { message: 'client_email must be a service account e-mail' }),
      private_key: z.string().includes('PRIVATE KEY', { message: 'private_key must be a PEM private key' }),
    })
    .strict(),
);

/**
 * Options of the `gcs` storage adapter. Credentials: `keyFilename` (a service
 * account JSON file), `credentials` (its `client_email` + `private_key`), or neither
 * (Application Default Credentials; with a custom `apiEndpoint`, no credentials means
 * unauthenticated requests, as emulators want).
 */
export const GcsAdapterOptionsSchema = z
  .object({
    /** Google Cloud project id (ADC finds it when absent). */
    projectId: z.string().min(1).optional(),
    /** Custom endpoint (emulator, private or restricted endpoint), e.g. `http://127.0.0.1:9199`. */
    apiEndpoint: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * With a custom `apiEndpoint`: send credentials to it. Default: true when
     * credentials are given, false otherwise (emulators take unauthenticated calls).
     * Set false to keep credentials for signing URLs only (emulator tests).
     */
    useAuthWithCustomEndpoint: z.boolean().optional(),
    /** Path of a service account JSON key file. */
    keyFilename: z.string().min(1).optional(),
    credentials: CredentialsSchema.optional(),
    /** Bodies above this size (and streams of unknown length) use a resumable upload. Default 8 MiB. */
    resumableThresholdBytes: z
      .number()
      .int()
      .positive()
      .default(8 * MiB),
    /**
     * Resumable uploads in chunks of this size (a multiple of 256 KiB). Default: one
     * streamed request per upload (memory stays bounded either way).
     */
    chunkSizeBytes: z
      .number()
      .int()
      .positive()
      .refine((n) => n % CHUNK_GRANULARITY === 0, { message: 'chunkSizeBytes must be a multiple of 262144 (256 KiB)' })
      .optional(),
    /** Let the Google SDK retry on its own. Off by default: polycloud's core retries. */
    autoRetry: z.boolean().default(false),
    /** Per-request timeout in milliseconds. */
    timeoutMs: z.number().int().positive().optional(),
    /**
     * `get` returns custom metadata (default). It then sends the metadata and media
     * requests in parallel; false makes `get` one media request whose info comes from
     * the response headers, without `metadata` (use `head` for it).
     */
    readMetadataOnGet: z.boolean().default(true),
    /**
     * Ignored: `deleteMany` is not offered (GCS has no batch delete in the SDK, `batchDelete`
     * is not declared, and the facade deletes key by key). Still accepted so configs keep loading.
     * @deprecated has no effect; remove it from the options.
     */
    deleteConcurrency: z.number().int().min(1).max(100).default(16),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.keyFilename !== undefined && o.credentials !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['credentials'], message: 'give either keyFilename or credentials, not both' });
    }
  });

/** Options as written by a user (defaults optional). */
export type GcsAdapterOptions = z.input<typeof GcsAdapterOptionsSchema>;
/** Options after validation (defaults applied). */
export type ResolvedGcsAdapterOptions = z.output<typeof GcsAdapterOptionsSchema>;
