import { S3Client } from '@aws-sdk/client-s3';
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
