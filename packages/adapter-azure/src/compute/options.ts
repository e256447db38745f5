import type { TokenCredential } from '@azure/core-auth';
import { z } from 'zod';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Settings a binding may give in its `options`. */
/**
 * A `ContainerInstanceManagementClient` (`@azure/arm-containerinstance`), typed
 * structurally so that the adapter's types never need the compute SDK installed (it is
 * an optional peer dependency). A real client fits.
 */
export interface AzureAciClientLike {
  containerGroups: object;
}

export const AzureAciTargetOptionsSchema = z.strictObject({
  /** Azure location of the container groups (`westeurope`); defaults to the binding's `region`. */
  location: z
    .string()
    .regex(/^[a-z0-9]+$/, 'an Azure location name such as westeurope')
    .optional(),
  /** `Linux` (default) or `Windows`. */
  osType: z.enum(['Linux', 'Windows']).optional(),
  /** `Spot` container groups are cheaper and may be evicted (Linux only). */
  priority: z.enum(['Regular', 'Spot']).optional(),
});
export type AzureAciTargetOptions = z.output<typeof AzureAciTargetOptionsSchema>;

/**
 * Options of the Azure Container Instances compute adapter (camelCase). A binding's
 * `physical_id` is the resource group (name, or `/subscriptions/<id>/resourceGroups/<name>`).
 */
export const AzureAciAdapterOptionsSchema = z
  .strictObject({
    subscriptionId: z.string().regex(GUID, 'a subscription id (GUID)'),
    /** A TokenCredential (e.g. DefaultAzureCredential from @azure/identity). */
    credential: z
      .custom<TokenCredential>(
        (v) => typeof v === 'object' && v !== null && typeof (v as TokenCredential).getToken === 'function',
        'expected a TokenCredential',
      )
      .optional(),
    /** Resource Manager endpoint (sovereign clouds); default https://management.azure.com. */
    endpoint: z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional(),
    /** SDK retries per call. 0 = none: core retries and fails over. */
    maxRetries: z.number().int().min(0).max(10).default(0),
    /** A custom HTTP client for the SDK pipeline (tests record requests and answer as ARM documents). */
    httpClient: z
      .custom<{ sendRequest: (...args: never[]) => unknown }>(
        (v) => typeof v === 'object' && v !== null && typeof (v as { sendRequest?: unknown }).sendRequest === 'function',
      )
      .optional(),
    /** A ready client instead of `credential`. */
    client: z
      .custom<AzureAciClientLike>((v) => typeof v === 'object' && v !== null && 'containerGroups' in v, 'expected a ContainerInstanceManagementClient')
      .optional(),
    ...AzureAciTargetOptionsSchema.shape,
    /** Largest container group the subscription's region takes (ACI standard: 4 vCPU / 16 GB). */
    maxCpu: z.number().positive().default(4),
    maxMemoryMiB: z
      .number()
      .int()
      .positive()
      .default(16 * 1024),
  })
  .superRefine((o, ctx) => {
    if (!o.credential && !o.client) ctx.addIssue({ code: 'custom', path: ['credential'], message: 'a TokenCredential is required (or a ready client)' });
  });
export type AzureAciAdapterOptions = z.input<typeof AzureAciAdapterOptionsSchema>;
export type ResolvedAzureAciAdapterOptions = z.output<typeof AzureAciAdapterOptionsSchema>;
