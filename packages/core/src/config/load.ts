import { createAdapterRegistry, type AdapterRegistry } from '../adapter/registry.js';
import type { DataJob } from '../compute/spec.js';
import { localComputeAdapterFactory } from '../compute/local-adapter.js';
import { errorFromIssues } from '../errors/from-zod.js';
import type { ErrorIssue } from '../errors/polycloud-error.js';
import { redact, registerSecrets } from '../errors/redact.js';
import { createPolycloud, type Polycloud, type PolycloudOptions } from '../polycloud.js';
import { interpolate } from './interpolate.js';
import { renameDeep } from './keys.js';
import { checkJobs } from './jobs.js';
import { checkProviders } from './providers.js';
import { checkResources } from './resources.js';
import { type ConfigFile, ConfigFileSchema, configIssues } from './schema.js';
import { type ConfigSource, readConfigSource } from './source.js';
import { checkRouterSection, type RouterOptionsValidator } from './router-section.js';

export interface LoadConfigOptions {
  /** Variables for `${VAR}` interpolation. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Adapter factories by `type`. Default: a registry with core's `local` compute
   * adapter only — register the adapters your config names (the CLI registers every built-in).
   */
  registry?: AdapterRegistry;
  /** Base directory for a relative config path. Default: `process.cwd()`. */
  cwd?: string;
  /**
   * The options schema of the router you will create from `config.router` (e.g.
   * `RouterOptionsSchema` of `@polycloud/router`; the CLI passes it): the `router:`
   * section is then checked while loading, its problems listed with all the others,
   * with lines and the keys as written. Without it the section is only checked to be
   * a map within the input limits (core does not know your router).
   */
  routerSchema?: RouterOptionsValidator;
}

/** A validated config: options ready for {@link createPolycloud}, and the DataJobs by name. */
export interface PolycloudConfig {
  options: PolycloudOptions & { registry: AdapterRegistry };
  jobs: Record<string, DataJob>;
  /** The `router:` section, keys in camelCase, for the router factory you use (`createRouter(config.router)`). */
  router?: Record<string, unknown>;
  /**
   * The `gateway:` section for `@polycloud/gateway`, unchecked by core: `value` with
   * `${VAR}` references interpolated (and registered as secrets), `written` as in the
   * file, so the gateway can insist that a secret comes from the environment.
   */
  gateway?: { value: Record<string, unknown>; written: unknown };
  /** The `controller:` section, keys in camelCase, for `@polycloud/kubernetes`' DataJob controller (validated there). */
  controller?: Record<string, unknown>;
  /** The file it came from, when loaded from a path. */
  file?: string;
}

/**
 * Loads a polycloud config file (YAML or JSON), text or object: interpolates
 * `${VAR}` / `${VAR:-default}` from `env`, maps `storage_providers` and snake_case
 * option keys, checks providers against the registry and their adapters' option
 * schemas, URM resources, residency zones and tags, health checks and DataJobs.
 *
 * Every problem is reported at once: CONFIG_INVALID with `context.issues`, each with
 * its path (and `line` when read from text). Every interpolated value and every
 * secret-named option is registered with `registerSecrets`, so no error or log shows it.
 */
