import type { AdapterRegistry } from '../adapter/registry.js';
import type { ErrorIssue } from '../errors/polycloud-error.js';
import { PROVIDER_NAME, type ProviderConfig } from '../polycloud.js';
import { renameOptionKeys, secretValues } from './keys.js';
import { configIssues, type HealthCheck, HealthCheckSchema } from './schema.js';
import { closest, didYouMean, keysAt, snakeCase } from './suggest.js';

type Path = (string | number)[];

/** Keys of a provider entry that are not adapter options. */
const RESERVED = new Set(['name', 'type', 'healthCheck', 'health_check', 'description']);

export interface ConfiguredProvider {
  name: string;
  storage: boolean;
  compute: boolean;
  healthCheck?: HealthCheck;
  /** The entry has problems of its own (already reported). */
  invalid?: boolean;
}

export interface ProvidersResult {
  providers: ProviderConfig[];
  byName: Map<string, ConfiguredProvider>;
  /** Literal values of secret-named options (registered as secrets). */
  secrets: string[];
}

export function healthCheckOf(raw: unknown, path: Path, issues: ErrorIssue[]): HealthCheck | undefined {
  const parsed = HealthCheckSchema.safeParse(raw);
  if (!parsed.success) {
    issues.push(...configIssues(HealthCheckSchema, parsed.error, raw, path));
    return undefined;
  }
  const h = parsed.data;
  const interval = h.interval ?? h.interval_ms;
  const timeout = h.timeout ?? h.timeout_ms;
  return { ...(interval === undefined ? {} : { interval_ms: interval }), ...(timeout === undefined ? {} : { timeout_ms: timeout }) };
}

/**
 * Checks every provider entry: name, unique names, `type` known to the registry
 * (storage and/or compute), and the adapter's own options schema — with option
 * keys mapped to camelCase and problems reported under the keys as written.
 */
export function checkProviders(list: unknown[], key: string, registry: AdapterRegistry, issues: ErrorIssue[]): ProvidersResult {
  const providers: ProviderConfig[] = [];
  const byName = new Map<string, ConfiguredProvider>();
  const secrets: string[] = [];
  const firstIndex = new Map<string, number>();
  list.forEach((entry, i) => {
    const at: Path = [key, i];
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      issues.push({ path: at, message: 'expected a provider: {name, type, ...options}' });
      return;
    }
    const raw = entry as Record<string, unknown>;
    if ('adapter' in raw) {
      // An adapter instance given in code; createPolycloud checks it.
      providers.push(raw as ProviderConfig);
      if (typeof raw['name'] === 'string')
        byName.set(raw['name'], {
          name: raw['name'],
          storage: typeof (raw['adapter'] as { put?: unknown })?.put === 'function',
          compute: typeof (raw['adapter'] as { submit?: unknown })?.submit === 'function',
        });
      return;
    }
    let ok = true;
    const name = raw['name'];
    if (typeof name !== 'string' || !PROVIDER_NAME.test(name)) {
      issues.push({ path: [...at, 'name'], message: name === undefined ? 'a provider needs a name' : 'a provider name is letters, digits, . _ - (max 128)' });
      ok = false;
    } else if (firstIndex.has(name)) {
      issues.push({ path: [...at, 'name'], message: `duplicate provider name "${name}" (also ${key}[${firstIndex.get(name)}])` });
      ok = false;
    } else firstIndex.set(name, i);

    const type = raw['type'];
    let storage = false;
    let compute = false;
    if (typeof type !== 'string' || type === '') {
      issues.push({ path: [...at, 'type'], message: 'a provider needs a type (the adapter registry type, e.g. s3, gcs, azure-blob)' });
      ok = false;
    } else {
      storage = registry.has('storage', type);
      compute = registry.has('compute', type);
      if (!storage && !compute) {
        const known = [...new Set([...registry.types('storage'), ...registry.types('compute')])].sort();
        issues.push({ path: [...at, 'type'], message: `unknown adapter type "${type}"${didYouMean(type, known)} (registered: ${known.join(', ') || 'none'})` });
        ok = false;
      }
    }

    const hcKey = 'healthCheck' in raw ? 'healthCheck' : 'health_check' in raw ? 'health_check' : undefined;
    const healthCheck = hcKey ? healthCheckOf(raw[hcKey], [...at, hcKey], issues) : undefined;

    const rest = Object.fromEntries(Object.entries(raw).filter(([k]) => !RESERVED.has(k)));
    secrets.push(...secretValues(rest));
    const { options, original, clashes } = renameOptionKeys(rest);
    for (const c of clashes) issues.push({ path: [...at, c], message: `option given twice (as ${c} and in camelCase)` });
    if (!ok || clashes.length) {
      // Known by name, so bindings to it are not reported as well (its own problem is).
      if (typeof name === 'string' && !byName.has(name)) byName.set(name, { name, storage: true, compute: true, invalid: true });
      return;
    }

    // The adapter's own schema, now, so its problems are reported with all the others.
    for (const kind of ['storage', 'compute'] as const) {
      if (!(kind === 'storage' ? storage : compute)) continue;
      const schema = registry.factory?.(kind, type as string)?.optionsSchema;
      if (!schema) continue;
      const result = schema.safeParse(options);
      if (!result.success) {
        // Suggestions in the style the entry is written in (snake_case or camelCase).
        const snake = [...original.values()].some((k) => k.includes('_'));
        const allowed = keysAt(schema, []).map((k) => (snake ? snakeCase(k) : k));
        // A required option missing because it was misspelt is reported once, at the misspelling.
        const misspelt = new Set(
          result.error.issues.flatMap((issue) =>
            issue.code === 'unrecognized_keys' && issue.path.length === 0
              ? issue.keys.map((k) => closest(original.get(k) ?? k, allowed)).filter((c): c is string => c !== undefined)
              : [],
          ),
        );
        const found = result.error.issues.flatMap((issue) => {
          const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
          if (path.length === 1 && typeof path[0] === 'string' && options[path[0]] === undefined && misspelt.has(snake ? snakeCase(path[0]) : path[0]))
            return [];
          const [first, ...tail] = path;
          const head = typeof first === 'string' ? (original.get(first) ?? (snake && path.length === 1 ? snakeCase(first) : first)) : first;
          const where = [...at, ...(head === undefined ? [] : [head]), ...tail];
          if (issue.code === 'unrecognized_keys' && path.length === 0) {
            return issue.keys.map((k) => {
              const written = original.get(k) ?? k;
              return { path: [...at, written], message: `unknown option "${written}" for adapter type "${type as string}"${didYouMean(written, allowed)}` };
            });
          }
          return [{ path: where, message: issue.message }];
        });
        for (const f of found) if (!issues.some((x) => x.message === f.message && x.path.join('\0') === f.path.join('\0'))) issues.push(f);
      }
    }
    providers.push({ name: name as string, type: type as string, ...options } as ProviderConfig);
    byName.set(name as string, { name: name as string, storage, compute, ...(healthCheck ? { healthCheck } : {}) });
  });
  return { providers, byName, secrets };
}
