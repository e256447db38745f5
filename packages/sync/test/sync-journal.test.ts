import { describe, expect, it } from 'vitest';
import { createAdapterKvStore, createMemoryJournal, createMemoryKvStore, createStoreJournal, type NewJournalEntry } from '../src/index.js';
import { createLease } from '../src/lease.js';
import { createFakeClock, createMemoryStorageAdapter } from '@polycloud/core/testing';

const entry = (key: string): NewJournalEntry => ({ key, op: 'put', version: { hlc: '1.0', origin: 'a', vv: 'a=1.0' }, binding: 'a', at: 0 });

describe('change journal', () => {
  it('memory journal: ordered positions, read after a position, truncate', async () => {
    const j = createMemoryJournal();
    const p = [await j.append(entry('x')), await j.append(entry('y')), await j.append(entry('z'))];
    expect(p).toEqual([1, 2, 3]);
    expect((await j.read(1, 10)).map((e) => e.key)).toEqual(['y', 'z']);
    await j.truncate(2);
    expect((await j.read(0, 10)).map((e) => e.key)).toEqual(['z']);
    expect(await j.last()).toBe(3);
  });

  it('group commit: a burst of 500 appends costs a handful of segment writes, each acked after durability', async () => {
    const adapter = createMemoryStorageAdapter({ buckets: ['b'] });
    const kv = createAdapterKvStore(adapter, 'b', '_pc/');
    const j = createStoreJournal(kv);
    const positions = await Promise.all(Array.from({ length: 500 }, (_, i) => j.append(entry(`k${i}`))));
    expect(new Set(positions).size).toBe(500);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const segments = adapter.inspect('b').filter((o) => o.key.startsWith('_pc/journal/'));
    expect(segments.length).toBeLessThanOrEqual(3);
    expect(j.requests).toBeLessThanOrEqual(5);
    expect((await j.read(0, 1000)).map((e) => e.key)).toEqual(Array.from({ length: 500 }, (_, i) => `k${i}`));
  });

  it('two processes appending at once never overwrite each other (conditional create)', async () => {
    const adapter = createMemoryStorageAdapter({ buckets: ['b'] });
    const p1 = createStoreJournal(createAdapterKvStore(adapter, 'b', '_pc/'));
    const p2 = createStoreJournal(createAdapterKvStore(adapter, 'b', '_pc/'));
    const writes: Promise<number>[] = [];
    for (let i = 0; i < 50; i++) {
      writes.push(p1.append(entry(`one-${i}`)));
      writes.push(p2.append(entry(`two-${i}`)));
      if (i % 10 === 9) await Promise.all(writes);
    }
    await Promise.all(writes);
    const all = await createStoreJournal(createAdapterKvStore(adapter, 'b', '_pc/')).read(0, 1000);
    expect(all).toHaveLength(100);
    expect(new Set(all.map((e) => e.key)).size).toBe(100);
  });

  it('refuses a store without conditional create (UNSUPPORTED) unless single-writer is declared', () => {
    const adapter = createMemoryStorageAdapter({ buckets: ['b'], capabilities: { conditionalWrite: false } });
    const kv = createAdapterKvStore(adapter, 'b', '_pc/');
    expect(() => createStoreJournal(kv)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
    expect(() => createStoreJournal(kv, { allowUnconditional: true })).not.toThrow();
  });

  it('a failed segment write rejects every waiter of that batch (nothing acked that is not durable)', async () => {
    const kv = createMemoryKvStore();
    const failing = { ...kv, put: async () => { throw Object.assign(new Error('down'), { code: 'UNAVAILABLE' }); } };
    const j = createStoreJournal(failing);
    const results = await Promise.allSettled([j.append(entry('a')), j.append(entry('b'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});

describe('lease', () => {
  it('one owner at a time; takeover after expiry bumps the fencing epoch', async () => {
    const clock = createFakeClock();
    const kv = createMemoryKvStore();
    const a = createLease(kv, 'A', clock, 1000);
    const b = createLease(kv, 'B', clock, 1000);
    expect(await a.acquire()).toBe(1);
    expect(await b.acquire()).toBeUndefined();
    expect(await a.acquire()).toBe(1); // renew keeps the epoch
    await clock.advance(1001);
    expect(await b.acquire()).toBe(2);
    expect(await a.acquire()).toBeUndefined();
  });
});
