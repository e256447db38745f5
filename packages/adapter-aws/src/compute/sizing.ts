import { PolycloudError } from '@polycloud/core/spi';

export type BatchPlatform = 'EC2' | 'FARGATE';

/** Fargate's valid (vCPU, memory MiB) pairs, as AWS Batch's ResourceRequirement documents them. */
const range = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
export const FARGATE_SIZES: readonly (readonly [number, readonly number[]])[] = [
  [0.25, [512, 1024, 2048]],
  [0.5, range(1024, 4096, 1024)],
  [1, range(2048, 8192, 1024)],
  [2, range(4096, 16384, 1024)],
  [4, range(8192, 30720, 1024)],
  [8, range(16384, 61440, 4096)],
  [16, range(32768, 122880, 8192)],
  [32, [61440, 122880, 249856]],
];

export interface BatchSize {
  vcpu: number;
  memoryMiB: number;
}

/**
 * The resources AWS Batch is asked for:
 * - EC2: vCPUs rounded up to a whole number (at least 1), memory in whole MiB (at least 4).
 * - Fargate: the smallest valid (vCPU, memory) pair with vCPU ≥ the request and
 *   memory ≥ the request (`500m` + `4Gi` → 0.5 vCPU / 4096 MiB; `2` + `3Gi` → 2 / 4096).
 * A job larger than the platform's largest size → UNSUPPORTED.
 */
export function batchSize(platform: BatchPlatform, cpu: number, memoryMiB: number): BatchSize {
  if (platform === 'EC2') return { vcpu: Math.max(1, Math.ceil(cpu - 1e-9)), memoryMiB: Math.max(4, Math.ceil(memoryMiB)) };
  for (const [vcpu, memories] of FARGATE_SIZES) {
    if (vcpu < cpu) continue;
    const memory = memories.find((m) => m >= memoryMiB);
    if (memory !== undefined) return { vcpu, memoryMiB: memory };
  }
  throw new PolycloudError('UNSUPPORTED', `no Fargate size holds ${cpu} vCPU and ${memoryMiB} MiB (largest: 32 vCPU / 249856 MiB)`, {
    context: { provider: 'aws-batch', operation: 'submit', path: ['spec', 'resources'] },
    retryable: false,
  });
}
