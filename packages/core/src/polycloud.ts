import { EventEmitter } from 'eventemitter3';
import { z } from 'zod';
import type { ComputeAdapter } from './adapter/compute-adapter.js';
import { type AdapterRegistry, createAdapterRegistry } from './adapter/registry.js';
import type { StorageAdapter } from './adapter/storage-adapter.js';
import { type Clock, systemClock } from './clock.js';
import { errorFromIssues, zodIssues } from './errors/from-zod.js';
import { registerSecrets } from './errors/redact.js';
import { secretValues } from './config/keys.js';
import { type ErrorIssue, isPolycloudError, PolycloudError } from './errors/polycloud-error.js';
import type { HealthEvent, PolycloudEvents } from './events.js';
import type { ExecutionContext } from './facade/execute.js';
import { LogicalBucketClient } from './facade/logical-bucket.js';
import { LogicalClusterClient, type LogicalClusterOptions } from './compute/logical-cluster.js';
import { RetryOptionsSchema, seededRandom } from './facade/retry.js';
import { HealthCuts } from './facade/health-cut.js';
import { ConcurrencySlots } from './facade/slots.js';
import { instrumentPolycloud, type PolycloudTelemetry } from './observability/instrument.js';
import type { Logger } from './observability/logger.js';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { createDefaultRouter } from './routing/default-router.js';
import { type BucketReplication, needsReplication, type SyncFactory, type SyncPlugin } from './sync/plugin.js';
import { complianceVerdict, type ResidencyZones } from './routing/residency.js';
import type { Router, RouterFactory } from './routing/router.js';
import { parseUrmDocuments } from './urm/parse.js';
import { checkResourceResidency } from './routing/residency-tags.js';
import { toPlainData } from './input/plain-data.js';
import type { LogicalCluster, UrmDocument } from './urm/resources.js';

/** Provider names: letters, digits, `.`, `_`, `-`, at most 128, starting with a letter or digit. */
export const PROVIDER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const providerName = z.string().regex(PROVIDER_NAME, 'letters, digits, . _ - (max 128)');

const ProviderByTypeSchema = z.looseObject({ name: providerName, type: z.string().min(1) });
const ProviderInstanceSchema = z.strictObject({
  name: providerName,
  adapter: z.custom<StorageAdapter | ComputeAdapter>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { type?: unknown }).type === 'string' &&
      typeof (v as { capabilities?: unknown }).capabilities === 'object',
    'expected a StorageAdapter or ComputeAdapter instance',
  ),
});

/**
 * A provider configured by registry type (`{name, type: 's3', ...options}`) or given
 * as a ready adapter instance (`{name, adapter}`); which one is decided by the
 * presence of `adapter`, so errors name the right field.
 */
export const ProviderConfigSchema = z.union([ProviderByTypeSchema, ProviderInstanceSchema]);
function parseProvider(raw: unknown) {
  const isInstance = typeof raw === 'object' && raw !== null && 'adapter' in raw;
  return isInstance ? ProviderInstanceSchema.safeParse(raw) : ProviderByTypeSchema.safeParse(raw);
}
export type ProviderConfig = z.input<typeof ProviderConfigSchema>;

