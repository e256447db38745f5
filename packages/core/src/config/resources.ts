import type { ErrorIssue } from '../errors/polycloud-error.js';
import { isPolycloudError } from '../errors/polycloud-error.js';
import type { ResidencyZones } from '../routing/residency.js';
import { checkResidencyTag } from '../routing/residency-tags.js';
import { parseUrmDocuments } from '../urm/parse.js';
import type { UrmDocument } from '../urm/resources.js';
import { type ConfiguredProvider, healthCheckOf } from './providers.js';
import type { HealthCheck } from './schema.js';

export { checkResidencyTag };

type Path = (string | number)[];
type Obj = Record<string, unknown>;

const INDEX = Symbol('resource index');

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Rewrites the config-file conveniences of one resource into the URM shape:
 * `healthCheck` / `health_check` (at the top or under `routing`, durations allowed)
 * → `routing.health_check.{interval_ms, timeout_ms}`; with none given, the
 * shortest interval of its providers' `healthCheck`s applies.
 */
function normalizeResource(raw: unknown, at: Path, providers: Map<string, ConfiguredProvider>, issues: ErrorIssue[]): unknown {
  if (!isObject(raw)) return raw;
  const doc: Obj = { ...raw };
  const routing: Obj | undefined = isObject(doc['routing']) ? { ...doc['routing'] } : undefined;
  let health: HealthCheck | undefined;
  for (const key of ['healthCheck', 'health_check']) {
    if (key in doc) {
      health = healthCheckOf(doc[key], [...at, key], issues) ?? {};
      delete doc[key];
    }
    if (routing && key in routing) {
      health = healthCheckOf(routing[key], [...at, 'routing', key], issues) ?? {};
      delete routing[key];
    }
  }
  if (!health && Array.isArray(doc['providers'])) {
    const intervals = (doc['providers'] as unknown[])
      .map((b) => (isObject(b) ? ((b['provider'] ?? b['cloud']) as string | undefined) : undefined))
      .map((name) => (name ? providers.get(name)?.healthCheck : undefined))
      .filter((h): h is HealthCheck => h !== undefined);
    if (intervals.length) {
      const min = (k: keyof HealthCheck) => {
        const v = intervals.map((h) => h[k]).filter((x): x is number => x !== undefined);
        return v.length ? Math.min(...v) : undefined;
      };
      const interval = min('interval_ms');
      const timeout = min('timeout_ms');
      health = { ...(interval === undefined ? {} : { interval_ms: interval }), ...(timeout === undefined ? {} : { timeout_ms: timeout }) };
    }
  }
  if (health) return { ...doc, routing: { ...(routing ?? {}), health_check: health } };
  return routing ? { ...doc, routing } : doc;
}

/**
 * Validates the resources (URM schemas, unique ids, bindings) and checks them
 * against the providers and residency zones. Adds every problem to `issues`.
 */
export function checkResources(list: unknown[], providers: Map<string, ConfiguredProvider>, zones: ResidencyZones, issues: ErrorIssue[]): UrmDocument[] {
  const normalized = list.map((raw, i) => normalizeResource(raw, ['resources', i], providers, issues));
  let docs: UrmDocument[] = [];
  try {
    docs = parseUrmDocuments(normalized, ['resources']);
  } catch (e) {
    if (!isPolycloudError(e) || !e.context.issues) throw e;
    issues.push(...e.context.issues);
    // Check what did parse, so binding problems are reported alongside.
    docs = normalized.flatMap((raw, i) => {
      try {
        return parseUrmDocuments([raw]).map((d) => Object.assign(d, { [INDEX]: i }));
      } catch {
        return [];
      }
    });
  }
  docs.forEach((doc, k) => {
    const i = (doc as { [INDEX]?: number })[INDEX] ?? k;
    const rawBindings = (isObject(normalized[i]) ? (normalized[i] as Obj)['providers'] : undefined) as Obj[] | undefined;
    const wanted = doc.type === 'LogicalBucket' ? 'storage' : 'compute';
    doc.providers.forEach((b, j) => {
      const at: Path = ['resources', i, 'providers', j, rawBindings?.[j]?.['provider'] === undefined ? 'cloud' : 'provider'];
      const p = providers.get(b.provider);
      if (!p) {
        issues.push({ path: at, message: `no provider named "${b.provider}" (configured: ${[...providers.keys()].join(', ') || 'none'})` });
      } else if (!(wanted === 'storage' ? p.storage : p.compute)) {
        issues.push({ path: at, message: `provider "${b.provider}" has no ${wanted} adapter, but ${doc.resource_id} is a ${doc.type}` });
      }
    });
    const regions = doc.providers.map((b) => b.region).filter((r): r is string => r !== undefined);
    checkResidencyTag(doc.tags['residency'], regions, zones, ['resources', i, 'tags', 'residency'], issues);
  });
  return docs.map((d) => {
    delete (d as { [INDEX]?: number })[INDEX];
    return d;
  });
}
