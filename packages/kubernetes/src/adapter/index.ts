export { createKubernetesComputeAdapter, kubernetesComputeAdapterFactory } from './adapter.js';
export {
  KubernetesAdapterOptionsSchema,
  KubernetesTargetOptionsSchema,
  type KubernetesAdapterOptions,
  type ResolvedKubernetesAdapterOptions,
  type KubernetesTargetOptions,
} from './options.js';
export { mapKubernetesError } from './errors.js';
export { cpuQuantity, memoryQuantity } from './job-manifest.js';