export const PolycloudOptionsSchema = z.strictObject({
  providers: z.array(z.unknown()).min(1, 'at least one provider is needed'),
  resources: z.array(z.unknown()).default([]),
  residency: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({}),
  retry: RetryOptionsSchema.partial().optional(),
  /** Overall deadline per operation, ms. */
  timeoutMs: z.number().int().positive().default(60_000),
  /** Deadline of one attempt on one binding before failing over, ms (none by default: large streams take long). */
  attemptTimeoutMs: z.number().int().positive().optional(),
  /** In-flight operations per binding. */
  concurrency: z.number().int().min(1).max(10_000).default(64),
  /** Seed for jitter and any randomised routing: same seed, same decisions. */
  seed: z.number().int().default(0x5eed),
  registry: z.custom<AdapterRegistry>((v) => v === undefined || (typeof v === 'object' && v !== null && 'createStorage' in v)).optional(),
  router: z.custom<RouterFactory>((v) => v === undefined || typeof v === 'function', 'expected a RouterFactory function').optional(),
  clock: z.custom<Clock>((v) => v === undefined || (typeof v === 'object' && v !== null && 'now' in v)).optional(),
  sync: z
    .custom<SyncFactory>((v) => v === undefined || typeof v === 'function', 'expected a SyncFactory function (createSync() from @polycloud/sync)')
    .optional(),
  logger: z
    .custom<Logger>(
      (v) =>
        v === undefined ||
        (typeof v === 'object' && v !== null && ['debug', 'info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function')),
      'expected a logger with debug, info, warn and error methods',
    )
    .optional(),
  meterProvider: z
    .custom<MeterProvider>(
      (v) => v === undefined || (typeof v === 'object' && v !== null && typeof (v as MeterProvider).getMeter === 'function'),
      'expected an OpenTelemetry MeterProvider',
    )
    .optional(),
  tracerProvider: z
    .custom<TracerProvider>(
      (v) => v === undefined || (typeof v === 'object' && v !== null && typeof (v as TracerProvider).getTracer === 'function'),
      'expected an OpenTelemetry TracerProvider',
    )
    .optional(),
});

export interface PolycloudOptions {
  /** Providers: adapter instances by registry type and options, or ready instances. */
  providers: ProviderConfig[];
  /** URM documents: LogicalBucket and LogicalCluster (the original design's shape). */
  resources?: unknown[];
  /** Residency zones: zone name → regions (`eu: ['eu-*', 'europe-*', 'westeurope']`). */
  residency?: ResidencyZones;
  registry?: AdapterRegistry;
  /** Router factory; defaults to core's simple priority router. */
  router?: RouterFactory;
  clock?: Clock;
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  timeoutMs?: number;
  attemptTimeoutMs?: number;
  concurrency?: number;
  seed?: number;
  /**
   * The replication plugin: `createSync()` from `@polycloud/sync`. Needed by every
   * LogicalBucket with two or more bindings whose `replication.mode` is not `none`.
   */
  sync?: SyncFactory;
  /** Where event log lines go (pino, console, …), redacted. Default: silent. */
  logger?: Logger;
  /** OpenTelemetry metrics. Default: the global provider (a no-op unless the host installed an SDK). */
  meterProvider?: MeterProvider;
  /** OpenTelemetry traces. Default: the global provider (a no-op unless the host installed an SDK). */
  tracerProvider?: TracerProvider;
}

/** A configured polycloud instance: logical resources, their adapters, router and events. */
export interface Polycloud {
  readonly resources: readonly UrmDocument[];
  readonly events: EventEmitter<PolycloudEvents>;
  readonly router: Router;
  readonly clock: Clock;
  readonly residency: ResidencyZones;
  /** The LogicalBucket with this `resource_id`. Unknown id → NOT_FOUND. */
  bucket(id: string): LogicalBucketClient;
  /** The LogicalCluster document with this id. Unknown id → NOT_FOUND. */
  clusterResource(id: string): LogicalCluster;
  /**
   * The replication handle of a LogicalBucket (runOnce/drain/start/stop, reconcile,
   * status), from the sync plugin. Unknown id → NOT_FOUND; no plugin → UNSUPPORTED.
   */
  sync(bucketId: string): BucketReplication;
  /** The LogicalCluster with this `resource_id`: submit, status, cancel, wait, watch DataJobs. Unknown id → NOT_FOUND. */
  cluster(id: string, options?: LogicalClusterOptions): LogicalClusterClient;
  /**
   * The raw adapter of a provider, for administration (creating a physical bucket,
   * measuring usage). It bypasses routing, residency, replication and retries.
   */
  storageAdapter(provider: string): StorageAdapter;
  /** The raw compute adapter of a provider; bypasses routing, residency and idempotency. */
  computeAdapter(provider: string): ComputeAdapter;
  /** Metrics, spans and logs derived from `events`, and the per-binding state they track. */
  readonly telemetry: PolycloudTelemetry;
  /** Closes the router and every adapter. Idempotent. */
  close(): Promise<void>;
}

function isStorage(a: StorageAdapter | ComputeAdapter): a is StorageAdapter {
  return typeof (a as StorageAdapter).put === 'function';
}