export function loadPolycloudConfig(source: ConfigSource, options: LoadConfigOptions = {}): PolycloudConfig {
  const parsed = readConfigSource(source, options.cwd === undefined ? {} : { cwd: options.cwd });
  const registry = options.registry ?? createAdapterRegistry([localComputeAdapterFactory]);
  const issues: ErrorIssue[] = [];
  const env = options.env ?? process.env;

  const { value, used } = interpolate(parsed.raw, env, issues);
  registerSecrets(used);
  // A value left empty by an unset variable is reported there once, not again by the checks it then fails.
  const fromInterpolation = issues.length;
  const unset = new Set(issues.map((i) => i.path.join('\0')));

  const fail = (): never => {
    const once = issues.filter((issue, k) => k < fromInterpolation || !unset.has(issue.path.join('\0')));
    const located = once.map((issue) => {
      const line = parsed.lineOf(issue.path);
      return { ...issue, message: redact(issue.message), ...(line === undefined ? {} : { line }) };
    });
    const what = `invalid polycloud config${parsed.file ? ` ${parsed.file}` : ''}`;
    throw errorFromIssues(what, located).withContext(parsed.file ? { file: parsed.file } : {});
  };

  const top = ConfigFileSchema.safeParse(value);
  if (!top.success) {
    issues.push(...configIssues(ConfigFileSchema, top.error, value));
    // Keep checking what can be checked: providers and resources below need their sections.
  }
  const file: Partial<ConfigFile> = top.success ? top.data : {};
  const rawTop = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const key = rawTop['providers'] === undefined && rawTop['storage_providers'] !== undefined ? 'storage_providers' : 'providers';
  if (rawTop['providers'] !== undefined && rawTop['storage_providers'] !== undefined) {
    issues.push({ path: ['storage_providers'], message: 'give providers or storage_providers (its alias), not both' });
  }
  const list = Array.isArray(rawTop[key]) ? (rawTop[key] as unknown[]) : [];
  if (rawTop[key] === undefined) issues.push({ path: ['providers'], message: 'at least one provider is needed' });
  else if (Array.isArray(rawTop[key]) && list.length === 0) issues.push({ path: [key], message: 'at least one provider is needed' });

  const providers = checkProviders(list, key, registry, issues);
  registerSecrets(providers.secrets);
  const zones = readZones(rawTop['residency']);
  const resourceList = Array.isArray(rawTop['resources']) ? (rawTop['resources'] as unknown[]) : [];
  const resources = checkResources(resourceList, providers.byName, zones, issues);
  const jobs = checkJobs(
    Array.isArray(rawTop['jobs']) || (typeof rawTop['jobs'] === 'object' && rawTop['jobs'] !== null)
      ? (rawTop['jobs'] as unknown[] | Record<string, unknown>)
      : undefined,
    resources,
    zones,
    issues,
  );
  if (options.routerSchema && typeof rawTop['router'] === 'object' && rawTop['router'] !== null && !Array.isArray(rawTop['router'])) {
    checkRouterSection(rawTop['router'], options.routerSchema, issues);
  }
  if (issues.length) fail();

  const retry = file.retry
    ? {
        ...(file.retry.max_attempts === undefined ? {} : { maxAttempts: file.retry.max_attempts }),
        ...(file.retry.base_delay === undefined ? {} : { baseDelayMs: file.retry.base_delay }),
        ...(file.retry.max_delay === undefined ? {} : { maxDelayMs: file.retry.max_delay }),
      }
    : undefined;
  return {
    options: {
      providers: providers.providers,
      // The raw documents, normalised (health checks); createPolycloud validates them again.
      resources: resources.map((r) => r as unknown),
      residency: zones,
      registry,
      ...(retry ? { retry } : {}),
      ...(file.timeout === undefined ? {} : { timeoutMs: file.timeout }),
      ...(file.concurrency === undefined ? {} : { concurrency: file.concurrency }),
      ...(file.seed === undefined ? {} : { seed: file.seed }),
    },
    jobs,
    ...(file.router ? { router: renameDeep(file.router) as Record<string, unknown> } : {}),
    ...(file.gateway ? { gateway: { value: file.gateway, written: (parsed.raw as Record<string, unknown>)['gateway'] } } : {}),
    ...(file.controller ? { controller: renameDeep(file.controller) as Record<string, unknown> } : {}),
    ...(parsed.file ? { file: parsed.file } : {}),
  };
}

/**
 * The residency zones that can be read, zone by zone: a zone with a problem of its own
 * (reported by the schema) still counts as defined, so tags naming it are not
 * reported as naming no zone as well.
 */
function readZones(raw: unknown): Record<string, string[]> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const zones: Record<string, string[]> = {};
  const regions = ConfigFileSchema.shape.residency.unwrap().valueType;
  for (const [name, value] of Object.entries(raw)) {
    const parsed = regions.safeParse(value);
    zones[name] = parsed.success ? parsed.data : [];
  }
  return zones;
}

/** Options of {@link createPolycloudFromConfig}: loading options plus anything createPolycloud takes in code. */
export type CreateFromConfigOptions = LoadConfigOptions & Omit<PolycloudOptions, 'providers' | 'resources' | 'residency' | 'registry'>;

/**
 * `createPolycloud` from a config file, text or object (see {@link loadPolycloudConfig}).
 * Code-only options (router, clock, sync, logger, telemetry providers) are passed
 * alongside; values in code override the file's.
 */
export function createPolycloudFromConfig(source: ConfigSource, options: CreateFromConfigOptions = {}): Polycloud {
  const { env, registry, cwd, routerSchema, ...code } = options;
  const config = loadPolycloudConfig(source, {
    ...(env ? { env } : {}),
    ...(registry ? { registry } : {}),
    ...(cwd ? { cwd } : {}),
    ...(routerSchema ? { routerSchema } : {}),
  });
  return createPolycloud({ ...config.options, ...code });
}
