import { z } from 'zod';
import { type AdapterRegistry, createAdapterRegistry, localComputeAdapterFactory } from '@polycloud/core';
import type { StorageAdapterFactory } from '@polycloud/core/spi';
import { createMemoryStorageAdapter, memoryStorageAdapterFactory } from '@polycloud/core/testing';

/** A user's own adapter type, S3-like options in camelCase, backed by memory. */
export const AcmeOptionsSchema = z.strictObject({
  endpoint: z.url(),
  accessKey: z.string().min(1),
  secretKey: z.string().min(1),
  forcePathStyle: z.boolean().default(false),
  region: z.string().optional(),
  buckets: z.array(z.string()).default([]),
});

export const acmeFactory: StorageAdapterFactory<z.output<typeof AcmeOptionsSchema>> = {
  kind: 'storage',
  type: 'acme-s3',
  optionsSchema: AcmeOptionsSchema as unknown as StorageAdapterFactory<z.output<typeof AcmeOptionsSchema>>['optionsSchema'],
  create: (options, context) => createMemoryStorageAdapter({ name: context.name, buckets: options.buckets }),
};

export function configRegistry(): AdapterRegistry {
  return createAdapterRegistry([memoryStorageAdapterFactory, acmeFactory, localComputeAdapterFactory]);
}

export const SECRET_A = 'AKIA-very-secret-value-A1';
export const SECRET_B = 's3cr3t/B+key==zz';

export const ENV = { ENV_CLOUD_A_KEY: SECRET_A, ENV_CLOUD_A_SECRET: SECRET_B, REGION: 'eu-west-1' };

/** A valid config in the original design's style, used as the base of the malformed ones. */
export const VALID = `
storage_providers:
  - name: cloud_a_oss
    type: acme-s3
    endpoint: https://oss.cloud-a.example
    access_key: \${ENV_CLOUD_A_KEY}
    secret_key: \${ENV_CLOUD_A_SECRET}
    force_path_style: true
    buckets: [bucket-a]
    healthCheck: {path: /health, interval: 30s}
  - name: cloud_b_obs
    type: memory
    buckets: [bucket-b]
    healthCheck: {interval: 15s, timeout: 250ms}
  - name: local
    type: local
residency:
  eu: [eu-*, europe-*, westeurope]
resources:
  - resource_id: lb-123
    type: LogicalBucket
    tags: {residency: eu}
    providers:
      - {cloud: cloud_a_oss, physical_id: bucket-a, region: eu-west-1, weight: 2, price: {storage_gb_month: 0.023, egress_gb: 0.09}}
      - {cloud: cloud_b_obs, physical_id: bucket-b, region: europe-west1, role: standby}
    replication: {mode: async, conflict: lww}
  - resource_id: lc-1
    type: LogicalCluster
    providers:
      - {cloud: local, physical_id: here, id: CLOUD_A}
jobs:
  - apiVersion: batch.mcp/v1
    kind: DataJob
    metadata: {name: data-cleaning}
    spec:
      cloud: CLOUD_A
      image: data-processor:v1
      resources: {cpu: 2, memory: 4Gi}
timeout: 30s
retry: {max_attempts: 4, base_delay: 50ms, max_delay: 2s}
`;
