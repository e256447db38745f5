import type { RouterContext } from '@polycloud/core/spi';
import { seedOf } from './hash.js';
import type { HealthTracker } from './health.js';
import type { ResolvedRouterOptions } from './options.js';

/**
 * Active health checks: each binding of each resource is probed through
 * `context.probe` every `interval_ms` (the resource's `routing.health_check`, else
 * the router's `probes`) after the previous probe ended; timers run on
 * `context.clock` (unref'd by the system clock) and start staggered by a stable hash.
 * A probe's deadline is the tracker's adaptive one (`probeTimeout`); a late probe is
 * judged by `probeLate` (failed, busy, or look again later). Returns a stop function.
 */
export function startProbes(context: RouterContext, tracker: HealthTracker, o: ResolvedRouterOptions): () => void {
  let stopped = false;
  const timers = new Set<unknown>();
  const schedule = (fn: () => void, ms: number) => {
    const handle = context.clock.setTimeout(() => {
      timers.delete(handle);
      fn();
    }, ms);
    timers.add(handle);
    return handle;
  };

  for (const doc of context.resources) {
    const intervalMs = doc.routing.health_check?.interval_ms ?? o.probes.intervalMs;
    const timeoutMs = doc.routing.health_check?.timeout_ms ?? o.probes.timeoutMs;
    for (const b of doc.providers) {
      const h = tracker.binding(doc.resource_id, b.id);
      const tick = async () => {
        if (stopped) return;
        const controller = new AbortController();
        const startedAt = context.clock.now();
        let timer: unknown;
        // Late is not yet dead: at the deadline the tracker either gives its verdict or
        // names the instant to look again (real calls still answering).
        const late = new Promise<false | 'busy'>((resolve) => {
          const check = () => {
            const verdict = tracker.probeLate(doc.resource_id, b.id, startedAt, timeoutMs, context.clock.now());
            if (typeof verdict === 'number') {
              timer = schedule(check, verdict - context.clock.now());
              return;
            }
            controller.abort(Object.assign(new Error('probe timed out'), { name: 'TimeoutError' }));
            resolve(verdict === 'busy' ? 'busy' : false);
          };
          timer = schedule(check, tracker.probeTimeout(h, timeoutMs, startedAt));
        });
        let ok: boolean | 'busy';
        try {
          ok = await Promise.race([context.probe(doc.resource_id, b.id, controller.signal).then(() => true), late]);
        } catch {
          ok = false;
        } finally {
          context.clock.clearTimeout(timer);
          timers.delete(timer);
        }
        if (stopped) return;
        tracker.recordProbe(doc.resource_id, b.id, ok, context.clock.now() - startedAt);
        schedule(() => void tick(), intervalMs);
      };
      schedule(() => void tick(), seedOf(`${doc.resource_id}\u0000${b.id}`) % intervalMs);
    }
  }

  return () => {
    stopped = true;
    for (const t of timers) context.clock.clearTimeout(t);
    timers.clear();
  };
}