/**
 * Creates a polycloud instance from providers and URM resources. Validates
 * everything first and reports every problem at once (CONFIG_INVALID, each issue
 * with its path); creates no adapter unless all of it is valid.
 */
export function createPolycloud(input: PolycloudOptions): Polycloud {
  const top = PolycloudOptionsSchema.safeParse(input ?? {});
  if (!top.success) throw errorFromIssues('invalid polycloud options', zodIssues(top.error));
  const options = top.data;
  const registry = options.registry ?? createAdapterRegistry();
  const issues: ErrorIssue[] = [];

  // Providers: shape, unique names.
  const providers: { name: string; type?: string; adapter?: StorageAdapter | ComputeAdapter; options: Record<string, unknown>; path: (string | number)[] }[] =
    [];
  const names = new Map<string, number>();
  options.providers.forEach((given, i) => {
    // Options given by type are read once as plain data: a `__proto__` key or a throwing getter is an
    // issue at its path, not silently dropped. A ready adapter instance is kept as it is (by reference).
    const before = issues.length;
    const instance = typeof given === 'object' && given !== null && 'adapter' in given;
    const raw = instance ? given : toPlainData(given, issues, ['providers', i]);
    if (issues.length > before) return;
    const parsed = parseProvider(raw);
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error, ['providers', i]));
      return;
    }
    const p = parsed.data;
    if (names.has(p.name)) {
      issues.push({ path: ['providers', i, 'name'], message: `duplicate provider name "${p.name}" (also providers[${names.get(p.name)}])` });
      return;
    }
    names.set(p.name, i);
    if (!('adapter' in p)) {
      const { name, type, ...rest } = p as { name: string; type: string } & Record<string, unknown>;
      if (!registry.has('storage', type) && !registry.has('compute', type)) {
        const known = [...registry.types('storage'), ...registry.types('compute')];
        issues.push({ path: ['providers', i, 'type'], message: `unknown adapter type "${type}" (registered: ${known.length ? known.join(', ') : 'none'})` });
        return;
      }
      // Secret-named options (keys, tokens, connection strings) are redacted from every
      // message from now on, whether they came from a config file or from code.
      registerSecrets(secretValues(rest));
      providers.push({ name, type, options: rest, path: ['providers', i] });
    } else {
      providers.push({ name: p.name, adapter: p.adapter as StorageAdapter | ComputeAdapter, options: {}, path: ['providers', i] });
    }
  });

  // Resources: URM validation, then bindings → providers.
  let resources: UrmDocument[] = [];
  try {
    resources = parseUrmDocuments(options.resources, ['resources']);
  } catch (e) {
    if (isPolycloudError(e) && e.context.issues) issues.push(...e.context.issues);
    else throw e;
  }
  resources.forEach((doc, i) => {
    doc.providers.forEach((b, j) => {
      const p = providers.find((x) => x.name === b.provider);
      const wanted = doc.type === 'LogicalBucket' ? 'storage' : 'compute';
      const rawBinding = (options.resources[i] as { providers?: Record<string, unknown>[] } | undefined)?.providers?.[j];
      const path = ['resources', i, 'providers', j, rawBinding?.['provider'] === undefined ? 'cloud' : 'provider'];
      if (!p) {
        // A provider refused above (unknown type) is reported once, at its own entry.
        if (!names.has(b.provider)) issues.push({ path, message: `no provider named "${b.provider}" (configured: ${[...names.keys()].join(', ') || 'none'})` });
        return;
      }
      const has = p.adapter ? (wanted === 'storage') === isStorage(p.adapter) : registry.has(wanted, p.type!);
      if (!has) issues.push({ path, message: `provider "${b.provider}" has no ${wanted} adapter, but ${doc.resource_id} is a ${doc.type}` });
    });
    // Replication is asked for (mode async, the default, or sync, on two or more bindings)
    // but nothing would do it: refuse rather than silently keep a single copy.
    if (doc.type === 'LogicalBucket' && !options.sync && needsReplication(doc)) {
      issues.push({
        path: ['resources', i, 'replication', 'mode'],
        message: `${doc.resource_id} has ${doc.providers.length} bindings and replication mode "${doc.replication.mode}", but no sync plugin was given: install @polycloud/sync and pass \`sync: createSync()\` to createPolycloud, or set replication.mode: none`,
      });
    }
  });
  checkResourceResidency(resources, options.residency, issues);
  if (issues.length) throw errorFromIssues('invalid polycloud configuration', issues);

  // Create adapters (each validates its own options, paths prefixed).
  const storage = new Map<string, StorageAdapter>();
  const compute = new Map<string, ComputeAdapter>();
  for (const p of providers) {
    try {
      if (p.adapter) {
        if (isStorage(p.adapter)) storage.set(p.name, p.adapter);
        else compute.set(p.name, p.adapter as ComputeAdapter);
        continue;
      }
      if (registry.has('storage', p.type!)) storage.set(p.name, registry.createStorage(p.type!, p.options, { name: p.name, path: p.path }));
      if (registry.has('compute', p.type!)) compute.set(p.name, registry.createCompute(p.type!, p.options, { name: p.name, path: p.path }));
    } catch (e) {
      if (isPolycloudError(e) && e.code === 'CONFIG_INVALID' && e.context.issues) issues.push(...e.context.issues);
      else throw e;
    }
  }
  if (issues.length) throw errorFromIssues('invalid polycloud configuration', issues);

  const clock = options.clock ?? systemClock;
  const events = new EventEmitter<PolycloudEvents>();
  const byId = new Map(resources.map((r) => [r.resource_id, r]));
  const adapterOf = (resourceId: string, bindingId: string): StorageAdapter | ComputeAdapter => {
    const doc = byId.get(resourceId);
    const binding = doc?.providers.find((b) => b.id === bindingId);
    const adapter = binding && (doc!.type === 'LogicalBucket' ? storage.get(binding.provider) : compute.get(binding.provider));
    if (!adapter) throw new PolycloudError('NOT_FOUND', `no binding ${bindingId} in ${resourceId}`, { context: { resource: resourceId, binding: bindingId } });
    return adapter;
  };
  const capabilities = (r: string, b: string) => adapterOf(r, b).capabilities;
  const cuts = new HealthCuts();
  // A router without `onHealthChange` (made before the member existed): the `health`
  // events it emits through its context still cut, read here rather than on the bus.
  let cutOnEmit = true;
  const router = (options.router ?? createDefaultRouter())({
    resources,
    residency: options.residency,
    clock,
    capabilities,
    probe: async (r, b, signal) => {
      const doc = byId.get(r)!;
      const binding = doc.providers.find((x) => x.id === b)!;
      const adapter = adapterOf(r, b);
      if (!adapter.probe) return;
      if (isStorage(adapter)) await adapter.probe(binding.physical_id, signal ? { signal } : {});
      else
        await adapter.probe(
          { physicalId: binding.physical_id, ...(binding.region ? { region: binding.region } : {}), options: binding.options ?? {} },
          signal ? { signal } : {},
        );
    },
    emit: (event, payload) => {
      if (cutOnEmit && event === 'health' && typeof payload === 'object' && payload !== null) cuts.change(payload as HealthEvent);
      events.emit(event, payload as never);
    },
  });
  cutOnEmit = router.onHealthChange === undefined;
  const unfollowHealth = cuts.follow(router);
  const limits = new Map<string, Map<string, ConcurrencySlots>>();
  const execution: ExecutionContext = {
    router,
    residency: options.residency,
    capabilities,
    clock,
    events,
    retry: RetryOptionsSchema.parse(options.retry ?? {}),
    random: seededRandom(options.seed),
    timeoutMs: options.timeoutMs,
    ...(options.attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs: options.attemptTimeoutMs }),
    limiter: (r, b) => {
      // Two lookups by the ids themselves: no key string built per call.
      let byBinding = limits.get(r);
      if (!byBinding) limits.set(r, (byBinding = new Map()));
      let slots = byBinding.get(b);
      if (!slots) byBinding.set(b, (slots = new ConcurrencySlots(options.concurrency)));
      return slots;
    },
    cuts,
  };

  const telemetry = instrumentPolycloud(
    { events, resources },
    {
      ...(options.meterProvider ? { meterProvider: options.meterProvider } : {}),
      ...(options.tracerProvider ? { tracerProvider: options.tracerProvider } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    },
  );
  const buckets = new Map<string, LogicalBucketClient>();
  let syncPlugin: SyncPlugin | undefined;
  const clusters = new Map<string, LogicalClusterClient>();
  let closed = false;
  const notFound = (id: string, type: string) =>
    new PolycloudError(
      'NOT_FOUND',
      `no ${type} with resource_id "${id}" (configured: ${
        resources
          .filter((r) => r.type === type)
          .map((r) => r.resource_id)
          .join(', ') || 'none'
      })`,
      {
        context: { resource: id, path: ['resource_id'] },
        retryable: false,
      },
    );

  const polycloud: Polycloud = {
    resources,
    events,
    router,
    clock,
    residency: options.residency,
    telemetry,
    bucket(id) {
      let client = buckets.get(id);
      if (client) return client;
      const doc = byId.get(id);
      if (!doc || doc.type !== 'LogicalBucket') throw notFound(id, 'LogicalBucket');
      const adapters = new Map(doc.providers.map((b) => [b.id, storage.get(b.provider)!]));
      const pipeline = syncPlugin?.pipeline(doc);
      client = new LogicalBucketClient({ resource: doc, adapters, exec: execution, ...(pipeline ? { pipeline } : {}) });
      buckets.set(id, client);
      return client;
    },
    cluster(id, clusterOptions) {
      const cached = clusterOptions ? undefined : clusters.get(id);
      if (cached) return cached;
      const doc = polycloud.clusterResource(id);
      const adapters = new Map(doc.providers.map((b) => [b.id, compute.get(b.provider)!]));
      const client = new LogicalClusterClient({ resource: doc, adapters, exec: execution, ...(clusterOptions ? { options: clusterOptions } : {}) });
      if (!clusterOptions) clusters.set(id, client);
      return client;
    },
    sync(id) {
      const doc = byId.get(id);
      if (!doc || doc.type !== 'LogicalBucket') throw notFound(id, 'LogicalBucket');
      if (!syncPlugin) {
        throw new PolycloudError(
          'UNSUPPORTED',
          `no sync plugin: install @polycloud/sync and pass \`sync: createSync()\` to createPolycloud to replicate ${id}`,
          { context: { resource: id }, retryable: false },
        );
      }
      return syncPlugin.bucket(doc);
    },
    clusterResource(id) {
      const doc = byId.get(id);
      if (!doc || doc.type !== 'LogicalCluster') throw notFound(id, 'LogicalCluster');
      return doc;
    },
    storageAdapter(name) {
      const a = storage.get(name);
      if (!a) throw new PolycloudError('NOT_FOUND', `no storage provider named "${name}"`, { context: { provider: name } });
      return a;
    },
    computeAdapter(name) {
      const a = compute.get(name);
      if (!a) throw new PolycloudError('NOT_FOUND', `no compute provider named "${name}"`, { context: { provider: name } });
      return a;
    },
    async close() {
      if (closed) return;
      closed = true;
      await syncPlugin?.close();
      unfollowHealth();
      await router.close?.();
      await Promise.allSettled([...new Set<StorageAdapter | ComputeAdapter>([...storage.values(), ...compute.values()])].map((a) => a.close?.()));
      telemetry.close();
      events.removeAllListeners();
    },
  };
  if (options.sync) {
    syncPlugin = options.sync({
      resources,
      clock,
      events,
      residency: options.residency,
      storageAdapter: (bucketId, bindingId) => {
        const adapter = adapterOf(bucketId, bindingId) as StorageAdapter;
        // Whatever the plugin does, no binding outside the bucket's own residency zone
        // (or classification) is handed to it: it can neither read from it nor copy to it.
        const doc = byId.get(bucketId)!;
        const verdict = complianceVerdict(
          doc.providers.find((b) => b.id === bindingId)!,
          doc.tags,
          options.residency,
        );
        if (!verdict.ok) {
          throw new PolycloudError('RESIDENCY_VIOLATION', `binding ${bindingId} of ${bucketId} may not hold its data: ${verdict.detail}`, {
            context: { resource: bucketId, binding: bindingId },
            retryable: false,
          });
        }
        return adapter;
      },
    });
  }
  return polycloud;
}
