import type { ContainerGroup, ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import {
  type AdapterContext,
  type ComputeAdapter,
  type ComputeAdapterFactory,
  type ComputeCapabilities,
  type ComputeTarget,
  type JobStatus,
  camelCase,
  parseWithSchema,
  PolycloudError,
  TERMINAL_JOB_STATES,
} from '@polycloud/core/spi';
import { createAzureAciClient } from './client.js';
import { mapAzureAciError } from './errors.js';
import { type AzureAciAdapterOptions, AzureAciAdapterOptionsSchema, AzureAciTargetOptionsSchema, type ResolvedAzureAciAdapterOptions } from './options.js';
import { ACI_CONTAINER_NAME, containerGroupFor, TAG_STOPPED, TAG_TIMEOUT } from './request.js';
import { toAciJobStatus } from './status.js';

/** ACI container group names: lowercase letters, digits and single hyphens, not starting or ending with one; at most 63. */
/** Binding options as written in a config file may be snake_case (`machine_type`); adapter schemas are camelCase. */
const camelKeys = (o: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [camelCase(k), v]));

export const ACI_NAME = /^(?=.{1,63}$)[a-z0-9](?:-?[a-z0-9])*$/;
const RESOURCE_GROUP_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i;

/**
 * Azure Container Instances compute adapter: one container group per job, named by
 * the idempotency key, in the binding's resource group (`physical_id`), with
 * `restartPolicy: Never`. Submit is one create-only PUT (`If-None-Match: *`): a
 * group of that name already there fails it with ALREADY_EXISTS, and core's cluster
 * client finds the job (a GET). Cancel stops the group. ACI has no run-time limit, so a
 * job's timeout is kept in a tag and enforced only by `status()`: reading the status
 * of a RUNNING group past its limit stops it and reports FAILED. Nothing enforces it
 * while nobody polls (core's job wait loop does). `find()` (core's idempotency look-up) is
 * read-only: it reports an overdue group as RUNNING.
 */
