import { describe, expect, it } from 'vitest';
import { isPolycloudError } from '@polycloud/core';
import { sleep } from '@polycloud/core/spi';
import { createFakeClock } from '@polycloud/core/testing';

describe('createFakeClock', () => {
  it('starts at the given instant and moves only on advance()', async () => {
    const clock = createFakeClock(1_000);
    expect(clock.now()).toBe(1_000);
    await clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it('runs due timers in due-time order (ties in scheduling order), each at its due time', async () => {
    const clock = createFakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push('late'), 31);
    await clock.advance(30);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.now()).toBe(30);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('clearTimeout cancels a timer', async () => {
    const clock = createFakeClock(0);
    let fired = false;
    const h = clock.setTimeout(() => (fired = true), 5);
    clock.clearTimeout(h);
    await clock.advance(10);
    expect(fired).toBe(false);
  });

  it('lets promise chains progress between timers (sleep loops advance in one call)', async () => {
    const clock = createFakeClock(0);
    const ticks: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 5; i++) {
        await Promise.resolve();
        await sleep(clock, 100);
        ticks.push(clock.now());
      }
    })();
    await clock.advance(1_000);
    await loop;
    expect(ticks).toEqual([100, 200, 300, 400, 500]);
  });

  it('runAll runs timers scheduled by timers; a self-re-arming timer hits the limit with UNEXPECTED', async () => {
    const clock = createFakeClock(0);
    let count = 0;
    clock.setTimeout(() => clock.setTimeout(() => count++, 50), 50);
    await clock.runAll();
    expect([count, clock.now()]).toEqual([1, 100]);
    const rearm = () => void clock.setTimeout(rearm, 1);
    rearm();
    const error = await clock.runAll(20).catch((e: unknown) => e);
    expect(isPolycloudError(error, 'UNEXPECTED')).toBe(true);
  });

  it('advance() rejects a negative duration with INVALID_ARGUMENT', async () => {
    const error = await createFakeClock()
      .advance(-1)
      .catch((e: unknown) => e);
    expect(isPolycloudError(error, 'INVALID_ARGUMENT')).toBe(true);
  });
});
