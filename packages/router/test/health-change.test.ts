import { PolycloudError } from '@polycloud/core';
import { describe, expect, it } from 'vitest';
import { bucket, harness } from './helpers.js';

const down = () => new PolycloudError('UNAVAILABLE', 'connection refused', { retryable: true });
const primaryStandby = [
  { cloud: 'aws', physical_id: 'a', region: 'eu-west-1' },
  { cloud: 'azure', physical_id: 'z', region: 'westeurope', role: 'standby' },
];

describe("onHealthChange (core's channel for health cuts)", () => {
  it('tells its listeners of every health change before the public health event, until unsubscribed', async () => {
    const h = harness(bucket(primaryStandby, { strategy: 'primary' }), { slowStart: { windowMs: 0 } });
    const seen: string[] = [];
    const unsubscribe = h.router.onHealthChange!((change) => {
      seen.push(`${change.binding}:${String(change['state'])}:${change.healthy}`);
      // the public event is emitted after the listener ran
      expect(h.events.filter((e) => e.event === 'health')).toHaveLength(seen.length - 1);
    });
    const eject = () => {
      for (let i = 0; i < 3; i++) {
        h.router.onStart?.('lb-1', 'aws');
        h.router.report('lb-1', 'aws', { ok: false, latencyMs: 3, error: down() });
      }
    };
    eject();
    expect(seen).toEqual(['aws:ejected:false']);
    unsubscribe();
    await h.clock.advance(1000);
    h.router.route({ resource: h.doc, operation: 'write', key: 'k', tags: {} }); // restored
    expect(seen).toEqual(['aws:ejected:false']);
    expect(h.events.filter((e) => e.event === 'health').map((e) => (e.payload as { state: string }).state)).toEqual(['ejected', 'restored']);
  });
});