export function createAzureAciAdapter(options: AzureAciAdapterOptions, context: Partial<AdapterContext> = {}): ComputeAdapter {
  const o = parseWithSchema(AzureAciAdapterOptionsSchema, options, 'invalid options for the azure-aci adapter') as ResolvedAzureAciAdapterOptions;
  // The ARM SDK and client load on the first call (the SDK is an optional peer dependency).
  let ready: Promise<ContainerInstanceManagementClient> | undefined;
  const aci = () => {
    const p = (ready ??= createAzureAciClient(o));
    p.catch(() => {
      if (ready === p) ready = undefined;
    });
    return p;
  };
  const capabilities: ComputeCapabilities = Object.freeze({
    cancel: true,
    idempotentSubmit: true,
    exitCode: true,
    logs: true,
    maxCpu: o.maxCpu,
    maxMemoryMiB: o.maxMemoryMiB,
  });

  const resourceGroup = (target: ComputeTarget): { subscription: string; group: string } => {
    const m = RESOURCE_GROUP_ID.exec(target.physicalId);
    if (m) {
      if (m[1]!.toLowerCase() !== o.subscriptionId.toLowerCase()) {
        throw new PolycloudError('CONFIG_INVALID', `resource group ${target.physicalId} is not in subscription ${o.subscriptionId}`, {
          context: { provider: 'azure-aci', path: ['physical_id'] },
          retryable: false,
        });
      }
      return { subscription: o.subscriptionId, group: m[2]! };
    }
    if (!/^[-\w._()]{1,90}$/.test(target.physicalId)) {
      throw new PolycloudError('CONFIG_INVALID', `"${target.physicalId}" is not a resource group name`, {
        context: { provider: 'azure-aci', path: ['physical_id'] },
        retryable: false,
      });
    }
    return { subscription: o.subscriptionId, group: target.physicalId };
  };
  const logLocation = (target: ComputeTarget, name: string) => {
    const { subscription, group } = resourceGroup(target);
    return `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.ContainerInstance/containerGroups/${name}/containers/${ACI_CONTAINER_NAME}/logs`;
  };

  async function call<T>(operation: string, key: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw mapAzureAciError(e, { operation, ...(key ? { key } : {}) });
    }
  }
  const abort = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});

  const getGroup = (target: ComputeTarget, name: string, operation: string, signal?: AbortSignal): Promise<ContainerGroup> =>
    call(operation, name, async () => (await aci()).containerGroups.get(resourceGroup(target).group, name, abort(signal)));

  /** Stops a group and records why in a tag (a stopped group looks the same whether cancelled or timed out). */
  async function stopGroup(target: ComputeTarget, group: ContainerGroup, why: 'cancelled' | 'timeout', signal?: AbortSignal) {
    const rg = resourceGroup(target).group;
    await call('cancel', group.name, async () =>
      (await aci()).containerGroups.update(rg, group.name!, { tags: { ...(group.tags ?? {}), [TAG_STOPPED]: why } }, abort(signal)),
    );
    await call('cancel', group.name, async () => (await aci()).containerGroups.stop(rg, group.name!, abort(signal)));
  }

  async function status(target: ComputeTarget, name: string, operation: string, signal?: AbortSignal, enforceTimeout = true): Promise<JobStatus> {
    const group = await getGroup(target, name, operation, signal);
    const s = toAciJobStatus(group, logLocation(target, name));
    const limit = Number(group.tags?.[TAG_TIMEOUT]);
    if (enforceTimeout && s.state === 'RUNNING' && limit > 0 && s.startedAt && Date.now() - s.startedAt.getTime() > limit * 1000) {
      await stopGroup(target, group, 'timeout', signal);
      return { ...s, state: 'FAILED', reason: `timed out after ${limit} s`, finishedAt: new Date() };
    }
    return s;
  }

  async function find(target: ComputeTarget, key: string, signal?: AbortSignal): Promise<JobStatus | undefined> {
    if (!ACI_NAME.test(key)) return undefined;
    try {
      return await status(target, key, 'find', signal, false);
    } catch (e) {
      if ((e as PolycloudError).code === 'NOT_FOUND') return undefined;
      throw e;
    }
  }

  return {
    type: 'azure-aci',
    name: context.name ?? 'azure-aci',
    capabilities,
    async submit(target, job, opts = {}) {
      if (!ACI_NAME.test(job.idempotencyKey)) {
        throw new PolycloudError('INVALID_ARGUMENT', `"${job.idempotencyKey}" is not a valid container group name`, {
          context: { provider: 'azure-aci', operation: 'submit', path: ['idempotencyKey'] },
          retryable: false,
        });
      }
      const t = parseWithSchema(AzureAciTargetOptionsSchema, camelKeys(target.options), `invalid options for azure-aci binding ${target.physicalId}`, {
        pathPrefix: ['options'],
      });
      const location = t.location ?? target.region ?? o.location;
      if (!location) {
        throw new PolycloudError('CONFIG_INVALID', `azure-aci binding ${target.physicalId} needs a region (or options.location)`, {
          context: { provider: 'azure-aci', path: ['region'] },
          retryable: false,
        });
      }
      const osType = t.osType ?? o.osType;
      const priority = t.priority ?? o.priority;
      const body = containerGroupFor(job, location, { ...(osType ? { osType } : {}), ...(priority ? { priority } : {}) });
      // Create-or-fail: ARM's PUT is create-or-update, and an update of an existing group
      // can restart its containers. `If-None-Match: *` makes it create-only: a group of
      // that name (the key) already in the resource group answers 412 → ALREADY_EXISTS.
      const createOnly = { ...abort(opts.signal), requestOptions: { customHeaders: { 'If-None-Match': '*' } } };
      const poller = await call('submit', job.idempotencyKey, async () =>
        (await aci()).containerGroups.beginCreateOrUpdate(resourceGroup(target).group, job.idempotencyKey, body, createOnly),
      );
      const created = poller.getResult() ?? (poller.getOperationState() as { result?: ContainerGroup }).result;
      const group: ContainerGroup = created && created.name ? created : { ...body, name: job.idempotencyKey };
      return { ...toAciJobStatus(group, logLocation(target, job.idempotencyKey)), submittedAt: new Date() };
    },
    find: (target, key, opts = {}) => find(target, key, opts.signal),
    status: (target, jobId, opts = {}) => status(target, jobId, 'status', opts.signal),
    async cancel(target, jobId, opts = {}) {
      const group = await getGroup(target, jobId, 'cancel', opts.signal);
      if (TERMINAL_JOB_STATES.has(toAciJobStatus(group, '').state)) return;
      await stopGroup(target, group, 'cancelled', opts.signal);
    },
    async probe(target, opts = {}) {
      // Listing one page of the resource group's container groups proves credentials, subscription and group.
      await call('probe', undefined, async () => {
        const pages = (await aci()).containerGroups.listByResourceGroup(resourceGroup(target).group, abort(opts.signal)).byPage();
        await pages.next();
      });
    },
  };
}

/** Registry factory for `type: azure-aci`. */
export const azureAciAdapterFactory: ComputeAdapterFactory<ResolvedAzureAciAdapterOptions> = {
  kind: 'compute',
  type: 'azure-aci',
  optionsSchema: AzureAciAdapterOptionsSchema as never,
  create: (options, context) => createAzureAciAdapter(options as AzureAciAdapterOptions, context),
};

/** @deprecated use createAzureAciAdapter; removed in 0.3 */
export const createAzureContainerInstancesAdapter = createAzureAciAdapter;
