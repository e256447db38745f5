import { isTokenCredential, type TokenCredential } from '@azure/core-auth';
import { z } from 'zod';

const MiB = 1024 * 1024;

/** Azure's largest block (Put Block, service version 2019-12-12+). */
export const MAX_BLOCK_BYTES = 4000 * MiB;

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/**
 * Options of the Azure Blob storage adapter. Exactly one credential form:
 * - `connectionString` (an account key or SAS inside it);
 * - `accountName` + `accountKey` (shared key; `endpoint` defaults to `https://<account>.blob.core.windows.net`);
 * - `sasUrl`, or `endpoint` (or `accountName`) + `sasToken` (an account SAS);
 * - `endpoint` (or `accountName`) + `credential` (a `TokenCredential` from `@azure/identity`, Microsoft Entra ID).
 */
export const AzureBlobAdapterOptionsSchema = z
  .strictObject({
    connectionString: z.string().min(1).optional(),
    accountName: z
      .string()
      .regex(/^[a-z0-9]{3,24}$/, '3-24 lower-case letters and digits')
      .optional(),
    accountKey: z.string().min(1).optional(),
    /** Blob service endpoint, e.g. `https://acct.blob.core.windows.net` or `http://127.0.0.1:10000/devstoreaccount1`. */
    endpoint: url.optional(),
    /** An account SAS URL: the blob service endpoint with the SAS as its query string. */
    sasUrl: url.optional(),
    /** An account SAS token (with or without the leading `?`), used with `endpoint`. */
    sasToken: z.string().min(1).optional(),
    credential: z.custom<TokenCredential>((v) => isTokenCredential(v), 'expected a TokenCredential (an object with getToken())').optional(),
    /** Block size of staged uploads (and of each buffered part of a stream). */
    blockSizeBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(MAX_BLOCK_BYTES)
      .default(8 * MiB),
    /** Blocks buffered for (and uploaded in parallel from) one stream: memory ≈ blockSizeBytes × concurrency. */
    concurrency: z.number().int().min(1).max(64).default(4),
    /** Byte arrays up to this size are sent in one Put Blob request; larger ones in blocks. */
    maxSingleShotBytes: z
      .number()
      .int()
      .min(1)
      .max(5000 * MiB)
      .default(32 * MiB),
    /**
     * Trusted CA certificate(s), PEM, for an endpoint whose certificate is not signed by a public CA
     * (a private cloud, a TLS emulator). Replaces Node's default CA list for this client only.
     */
    tlsCa: z.union([z.string().min(1), z.instanceof(Buffer), z.array(z.union([z.string().min(1), z.instanceof(Buffer)])).min(1)]).optional(),
    /** Tries of the SDK's own retry policy. 1 = off: polycloud's core retries and fails over. */
    maxTries: z.number().int().min(1).max(10).default(1),
  })
  .superRefine((o, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const forms: [form: string, field: string][] = [];
    if (o.connectionString !== undefined) forms.push(['connectionString', 'connectionString']);
    if (o.accountKey !== undefined) forms.push(['accountName + accountKey', 'accountKey']);
    if (o.sasUrl !== undefined || o.sasToken !== undefined) forms.push(['SAS', o.sasUrl !== undefined ? 'sasUrl' : 'sasToken']);
    if (o.credential !== undefined) forms.push(['TokenCredential', 'credential']);
    if (forms.length === 0) {
      issue([], 'give one credential form: connectionString, accountName + accountKey, sasUrl (or endpoint + sasToken), or endpoint + credential');
      return;
    }
    if (forms.length > 1) {
      issue([forms[1]![1]], `give exactly one credential form, got ${forms.map((f) => f[0]).join(' and ')}`);
      return;
    }
    const form = forms[0]![1];
    if (form === 'connectionString') {
      for (const k of ['accountName', 'endpoint'] as const) {
        if (o[k] !== undefined) issue([k], `${k} is part of the connection string; do not give it separately`);
      }
    } else if (form === 'accountKey') {
      if (o.accountName === undefined) issue(['accountName'], 'accountKey needs accountName');
    } else if (form === 'sasUrl') {
      if (o.endpoint !== undefined || o.accountName !== undefined)
        issue([o.endpoint !== undefined ? 'endpoint' : 'accountName'], 'sasUrl already names the endpoint');
      if (!new URL(o.sasUrl!).searchParams.has('sig')) issue(['sasUrl'], 'sasUrl carries no SAS (no sig= in its query string)');
    } else if (o.endpoint === undefined && o.accountName === undefined) {
      issue(['endpoint'], `${form} needs endpoint (or accountName for the public cloud endpoint)`);
    }
  });

export type AzureBlobAdapterOptions = z.input<typeof AzureBlobAdapterOptionsSchema>;
export type ResolvedAzureBlobAdapterOptions = z.output<typeof AzureBlobAdapterOptionsSchema>;
