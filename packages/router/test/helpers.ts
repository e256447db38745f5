import { createPolycloud, parseUrmDocument, type Clock, type Polycloud, type UrmDocument } from '@polycloud/core';
import { DEFAULT_STORAGE_CAPABILITIES, type Router, type RouterContext, type StorageAdapter } from '@polycloud/core/spi';
import { createRouter, type RouterOptions } from '@polycloud/router';

/** A Clock whose time only moves when told (timers run in due order). */
export interface TestClock extends Clock {
  set(ms: number): void;
  advance(ms: number): Promise<void>;
}

export function testClock(start = Date.UTC(2026, 0, 1)): TestClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { due: number; fn: () => void }>();
  const clock: TestClock = {
    now: () => now,
    setTimeout(fn, ms) {
      timers.set(++seq, { due: now + Math.max(0, ms), fn });
      return seq;
    },
    clearTimeout(h) {
      timers.delete(h as number);
    },
    set(ms) {
      now = ms;
    },
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        let id = -1;
        let due = Infinity;
        for (const [k, t] of timers) if (t.due <= target && t.due < due) [id, due] = [k, t.due];
        if (id < 0) break;
        const t = timers.get(id)!;
        timers.delete(id);
        now = Math.max(now, t.due);
        t.fn();
        for (let i = 0; i < 5; i++) await Promise.resolve();
      }
      now = target;
    },
  };
  return clock;
}

export interface Harness {
  router: Router;
  clock: TestClock;
  events: { event: string; payload: unknown }[];
  doc: UrmDocument;
  /** Per binding id: false = the probe throws, 'hang' = it never settles; absent or true = it answers. */
  probeOk: Map<string, boolean | 'hang'>;
}

/** A router over one resource with a hand-made context (no adapters): capabilities all on, probes answer from `probeOk`. */
export function harness(resource: unknown, options: RouterOptions = {}, extra: { residency?: Record<string, string[]>; clock?: TestClock } = {}): Harness {
  const doc = parseUrmDocument(resource);
  const clock = extra.clock ?? testClock();
  const events: { event: string; payload: unknown }[] = [];
  const probeOk = new Map<string, boolean | 'hang'>();
  const context: RouterContext = {
    resources: [doc],
    residency: extra.residency ?? { eu: ['eu-*', 'europe-*', 'westeurope', 'northeurope'], us: ['us-*'] },
    clock,
    capabilities: () => ({ ...DEFAULT_STORAGE_CAPABILITIES, presign: true, multipart: true }),
    probe: async (_r, b) => {
      const state = probeOk.get(b);
      if (state === 'hang') return new Promise<void>(() => {});
      if (state === false) throw new Error('down');
    },
    emit: (event, payload) => events.push({ event, payload }),
  };
  return { router: createRouter({ probes: { enabled: false }, ...options })(context), clock, events, doc, probeOk };
}

export function bucket(providers: unknown[], routing: Record<string, unknown> = { strategy: 'sticky' }, tags: Record<string, string> = {}) {
  return { resource_id: 'lb-1', type: 'LogicalBucket', providers, routing, tags };
}

/**
 * A Polycloud with one LogicalBucket 'lb-1' on a primary 'aws' (bucket 'a') and a standby
 * 'azure' (bucket 'z'), no replication, and the DEFAULT router: the set-up of the failover tests.
 */
export function primaryStandby(clock: Clock, primary: StorageAdapter, standby: StorageAdapter): Polycloud {
  return createPolycloud({
    clock,
    providers: [
      { name: 'aws', adapter: primary },
      { name: 'azure', adapter: standby },
    ],
    resources: [
      {
        resource_id: 'lb-1',
        type: 'LogicalBucket',
        replication: { mode: 'none' },
        providers: [
          { cloud: 'aws', physical_id: 'a', region: 'eu-west-1' },
          { cloud: 'azure', physical_id: 'z', region: 'westeurope', role: 'standby' },
        ],
      },
    ],
    router: createRouter(),
  });
}
