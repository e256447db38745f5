import type { protos } from '@google-cloud/batch';
import { throwMissingPeer } from '@polycloud/core/spi';

export const BATCH_SDK = '@google-cloud/batch';

export type GcpJob = protos.google.cloud.batch.v1.IJob;
export type GcpCreateJobRequest = protos.google.cloud.batch.v1.ICreateJobRequest;

/** Per-call options passed to the client (gax CallOptions subset). */
export interface GcpCallOptions {
  timeout?: number;
  retry?: { retryCodes: number[] };
}

/**
 * The part of `BatchServiceClient` (v1) the adapter uses, with the SDK's request and job
 * types (internal: the public option type is {@link GcpBatchClient}).
 */
export interface GcpBatchApi {
  createJob(request: GcpCreateJobRequest, options?: GcpCallOptions): Promise<[GcpJob, ...unknown[]]>;
  getJob(request: { name: string }, options?: GcpCallOptions): Promise<[GcpJob, ...unknown[]]>;
  cancelJob(request: { name: string; requestId?: string }, options?: GcpCallOptions): Promise<unknown>;
  close?(): Promise<void>;
}

/**
 * The `client` option: a `BatchServiceClient` (v1), typed structurally so that the
 * adapter's types never need `@google-cloud/batch` installed (an optional peer
 * dependency). The real client fits; tests inject a stateful fake.
 */
export interface GcpBatchClient {
  createJob(request: object, options?: object): Promise<unknown[]>;
  getJob(request: { name: string }, options?: object): Promise<unknown[]>;
  cancelJob(request: { name: string; requestId?: string }, options?: object): Promise<unknown>;
  close?(): Promise<void>;
}

/** The options `createGcpBatchClient` reads (a subset of the validated adapter options). */
export interface GcpBatchClientOptions {
  client?: GcpBatchClient | undefined;
  projectId?: string | undefined;
  keyFilename?: string | undefined;
  credentials?: object | undefined;
  apiEndpoint?: string | undefined;
  fallback?: boolean | undefined;
}

/** The Batch client for validated options: the injected `client`, or a v1 BatchServiceClient (its SDK loaded on first use). */
export async function createGcpBatchClient(o: GcpBatchClientOptions): Promise<GcpBatchApi> {
  if (o.client) return o.client as unknown as GcpBatchApi;
  const { v1 } = await import('@google-cloud/batch').catch((e: unknown) =>
    // An optional peer dependency: a storage-only application neither installs nor loads it.
    throwMissingPeer(e, BATCH_SDK, 'gcp-batch'),
  );
  return new v1.BatchServiceClient({
    ...(o.projectId ? { projectId: o.projectId } : {}),
    ...(o.keyFilename ? { keyFilename: o.keyFilename } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    ...(o.apiEndpoint ? { apiEndpoint: o.apiEndpoint } : {}),
    ...(o.fallback ? { fallback: true } : {}),
  }) as unknown as GcpBatchApi;
}
