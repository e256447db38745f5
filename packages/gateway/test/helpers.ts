import { createPolycloud, type Polycloud } from '@polycloud/core';
import { createMemoryComputeAdapter, createMemoryStorageAdapter } from '@polycloud/core/testing';
import { createSync } from '@polycloud/sync';
import { createGateway, type Gateway, type GatewayConfig } from '@polycloud/gateway';

/** A recognisable secret: no response body, header or log may ever contain it. */
export const SECRET = 'S3cr3t-Do-Not-Leak-7f1c9a';
export const READER_SECRET = 'R3ader-Secret-Value-51d2';

/**
 * A polycloud over memory adapters: `lb` (two bindings, eu + us, replicated), `lb-eu`
 * (one binding in the EU only, residency `eu`), `lc` (a memory compute cluster, jobs
 * run `runMs` unless told), and a gateway in front of it on a free loopback port.
 */
export function memoryPolycloud(options: { runMs?: number | null } = {}): Polycloud {
  return createPolycloud({
    providers: [
      { name: 'a', adapter: createMemoryStorageAdapter({ name: 'a', buckets: ['pa', 'pe'] }) },
      { name: 'b', adapter: createMemoryStorageAdapter({ name: 'b', buckets: ['pb'] }) },
      { name: 'mc', adapter: createMemoryComputeAdapter({ name: 'mc', runMs: options.runMs === undefined ? 300 : options.runMs }) },
    ],
    residency: { eu: ['eu-*'] },
    resources: [
      {
        resource_id: 'lb',
        type: 'LogicalBucket',
        providers: [
          { cloud: 'a', physical_id: 'pa', region: 'eu-west-1' },
          { cloud: 'b', physical_id: 'pb', region: 'us-east-1' },
        ],
      },
      { resource_id: 'lb-us', type: 'LogicalBucket', providers: [{ cloud: 'b', physical_id: 'pb', region: 'us-east-1' }] },
      { resource_id: 'lc', type: 'LogicalCluster', providers: [{ cloud: 'mc', physical_id: 'queue' }] },
    ],
    sync: createSync({ autoStart: false }),
  });
}

export const FULL_CONFIG: GatewayConfig = {
  listen: { port: 0 },
  credentials: [
    { accessKeyId: 'admin-key', secretAccessKey: SECRET, buckets: ['*'], actions: ['read', 'write', 'delete', 'admin'] },
    { accessKeyId: 'reader', secretAccessKey: READER_SECRET, buckets: ['lb'], actions: ['read'] },
  ],
};

export const ADMIN = { authorization: `Bearer admin-key:${SECRET}` };
export const READER = { authorization: `Bearer reader:${READER_SECRET}` };

export async function startGateway(
  config: GatewayConfig = FULL_CONFIG,
  polycloud: Polycloud = memoryPolycloud(),
): Promise<{ gateway: Gateway; url: string; polycloud: Polycloud; stop(): Promise<void> }> {
  const gateway = createGateway({ polycloud, config });
  const { url } = await gateway.listen();
  return {
    gateway,
    url,
    polycloud,
    async stop() {
      await gateway.close();
      await polycloud.close();
    },
  };
}
