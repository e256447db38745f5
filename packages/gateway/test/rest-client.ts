// A small client of the gateway's REST API built on openapi-fetch and the types
// openapi-typescript generated from the served document (fixtures/openapi.d.ts).
// openapi-client.test.ts type-checks this file with the TypeScript compiler and runs
// every function against a live gateway: an operation or field the document does not
// describe is a compile error here.
import createClient from 'openapi-fetch';
import type { components, paths } from './fixtures/openapi.js';

export type Schemas = components['schemas'];
export type GatewayClient = ReturnType<typeof gatewayClient>;

export function gatewayClient(baseUrl: string, authorization?: string) {
  return createClient<paths>({ baseUrl, ...(authorization ? { headers: { authorization } } : {}) });
}

const raw = (body: unknown) => body as BodyInit;

export async function listBuckets(client: GatewayClient): Promise<Schemas['BucketSummary'][]> {
  const { data, error } = await client.GET('/_polycloud/v1/buckets');
  if (error) throw new Error(error.detail);
  return data.buckets;
}

export async function putObject(
  client: GatewayClient,
  bucket: string,
  key: string,
  body: string,
  options: { contentType?: string; metadata?: Record<string, string>; ifNoneMatch?: '*' } = {},
): Promise<{ result?: Schemas['PutResult']; problem?: Schemas['Problem']; status: number }> {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/octet-stream' };
  for (const [k, v] of Object.entries(options.metadata ?? {})) headers[`x-polycloud-meta-${k}`] = v;
  const { data, error, response } = await client.PUT('/_polycloud/v1/buckets/{bucket}/objects/{key}', {
    params: { path: { bucket, key }, ...(options.ifNoneMatch ? { header: { 'if-none-match': options.ifNoneMatch } } : {}) },
    body,
    bodySerializer: raw,
    headers,
  });
  return { ...(data ? { result: data } : {}), ...(error ? { problem: error } : {}), status: response.status };
}

export async function getObject(
  client: GatewayClient,
  bucket: string,
  key: string,
  range?: string,
): Promise<{ status: number; text?: string; headers: Headers; problem?: Schemas['Problem'] }> {
  const { data, error, response } = await client.GET('/_polycloud/v1/buckets/{bucket}/objects/{key}', {
    params: { path: { bucket, key }, ...(range ? { header: { range } } : {}) },
    parseAs: 'text',
  });
  return { status: response.status, headers: response.headers, ...(data !== undefined ? { text: data } : {}), ...(error ? { problem: error } : {}) };
}

export async function headObject(client: GatewayClient, bucket: string, key: string): Promise<{ status: number; headers: Headers }> {
  const { response } = await client.HEAD('/_polycloud/v1/buckets/{bucket}/objects/{key}', { params: { path: { bucket, key } } });
  return { status: response.status, headers: response.headers };
}

export async function listObjects(
  client: GatewayClient,
  bucket: string,
  query: { prefix?: string; delimiter?: string; cursor?: string; limit?: number } = {},
): Promise<Schemas['ListPage']> {
  const { data, error } = await client.GET('/_polycloud/v1/buckets/{bucket}/objects', { params: { path: { bucket }, query } });
  if (error) throw new Error(error.detail);
  return data;
}

export async function deleteObject(client: GatewayClient, bucket: string, key: string): Promise<number> {
  const { response } = await client.DELETE('/_polycloud/v1/buckets/{bucket}/objects/{key}', { params: { path: { bucket, key } } });
  return response.status;
}

export async function deleteObjects(client: GatewayClient, bucket: string, keys: string[]): Promise<Schemas['DeleteManyResult']> {
  const { data, error } = await client.POST('/_polycloud/v1/buckets/{bucket}/delete', { params: { path: { bucket } }, body: { keys } });
  if (error) throw new Error(error.detail);
  return data;
}

export async function copyObject(client: GatewayClient, bucket: string, body: Schemas['CopyRequest']): Promise<Schemas['PutResult']> {
  const { data, error } = await client.POST('/_polycloud/v1/buckets/{bucket}/copy', { params: { path: { bucket } }, body });
  if (error) throw new Error(error.detail);
  return data;
}

export async function presign(
  client: GatewayClient,
  bucket: string,
  body: Schemas['PresignRequest'],
): Promise<{ data?: Schemas['PresignResult']; problem?: Schemas['Problem'] }> {
  const { data, error } = await client.POST('/_polycloud/v1/buckets/{bucket}/presign', { params: { path: { bucket } }, body });
  return { ...(data ? { data } : {}), ...(error ? { problem: error } : {}) };
}

export async function explain(
  client: GatewayClient,
  bucket: string,
  operation: Schemas['RouteExplanation']['operation'],
  key?: string,
): Promise<Schemas['RouteExplanation']> {
  const { data, error } = await client.GET('/_polycloud/v1/buckets/{bucket}/explain', {
    params: { path: { bucket }, query: { operation, ...(key ? { key } : {}) } },
  });
  if (error) throw new Error(error.detail);
  return data;
}

export async function replicationStatus(client: GatewayClient, bucket: string): Promise<Schemas['ReplicationStatus']> {
  const { data, error } = await client.GET('/_polycloud/v1/buckets/{bucket}/replication', { params: { path: { bucket } } });
  if (error) throw new Error(error.detail);
  return data;
}

export async function objectReplication(client: GatewayClient, bucket: string, key: string): Promise<Schemas['ObjectReplicationStatus']> {
  const { data, error } = await client.GET('/_polycloud/v1/buckets/{bucket}/replication/objects/{key}', { params: { path: { bucket, key } } });
  if (error) throw new Error(error.detail);
  return data;
}

export async function drain(client: GatewayClient, bucket: string): Promise<Schemas['DrainResult']> {
  const { data, error } = await client.POST('/_polycloud/v1/buckets/{bucket}/replication/drain', { params: { path: { bucket } }, body: { timeoutMs: 30_000 } });
  if (error) throw new Error(error.detail);
  return data;
}

export async function submitJob(
  client: GatewayClient,
  cluster: string,
  job: Schemas['DataJob'],
): Promise<{ job?: Schemas['Job']; problem?: Schemas['Problem'] }> {
  const { data, error } = await client.POST('/_polycloud/v1/clusters/{cluster}/jobs', { params: { path: { cluster } }, body: job });
  return { ...(data ? { job: data } : {}), ...(error ? { problem: error } : {}) };
}

export async function jobStatus(client: GatewayClient, cluster: string, job: string): Promise<Schemas['Job']> {
  const { data, error } = await client.GET('/_polycloud/v1/clusters/{cluster}/jobs/{job}', { params: { path: { cluster, job } } });
  if (error) throw new Error(error.detail);
  return data;
}

export async function cancelJob(client: GatewayClient, cluster: string, job: string): Promise<Schemas['Job']> {
  const { data, error } = await client.POST('/_polycloud/v1/clusters/{cluster}/jobs/{job}/cancel', { params: { path: { cluster, job } } });
  if (error) throw new Error(error.detail);
  return data;
}

/** The job's server-sent events until the stream ends: `event` names and parsed `data`. */
export async function watchJob(client: GatewayClient, cluster: string, job: string): Promise<{ event: string; data: Schemas['JobEvent'] }[]> {
  const { response } = await client.GET('/_polycloud/v1/clusters/{cluster}/jobs/{job}/events', {
    params: { path: { cluster, job }, query: { pollIntervalMs: 50, timeoutMs: 60_000 } },
    parseAs: 'stream',
  });
  if (!response.ok) throw new Error(`watch answered ${response.status}`);
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) as Schemas['JobEvent'];
      return { event, data };
    });
}
