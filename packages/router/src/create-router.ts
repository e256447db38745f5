import {
  hardFilter,
  type HealthEvent,
  type RouteDecision,
  type RouteExplanation,
  type RouteOutcome,
  type Router,
  type RouterContext,
  type RouteRequest,
  type RouterFactory,
  type UrmDocument,
} from '@polycloud/core/spi';
import { buildDocState, costClassOf, type DocState, type Group, type Table } from './doc-state.js';
import { explainRequest } from './explain.js';
import { hash53, hashString } from './hash.js';
import { HealthTracker } from './health.js';
import { parseRouterOptions, type ResolvedRouterOptions, type RouterOptions } from './options.js';
import { startProbes } from './probes.js';
import { Prng } from './prng.js';
import { powerOfTwo, primaryPick, rendezvous } from './select.js';
import { buildTable, decisionFor } from './table.js';
import { LoadModel } from './dynamic.js';

const RAMP_SEED = 0x68e31da4;
const CANARY_BUCKETS = 10_000;

/** Cached hard-filter results per resource before the cache is reset. */
const MAX_FILTER_GROUPS = 1024;

/**
 * The polycloud router: hard filters (residency, classification, capability; never
 * relaxed), then health (fails open only inside the compliant set: panic), then
 * weights from signals (core's routing-weight model), then a pick — sticky by
 * weighted rendezvous hashing, weighted power-of-two-choices for reads, or primary
 * order — with canary, Envoy-style priority tiers, failover and slow-start failback.
 *
 * ```ts
 * const polycloud = createPolycloud({ providers, resources, router: createRouter({ caller: { region: 'eu-west-1' } }) });
 * ```
 * Options are validated (CONFIG_INVALID with the path). See docs/routing.md.
 */
export function createRouter(options: RouterOptions = {}): RouterFactory {
  const o = parseRouterOptions(options);
  return (context) => new PolycloudRouter(o, context);
}

class PolycloudRouter implements Router {
  readonly #o: ResolvedRouterOptions;
  readonly #ctx: RouterContext;
  readonly #tracker: HealthTracker;
  readonly #docs = new WeakMap<UrmDocument, DocState>();
  readonly #prng: Prng;
  readonly #scratch = new Int32Array(2);
  readonly #load: LoadModel;
  /** The state and instant the bound `#factorOf` reads (set before each p2c pick). */
  #cur: DocState | undefined;
  #curNow = 0;
  readonly #factorOf = (c: number) => this.#load.factor(this.#cur!.hs[c]!, this.#curNow);
  #factors = new Float64Array(0);
  readonly #stopProbes: () => void;
  readonly #describe = new Map<string, { cloud?: string; region?: string }>();
  #decisions = 0;
  /** The clock reading of the current decision (NaN until needed). */
  #now = NaN;
  /** Core's health listeners (`onHealthChange`): told before the public `health` event. */
  readonly #healthListeners = new Set<(change: HealthEvent) => void>();

