import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Lease } from '@kubernetes/client-node';
import { PolycloudError } from '@polycloud/core/spi';
import { describe, expect, it } from 'vitest';
import type { ControllerKubeApi } from '../src/controller/kube-api.js';
import { LeaderElector } from '../src/controller/leader-elector.js';

/** One Lease with resourceVersion compare-and-swap, as the API server keeps it; each client can be cut off. */
function leaseServer() {
  let lease: V1Lease | undefined;
  let rv = 0;
  const client = () => {
    const c = { cut: false, api: {} as ControllerKubeApi };
    const check = () => {
      if (c.cut) throw new PolycloudError('UNAVAILABLE', 'cut off', { retryable: true });
    };
    c.api = {
      readLease: async () => (check(), lease && structuredClone(lease)),
      createLease: async (_ns: string, body: V1Lease) => {
        check();
        if (lease) throw new PolycloudError('CONFLICT', 'exists', { retryable: true });
        lease = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(++rv) } };
        return structuredClone(lease);
      },
      replaceLease: async (_ns: string, _name: string, body: V1Lease) => {
        check();
        if (!lease || body.metadata?.resourceVersion !== lease.metadata?.resourceVersion) throw new PolycloudError('CONFLICT', 'stale', { retryable: true });
        lease = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(++rv) } };
        return structuredClone(lease);
      },
    } as unknown as ControllerKubeApi;
    return c;
  };
  return { client, get: () => lease };
}

const timings = { leaseDurationMs: 1_000, renewDeadlineMs: 600, retryPeriodMs: 50 };

describe('LeaderElector', () => {
  it('one leader at a time; a leader cut off from the API server stops leading before the other takes over', async () => {
    const server = leaseServer();
    const a = server.client();
    const b = server.client();
    const changes: string[] = [];
    const ea = new LeaderElector({ api: a.api, namespace: 'n', name: 'l', identity: 'a', ...timings, onChange: (l) => changes.push(`a:${l}`) });
    const eb = new LeaderElector({ api: b.api, namespace: 'n', name: 'l', identity: 'b', ...timings, onChange: (l) => changes.push(`b:${l}`) });
    let both = 0;
    const sampler = setInterval(() => {
      if (ea.leading && eb.leading) both++;
    }, 5);
    try {
      ea.start();
      const until = Date.now() + 20_000;
      while (!ea.leading) {
        if (Date.now() > until) throw new Error('a did not lead');
        await sleep(10);
      }
      eb.start();
      await sleep(1_500);
      expect(eb.leading).toBe(false);
      expect(server.get()?.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 1, leaseTransitions: 0 });

      // a loses the API server: it must stop leading on its own; b takes over only after that.
      a.cut = true;
      while (!eb.leading) {
        if (Date.now() > until + 20_000) throw new Error('b did not take over');
        await sleep(10);
      }
      expect(changes.indexOf('a:false')).toBeGreaterThan(-1);
      expect(changes.indexOf('a:false')).toBeLessThan(changes.indexOf('b:true'));
      expect(server.get()?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
      expect(both).toBe(0);

      // b stops cleanly and releases the Lease: a (reconnected) takes it without waiting a lease duration.
      a.cut = false;
      await eb.stop({ release: true });
      expect(server.get()?.spec?.holderIdentity).toBeUndefined();
      const released = Date.now();
      while (!ea.leading) {
        if (Date.now() > released + 20_000) throw new Error('a did not take the released Lease');
        await sleep(10);
      }
      expect(server.get()?.spec).toMatchObject({ holderIdentity: 'a', leaseTransitions: 2 });
      expect(both).toBe(0);
    } finally {
      clearInterval(sampler);
      await Promise.all([ea.stop(), eb.stop()]);
    }
  }, 60_000);

  it('refuses a renew deadline not shorter than the lease duration', () => {
    const server = leaseServer();
    expect(
      () =>
        new LeaderElector({
          api: server.client().api,
          namespace: 'n',
          name: 'l',
          identity: 'x',
          leaseDurationMs: 1000,
          renewDeadlineMs: 1000,
          retryPeriodMs: 10,
          onChange: () => {},
        }),
    ).toThrow(RangeError);
  });
});
