import type { ErrorIssue } from '../errors/polycloud-error.js';
import { isPolycloudError } from '../errors/polycloud-error.js';
import type { ResidencyZones } from '../routing/residency.js';
import { checkResidencyTag } from '../routing/residency-tags.js';
import { parseUrmDocuments } from '../urm/parse.js';
import type { UrmDocument } from '../urm/resources.js';
import { type ConfiguredProvider, healthCheckOf } from './providers.js';
import type { HealthCheck } from './schema.js';
import { didYouMean } from './suggest.js';

export { checkResidencyTag };

type Path = (string | number)[];
type Obj = Record<string, unknown>;

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

/** What the cross-field checks read of one resource: from its parsed document, or (when it did not parse) from the parts that can be read. */
interface ResourceView {
  index: number;
  id: string;
  type: 'LogicalBucket' | 'LogicalCluster' | undefined;
  residency: string | undefined;
  /** Each binding's provider name (undefined when unreadable), region, and the key naming the provider. */
  bindings: { provider: string | undefined; region: string | undefined; key: 'provider' | 'cloud' }[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function viewOf(doc: UrmDocument | undefined, raw: unknown, index: number): ResourceView {
  const r = isObject(raw) ? raw : {};
  const rawBindings = Array.isArray(r['providers']) ? (r['providers'] as unknown[]) : [];
  const keyOf = (j: number): 'provider' | 'cloud' => (isObject(rawBindings[j]) && (rawBindings[j] as Obj)['provider'] !== undefined ? 'provider' : 'cloud');
  if (doc) {
    return {
      index,
      id: doc.resource_id,
      type: doc.type,
      residency: doc.tags['residency'],
      bindings: doc.providers.map((b, j) => ({ provider: b.provider, region: b.region, key: keyOf(j) })),
    };
  }
  const type = r['type'] === 'LogicalBucket' || r['type'] === 'LogicalCluster' ? r['type'] : undefined;
  const tags = isObject(r['tags']) ? r['tags'] : {};
  return {
    index,
    id: str(r['resource_id']) ?? `resources[${index}]`,
    type,
    residency: str(tags['residency']),
    bindings: rawBindings.map((b, j) => {
      const o = isObject(b) ? b : {};
      return { provider: str(o['provider']) ?? str(o['cloud']), region: str(o['region']), key: keyOf(j) };
    }),
  };
}

/**
 * Validates the resources (URM schemas, unique ids, bindings) and checks them
 * against the providers and residency zones, in one pass: a resource that does not
 * parse still has its readable parts (binding providers, regions, residency tag)
 * checked, so its schema problems and its cross-field problems are reported together.
 * Adds every problem to `issues`; returns the documents that parsed.
 */
export function checkResources(list: unknown[], providers: Map<string, ConfiguredProvider>, zones: ResidencyZones, issues: ErrorIssue[]): UrmDocument[] {
  const normalized = list.map((raw, i) => normalizeResource(raw, ['resources', i], providers, issues));
  let docs: UrmDocument[] = [];
  const parsedAt = new Map<number, UrmDocument>();
  try {
    docs = parseUrmDocuments(normalized, ['resources']);
    docs.forEach((d, i) => parsedAt.set(i, d));
  } catch (e) {
    if (!isPolycloudError(e) || !e.context.issues) throw e;
    issues.push(...e.context.issues);
    // Each document on its own: what parsed is checked fully, the rest by its readable parts.
    normalized.forEach((raw, i) => {
      try {
        const [d] = parseUrmDocuments([raw]);
        if (d) parsedAt.set(i, d);
      } catch {
        // reported above
      }
    });
    docs = [...parsedAt.values()];
  }
  normalized.forEach((raw, i) => {
    const view = viewOf(parsedAt.get(i), raw, i);
    const wanted = view.type === 'LogicalCluster' ? 'compute' : view.type === 'LogicalBucket' ? 'storage' : undefined;
    view.bindings.forEach((b, j) => {
      if (b.provider === undefined) return;
      const at: Path = ['resources', i, 'providers', j, b.key];
      const p = providers.get(b.provider);
      if (!p) {
        issues.push({
          path: at,
          message: `no provider named "${b.provider}"${didYouMean(b.provider, providers.keys())} (configured: ${[...providers.keys()].join(', ') || 'none'})`,
        });
      } else if (wanted && !p.invalid && !(wanted === 'storage' ? p.storage : p.compute)) {
        issues.push({ path: at, message: `provider "${b.provider}" has no ${wanted} adapter, but ${view.id} is a ${view.type}` });
      }
    });
    const regions = view.bindings.map((b) => b.region).filter((r): r is string => r !== undefined);
    checkResidencyTag(view.residency, regions, zones, ['resources', i, 'tags', 'residency'], issues);
    // Residency is a hard filter: a binding without a region never qualifies, so every
    // write routed to it would be refused. Say so now, at the binding.
    if (view.residency !== undefined && view.type !== 'LogicalCluster') {
      const rawBindings = isObject(raw) && Array.isArray(raw['providers']) ? (raw['providers'] as unknown[]) : [];
      view.bindings.forEach((b, j) => {
        if (b.region !== undefined || !isObject(rawBindings[j])) return;
        issues.push({
          path: ['resources', i, 'providers', j],
          message: `${view.id} is tagged residency "${view.residency}" but this binding has no region, so it can never hold the bucket's data: give it a region (e.g. region: eu-west-1)`,
        });
      });
    }
  });
  return docs;
}
