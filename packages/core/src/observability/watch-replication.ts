import type { Polycloud } from '../polycloud.js';

export interface WatchReplicationOptions {
  /** How often to ask each bucket's sync engine. Default 30 s. */
  intervalMs?: number;
  /** Only these buckets (default: every LogicalBucket with replication and two or more bindings). */
  buckets?: readonly string[];
}

/**
 * Polls the sync engine of each replicated bucket (`polycloud.sync(id).status()`) and
 * emits a `lag` event per target binding with its lag and backlog, feeding the
 * `polycloud.replication.lag` and `.backlog` gauges continuously — the engine itself
 * reports lag only while it is over the objective. Each poll reads the journals'
 * state from the store (a few requests per bucket): keep the interval in tens of
 * seconds. Returns a function that stops it. The timer does not keep the process alive.
 */
export function watchReplication(polycloud: Polycloud, options: WatchReplicationOptions = {}): () => void {
  const intervalMs = Math.max(1000, options.intervalMs ?? 30_000);
  const ids = polycloud.resources
    .filter((r) => r.type === 'LogicalBucket' && r.replication.mode !== 'none' && r.providers.length > 1)
    .map((r) => r.resource_id)
    .filter((id) => !options.buckets || options.buckets.includes(id));
  let running = false;
  let stopped = false;
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      for (const id of ids) {
        try {
          const status = await polycloud.sync(id).status();
          if (stopped) return;
          for (const t of status.targets) polycloud.events.emit('lag', { resource: id, binding: t.binding, lagMs: t.lagMs, backlog: t.backlog });
        } catch {
          // A store that cannot be read now is tried again next time.
        }
      }
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref?.();
  void tick();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