  constructor(o: ResolvedRouterOptions, ctx: RouterContext) {
    this.#o = o;
    this.#ctx = ctx;
    this.#prng = new Prng(o.seed);
    this.#load = new LoadModel(o);
    for (const doc of ctx.resources) {
      for (const b of doc.providers) this.#describe.set(`${doc.resource_id}\u0000${b.id}`, { cloud: b.cloud, ...(b.region ? { region: b.region } : {}) });
    }
    this.#tracker = new HealthTracker(
      o,
      () => ctx.clock.now(),
      (event, payload) => {
        if (event === 'health' && this.#healthListeners.size > 0) {
          const change: HealthEvent = { ...payload };
          for (const listener of [...this.#healthListeners]) listener(change);
        }
        ctx.emit(event, payload);
      },
      (r, b) => this.#describe.get(`${r}\u0000${b}`) ?? {},
    );
    for (const doc of ctx.resources) this.#state(doc);
    this.#stopProbes = o.probes.enabled ? startProbes(ctx, this.#tracker, o) : () => {};
  }

  route(request: RouteRequest): RouteDecision {
    const state = this.#state(request.resource);
    const group = this.#group(state, request);
    this.#now = NaN; // read the clock only if this decision needs it
    const table = this.#table(state, group, request);
    const pick = this.#pick(state, table, request);
    const decision = decisionFor(state, table, pick);
    const rate = this.#o.events.sampleRate;
    if (rate > 0) {
      const n = ++this.#decisions;
      if (Math.floor(n * rate) !== Math.floor((n - 1) * rate)) this.#emitRoute(request, decision);
    }
    return decision;
  }

  onStart(resourceId: string, bindingId: string): void {
    this.#tracker.onStart(resourceId, bindingId);
  }

  report(resourceId: string, bindingId: string, outcome: RouteOutcome): void {
    this.#tracker.report(resourceId, bindingId, outcome);
  }

  onHealthChange(listener: (change: HealthEvent) => void): () => void {
    this.#healthListeners.add(listener);
    return () => void this.#healthListeners.delete(listener);
  }

  explain(request: RouteRequest): RouteExplanation {
    const state = this.#state(request.resource);
    const group = this.#group(state, request);
    this.#now = NaN;
    const now = this.#time();
    let table: Table | undefined;
    let chosen: number | undefined;
    if (!group.error) {
      table = this.#table(state, group, request);
      chosen = this.#pick(state, table, request, true);
    }
    return explainRequest({ state, group, table, chosen, request, tracker: this.#tracker, options: this.#o, now });
  }

  async close(): Promise<void> {
    this.#stopProbes();
  }

  #emitRoute(request: RouteRequest, decision: RouteDecision): void {
    this.#ctx.emit('route', {
      resource: request.resource.resource_id,
      operation: request.operation,
      ...(request.key === undefined ? {} : { key: request.key }),
      chosen: decision.candidates[0]!.id,
      ...(decision.panic ? { panic: true } : {}),
      ...(this.#o.events.explain ? { explanation: this.explain(request) } : {}),
    });
  }

  #state(doc: UrmDocument): DocState {
    let s = this.#docs.get(doc);
    if (!s) {
      s = buildDocState(doc, this.#o, this.#tracker.resource(doc.resource_id), (id) => this.#tracker.binding(doc.resource_id, id));
      this.#docs.set(doc, s);
    }
    return s;
  }

  /** The hard-filter result for this kind of request (cached: residency, classification, requires, only). */
  #group(state: DocState, request: RouteRequest): Group {
    const residency = request.tags['residency'] ?? '';
    const classification = request.tags['classification'] ?? '';
    let group: Group | undefined;
    let key: string | undefined;
    if (!request.requires?.length && !request.only?.length) {
      group = state.simple.get(residency)?.get(classification);
    } else {
      key = `${residency}\u0000${classification}\u0000${(request.requires ?? []).join(',')}\u0000${(request.only ?? []).join(',')}`;
      group = state.composite.get(key);
    }
    if (group) return group;
    group = { compliant: [], rejected: [] };
    try {
      const { passed, rejected } = hardFilter(request, this.#ctx);
      group.compliant = passed.map((b) => state.index.get(b.id)!).sort((a, b) => a - b);
      group.rejected = rejected;
    } catch (e) {
      group.error = e;
      group.rejected = (e as { context?: { rejected?: Group['rejected'] } }).context?.rejected ?? [];
    }
    // Tag values come from callers (per object): bound the cache so it cannot grow
    // without limit; a miss only costs one hardFilter call.
    if (state.simple.size + state.composite.size > MAX_FILTER_GROUPS) {
      state.simple.clear();
      state.composite.clear();
    }
    if (key === undefined) {
      let byClass = state.simple.get(residency);
      if (!byClass) state.simple.set(residency, (byClass = new Map()));
      byClass.set(classification, group);
    } else state.composite.set(key, group);
    return group;
  }

  #time(): number {
    if (Number.isNaN(this.#now)) this.#now = this.#ctx.clock.now();
    return this.#now;
  }

  #table(state: DocState, group: Group, request: RouteRequest): Table {
    if (group.error) throw group.error;
    const cls = costClassOf(request.operation);
    let table: Table | undefined;
    let jobKey = '';
    if (cls === 'compute') {
      jobKey = request.job ? `${request.job.cpu}:${request.job.memoryMiB}` : '';
      table = group.compute?.get(jobKey);
    } else table = group[cls];
    if (table && table.version === state.health.version && (table.validUntil === Infinity || this.#time() < table.validUntil)) return table;
    table = buildTable(state, group, cls, request.job, this.#time(), this.#tracker, this.#o);
    if (cls === 'compute') {
      group.compute ??= new Map();
      if (group.compute.size >= 64) group.compute.clear(); // job sizes vary: keep the cache bounded
      group.compute.set(jobKey, table);
    } else group[cls] = table;
    return table;
  }

  /** The pick's canonical index. `dry` (explain) never advances the generator. */
  #pick(state: DocState, table: Table, request: RouteRequest, dry = false): number {
    const key = request.key;
    const prng = dry ? undefined : this.#prng;
    if (table.canary >= 0) {
      const c = state.canary!;
      const bucket = key === undefined ? Math.floor((prng ? prng.next() : 0.5) * CANARY_BUCKETS) : hash53(key, c.seed, this.#scratch) % CANARY_BUCKETS;
      if (bucket < c.threshold) return table.canary;
    }
    const mode = key === undefined ? state.keylessMode[request.operation] : state.keyedMode[request.operation];
    if (mode === 'rendezvous') {
      hashString(key!, 0, this.#scratch);
      let factors: Float64Array | undefined;
      if (this.#o.stickyLoadSignals) {
        if (this.#factors.length < state.sorted.length) this.#factors = new Float64Array(state.sorted.length);
        factors = this.#factors;
        const now = this.#time();
        for (const c of table.pick) factors[c] = this.#load.factor(state.hs[c]!, now);
      }
      return rendezvous(table, state.lanes, this.#scratch[0]!, this.#scratch[1]!, factors);
    }
    if (mode === 'p2c') {
      this.#cur = state;
      this.#curNow = this.#time();
      if (dry) {
        let best = table.pick[0]!;
        for (const c of table.pick) if (table.effective[c]! * this.#factorOf(c) > table.effective[best]! * this.#factorOf(best)) best = c;
        return best;
      }
      return powerOfTwo(table, prng!, this.#load, state.hs, this.#curNow);
    }
    const frac = key === undefined ? (prng ? prng.next() : 0.5) : (hash53(key, RAMP_SEED, this.#scratch) % CANARY_BUCKETS) / CANARY_BUCKETS;
    return primaryPick(table, frac);
  }
}
