import { createHash, createHmac } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Polycloud } from '@polycloud/core';
import { createGateway, type Gateway, type GatewayConfig } from '@polycloud/gateway';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryPolycloud, READER_SECRET, SECRET } from './helpers.js';

export const WRITER_SECRET = 'Wr1ter-Secret-No-Delete-93ab';

/** Keys of the S3 tests: admin (everything), reader (read lb), writer (read + write lb, no delete). */
export const S3_CONFIG: GatewayConfig = {
  listen: { port: 0 },
  credentials: [
    { accessKeyId: 'admin-key', secretAccessKey: SECRET, buckets: ['*'], actions: ['read', 'write', 'delete', 'admin'] },
    { accessKeyId: 'reader', secretAccessKey: READER_SECRET, buckets: ['lb'], actions: ['read'] },
    { accessKeyId: 'writer', secretAccessKey: WRITER_SECRET, buckets: ['lb'], actions: ['read', 'write'] },
  ],
};

export interface S3Fixture {
  gateway: Gateway;
  url: string;
  polycloud: Polycloud;
  stagingDir: string;
  client(accessKeyId?: string, secret?: string, extra?: Partial<ConstructorParameters<typeof S3Client>[0]>): S3Client;
  stop(): Promise<void>;
}

export async function startS3Gateway(config: GatewayConfig = S3_CONFIG, polycloud: Polycloud = memoryPolycloud()): Promise<S3Fixture> {
  const stagingDir = await mkdtemp(join(tmpdir(), 'pc-gw-s3-test-'));
  const gateway = createGateway({ polycloud, config, stagingDir });
  const { url } = await gateway.listen();
  const clients: S3Client[] = [];
  return {
    gateway,
    url,
    polycloud,
    stagingDir,
    client(accessKeyId = 'admin-key', secret = SECRET, extra = {}) {
      const c = new S3Client({
        endpoint: url,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId, secretAccessKey: secret },
        maxAttempts: 1,
        ...extra,
      });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.destroy();
      await gateway.close();
      await polycloud.close();
      await rm(stagingDir, { recursive: true, force: true });
    },
  };
}

/** Every key and its bytes in a logical bucket, read straight through the facade (not the gateway). */
export async function snapshot(polycloud: Polycloud, bucket: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const b = polycloud.bucket(bucket);
  for await (const o of b.iterate()) out[o.key] = (await b.getBytes(o.key)).toString('base64');
  return out;
}

const bytes = (d: string | ArrayBuffer | ArrayBufferView): Buffer =>
  typeof d === 'string' ? Buffer.from(d, 'utf8') : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d);

/** SHA-256 for the smithy signer, from node:crypto. */
class Sha256 {
  readonly #h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#h.digest());
  }
  reset(): void {}
}

/** The AWS SDK's own SigV4 signer (@smithy/signature-v4), set up as S3 uses it. */
export function smithySigner(accessKeyId: string, secretAccessKey: string): SignatureV4 {
  return new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
}

/** Signs a request with `signer` and sends it with fetch; `payloadHash` goes into x-amz-content-sha256 as given. */
export async function signedFetch(
  signer: SignatureV4,
  baseUrl: string,
  method: string,
  path: string,
  body: Buffer | string | undefined,
  headers: Record<string, string>,
  payloadHash: string,
  query: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const host = new URL(baseUrl).host;
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: host.split(':')[0]!,
    port: Number(host.split(':')[1]),
    path,
    query,
    headers: { host, 'x-amz-content-sha256': payloadHash, ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  const qs = new URLSearchParams(query).toString();
  const res = await fetch(`${baseUrl}${path}${qs ? `?${qs}` : ''}`, {
    method,
    headers: signed.headers as Record<string, string>,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : new Uint8Array(body) } : {}),
  });
  return { status: res.status, text: await res.text() };
}
