import type { Polycloud } from '@polycloud/core';
import { parseWithSchema, PolycloudError } from '@polycloud/core/spi';
import { z } from 'zod';
import type { DataJobControllerOptions } from './options.js';

const seconds = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'a number of seconds')
      .transform(Number),
  ])
  .pipe(z.number().positive().max(3600));

/**
 * The `controller:` section of a polycloud config file (keys in snake_case or
 * camelCase; core passes the section through, this package checks it):
 *
 * ```yaml
 * controller:
 *   cluster: lc-batch            # the LogicalCluster; default: the config's only one
 *   namespace: [team-a, team-b]  # default: every namespace
 *   kubeconfig: { in_cluster: true }   # or a file path, or { file, context }
 *   lease: { name: polycloud-datajob-controller, namespace: polycloud, duration_seconds: 15, renew_deadline_seconds: 10, retry_period_seconds: 2 }
 *   resync_seconds: 5
 * ```
 */
export const ControllerConfigSchema = z.strictObject({
  cluster: z.string().min(1).optional(),
  namespace: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  kubeconfig: z
    .union([
      z
        .string()
        .min(1)
        .transform((file) => ({ file })),
      z.strictObject({ file: z.string().min(1).optional(), context: z.string().min(1).optional(), inCluster: z.boolean().optional() }),
    ])
    .optional(),
  lease: z
    .strictObject({
      enabled: z.boolean().optional(),
      name: z.string().min(1).optional(),
      namespace: z.string().min(1).optional(),
      identity: z.string().min(1).optional(),
      durationSeconds: seconds.optional(),
      renewDeadlineSeconds: seconds.optional(),
      retryPeriodSeconds: seconds.optional(),
    })
    .optional(),
  resyncSeconds: seconds.optional(),
});
export type ControllerConfig = z.input<typeof ControllerConfigSchema>;

/**
 * Controller options from a config's `controller:` section (`PolycloudConfig.controller`)
 * and flags that override it. CONFIG_INVALID at `controller.…` on a bad section;
 * the cluster defaults to the config's only LogicalCluster.
 */
export function controllerOptionsFromConfig(
  section: Record<string, unknown> | undefined,
  polycloud: Polycloud,
  overrides: { cluster?: string; namespace?: string[]; identity?: string } = {},
): DataJobControllerOptions {
  const c = parseWithSchema(ControllerConfigSchema, section ?? {}, 'invalid controller section', { pathPrefix: ['controller'] }) as z.output<
    typeof ControllerConfigSchema
  >;
  let cluster = overrides.cluster ?? c.cluster;
  if (cluster === undefined) {
    const clusters = polycloud.resources.filter((r) => r.type === 'LogicalCluster').map((r) => r.resource_id);
    if (clusters.length !== 1) {
      throw new PolycloudError('CONFIG_INVALID', `controller.cluster is required: the config has ${clusters.length} LogicalClusters (${clusters.join(', ')})`, {
        context: { path: ['controller', 'cluster'] },
        retryable: false,
      });
    }
    cluster = clusters[0]!;
  }
  const namespace = overrides.namespace?.length ? overrides.namespace : c.namespace;
  const l = c.lease ?? {};
  const lease = {
    ...(l.enabled === undefined ? {} : { enabled: l.enabled }),
    ...(l.name ? { name: l.name } : {}),
    ...(l.namespace ? { namespace: l.namespace } : {}),
    ...((overrides.identity ?? l.identity) ? { identity: overrides.identity ?? l.identity } : {}),
    ...(l.durationSeconds === undefined ? {} : { leaseDurationMs: Math.round(l.durationSeconds * 1000) }),
    ...(l.renewDeadlineSeconds === undefined ? {} : { renewDeadlineMs: Math.round(l.renewDeadlineSeconds * 1000) }),
    ...(l.retryPeriodSeconds === undefined ? {} : { retryPeriodMs: Math.round(l.retryPeriodSeconds * 1000) }),
  };
  return {
    polycloud,
    cluster,
    ...(c.kubeconfig ? { kubeConfig: c.kubeconfig } : {}),
    ...(namespace === undefined ? {} : { namespace }),
    ...(Object.keys(lease).length ? { leaderElection: lease } : {}),
    ...(c.resyncSeconds === undefined ? {} : { resyncMs: Math.round(c.resyncSeconds * 1000) }),
  };
}
