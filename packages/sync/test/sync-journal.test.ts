import EventEmitter from 'eventemitter3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PolycloudEvents } from '@polycloud/core';
import { createFakeClock, createMemoryStorageAdapter } from '@polycloud/core/testing';
import { compareUtf8, createAdapterKvStore, createMemoryKvStore, enforcesConditions, type JournalEntry, type KvStore } from '../src/index.js';
import { JournalWriter, listSegments, readSegment, SEGMENTS } from '../src/journal.js';
import { createLease } from '../src/lease.js';
import { Membership, ownerOf } from '../src/membership.js';
import { ChunkCache, CHUNK_KEYS, PartitionState } from '../src/state.js';

const entry = (key: string): JournalEntry => ({ key, op: 'put', version: { hlc: '1.0', origin: 'a', vv: 'a=1.0' }, binding: 'a', at: 0 });

describe('change journal', () => {
  it('group commit: a burst of 500 appends costs one segment write, each acked after durability', async () => {
    const adapter = createMemoryStorageAdapter({ buckets: ['b'] });
    const kv = createAdapterKvStore(adapter, 'b', '_pc/');
    const j = new JournalWriter(kv, 'w1', createFakeClock());
    await Promise.all(Array.from({ length: 500 }, (_, i) => j.append(entry(`k${i}`))));
    expect(adapter.inspect('b').filter((o) => o.key.startsWith('_pc/journal/'))).toHaveLength(1);
    expect(j.requests).toBe(1);
    const [name] = await listSegments(kv);
    expect((await readSegment(kv, name!))!.entries.map((e) => e.key)).toEqual(Array.from({ length: 500 }, (_, i) => `k${i}`));
  });

  it('two processes appending at once never overwrite each other, even on a store that ignores conditions', async () => {
    const adapter = createMemoryStorageAdapter({ buckets: ['b'], capabilities: { conditionalWrite: false } });
    const clock = createFakeClock();
    const p1 = new JournalWriter(createAdapterKvStore(adapter, 'b', '_pc/'), 'one', clock);
    const p2 = new JournalWriter(createAdapterKvStore(adapter, 'b', '_pc/'), 'two', clock);
    for (let i = 0; i < 50; i++) await Promise.all([p1.append(entry(`one-${i}`)), p2.append(entry(`two-${i}`))]);
    const kv = createAdapterKvStore(adapter, 'b', '_pc/');
    const keys: string[] = [];
    for (const s of await listSegments(kv)) keys.push(...(await readSegment(kv, s))!.entries.map((e) => e.key));
    expect(keys).toHaveLength(100);
    expect(new Set(keys).size).toBe(100);
  });

  it('a failed segment write rejects every waiter of that batch (nothing acked that is not durable)', async () => {
    const kv = createMemoryKvStore();
    const failing: KvStore = { ...kv, put: async () => Promise.reject(Object.assign(new Error('down'), { code: 'UNAVAILABLE' })) };
    const j = new JournalWriter(failing, 'w', createFakeClock());
    const results = await Promise.allSettled([j.append(entry('a')), j.append(entry('b'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('a waiter whose signal aborts is released at once; the segment is still written for the others', async () => {
    const kv = createMemoryKvStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: KvStore = { ...kv, put: async (...args) => (await gate, kv.put(...args)) };
    const j = new JournalWriter(slow, 'w', createFakeClock());
    const cut = new AbortController();
    const first = j.append(entry('a'), cut.signal);
    const second = j.append(entry('b'));
    await new Promise((r) => setImmediate(r)); // the segment write is under way
    cut.abort();
    await expect(first).rejects.toMatchObject({ code: 'ABORTED' });
    release();
    await second;
    const [name] = await listSegments(kv);
    expect((await readSegment(kv, name!))!.entries.map((e) => e.key)).toEqual(['a', 'b']);
  });

  it('a segment with garbage or forged lines yields its valid entries and counts the rest, never a raw SyntaxError', async () => {
    const kv = createMemoryKvStore();
    await kv.put(`${SEGMENTS}0000000000001-x-000001`, `${JSON.stringify(entry('ok'))}\n{not json\n{"key":"k","op":"put"}\n[1,2]`);
    await kv.put(`${SEGMENTS}not-a-segment`, 'whatever');
    expect(await listSegments(kv)).toEqual(['0000000000001-x-000001']);
    const got = await readSegment(kv, '0000000000001-x-000001');
    expect(got!.entries.map((e) => e.key)).toEqual(['ok']);
    expect(got!.bad).toBe(3);
  });
});

describe('conditional-write self-test', () => {
  it('passes on a store that enforces conditions, fails on one that ignores them (whatever it declares)', async () => {
    expect(await enforcesConditions(createMemoryKvStore())).toBe(true);
    const honest = createMemoryStorageAdapter({ buckets: ['b'] });
    expect(await enforcesConditions(createAdapterKvStore(honest, 'b', '_pc/'))).toBe(true);
    const liar = createMemoryStorageAdapter({ buckets: ['b'] });
    const ignoring = {
      ...liar,
      put: (b: string, k: string, body: Parameters<typeof liar.put>[2], o: Parameters<typeof liar.put>[3] = {}) =>
        liar.put(b, k, body, { ...o, ifMatch: undefined, ifNoneMatch: undefined } as never),
    };
    expect(ignoring.capabilities.conditionalWrite).toBe(true);
    expect(await enforcesConditions(createAdapterKvStore(ignoring, 'b', '_pc/'))).toBe(false);
    expect(liar.inspect('b')).toEqual([]); // the probe object is removed
  });
});

describe('lease and membership', () => {
  it('one owner at a time; takeover after expiry bumps the fencing epoch', async () => {
    const clock = createFakeClock();
    const kv = createMemoryKvStore();
    const a = createLease(kv, 'lease', 'A', clock, 1000);
    const b = createLease(kv, 'lease', 'B', clock, 1000);
    expect(await a.acquire()).toBe(1);
    expect(await b.acquire()).toBeUndefined();
    expect(await a.acquire()).toBe(1); // renew keeps the epoch
    await clock.advance(1001);
    expect(await b.acquire()).toBe(2);
    expect(await a.acquire()).toBeUndefined();
  });

  it('a forged or corrupt lease document is taken over, not obeyed', async () => {
    const clock = createFakeClock();
    const kv = createMemoryKvStore();
    await kv.put('lease', JSON.stringify({ owner: 'x', epoch: 1e9, expiresAt: 9e15 }));
    expect(await createLease(kv, 'lease', 'A', clock, 1000).acquire()).toBe(1e9 + 1);
    await kv.put('lease2', '{garbage');
    expect(await createLease(kv, 'lease2', 'A', clock, 1000).acquire()).toBe(1);
  });

  it('partitions are shared by rendezvous hashing: every member computes the same split, a newcomer takes only its share', async () => {
    const members = ['p1', 'p2', 'p3'];
    const split = Array.from({ length: 64 }, (_, p) => ownerOf(p, members));
    for (const m of members) expect(split.filter((o) => o === m).length).toBeGreaterThan(10);
    const withFourth = Array.from({ length: 64 }, (_, p) => ownerOf(p, [...members, 'p4']));
    const moved = split.filter((o, p) => withFourth[p] !== o);
    expect(moved.length).toBe(withFourth.filter((o) => o === 'p4').length); // only p4's share moved
    const clock = createFakeClock();
    const kv = createMemoryKvStore();
    const a = new Membership(kv, 'p1', clock, 1000);
    const b = new Membership(kv, 'p2', clock, 1000);
    await a.refresh();
    await b.refresh();
    expect(await a.refresh(undefined, true)).toEqual(['p1', 'p2']);
    expect([...a.assigned(16), ...b.assigned(16)].sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    await clock.advance(1500); // b stops renewing
    await a.refresh(undefined, true);
    expect(a.assigned(16)).toHaveLength(16);
  });
});

describe('partition state', () => {
  const events = new EventEmitter<PolycloudEvents>();

  it('a round writes one delta (O(changes)); lookups and a sorted scan see chunks and deltas merged; compaction rewrites only overlapped chunks', async () => {
    const kv = createMemoryKvStore();
    const writes: string[] = [];
    const counting: KvStore = { ...kv, put: (k, ...rest) => (writes.push(k), kv.put(k, ...rest)) };
    const s = new PartitionState(counting, 0, new ChunkCache(8 << 20), events, 'lb');
    await s.load();
    const n = CHUNK_KEYS * 3;
    for (let i = 0; i < n; i++) s.set(`k${String(i).padStart(6, '0')}`, { vv: 'a=1.0', tokens: { a: String(i) } });
    await s.commit(1, {});
    expect(s.head.chunks.length).toBeGreaterThanOrEqual(3);
    writes.length = 0;
    s.set('k000005', { vv: 'a=2.0', tokens: { a: 'new' } });
    s.set('k000007', null);
    await s.commit(1, { a: { w1: 7 } });
    expect(writes).toHaveLength(2); // one delta, the head
    expect((await s.get('k000005'))?.tokens['a']).toBe('new');
    expect(await s.get('k000007')).toBeUndefined();
    const fresh = new PartitionState(counting, 0, new ChunkCache(1 << 20), events, 'lb');
    await fresh.load();
    expect(fresh.head.checkpoints).toEqual({ a: { w1: 7 } });
    const keys: string[] = [];
    for await (const [k] of fresh.entries()) keys.push(k);
    expect(keys).toHaveLength(n - 1);
    expect([...keys].sort(compareUtf8)).toEqual(keys);
    writes.length = 0;
    await fresh.compact(2);
    expect(fresh.head.deltas).toEqual([]);
    expect(writes.filter((w) => w.includes('/c/'))).toHaveLength(1); // only the chunk holding k000005/k000007
    expect((await fresh.get('k000005'))?.tokens['a']).toBe('new');
  });

  it('a stale writer is fenced off (CONFLICT) once another process wrote the head', async () => {
    const kv = createMemoryKvStore();
    const a = new PartitionState(kv, 3, new ChunkCache(1 << 20), events, 'lb');
    const b = new PartitionState(kv, 3, new ChunkCache(1 << 20), events, 'lb');
    await a.load();
    await b.load();
    a.set('x', { vv: '', tokens: { a: '1' } });
    await a.commit(1, {});
    b.set('x', { vv: '', tokens: { a: '2' } });
    await expect(b.commit(2, {})).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('a corrupt head is reported with its key and replaced by an empty state, never a raw SyntaxError', async () => {
    const kv = createMemoryKvStore();
    await kv.put('p/0001/head', '{"v":2,"epoch":"x"');
    const seen: unknown[] = [];
    const ev = new EventEmitter<PolycloudEvents>();
    ev.on('error', (e) => seen.push(e));
    const s = new PartitionState(kv, 1, new ChunkCache(1 << 20), ev, 'lb');
    await s.load();
    expect(s.head.chunks).toEqual([]);
    expect(JSON.stringify(seen)).toContain('p/0001/head');
  });
});

describe('UTF-8 key order', () => {
  it('compareUtf8 orders strings as their UTF-8 bytes (not UTF-16 code units)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const c = Buffer.compare(Buffer.from(a), Buffer.from(b));
        expect(Math.sign(compareUtf8(a, b))).toBe(Math.sign(c));
      }),
      { seed: 42, numRuns: 2000 },
    );
    expect(compareUtf8('\u{1F600}', '\uFFFD')).toBeGreaterThan(0); // UTF-16 order says the opposite
  });
});
