import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareHlc, decodeHlc, encodeHlc, HybridLogicalClock } from '../src/sync/hlc.js';
import { conflictKey, maximalVersions, resolveVersions } from '../src/sync/resolver.js';
import { compareVectors, decodeVector, encodeVector, joinVectors } from '../src/sync/version-vector.js';
import { type ObjectVersion, versionFromMetadata, versionMetadata } from '../src/sync/version.js';
import { hashBody, sha256 } from '../src/sync/content-hash.js';
import { Readable } from 'node:stream';
import { readAll } from '../src/storage/body.js';

describe('hybrid logical clock', () => {
  it('is monotonic when physical time stands still or goes back', () => {
    let pt = 1000;
    const clock = new HybridLogicalClock(() => pt);
    const a = clock.now();
    const b = clock.now();
    pt = 900;
    const c = clock.now();
    expect(compareHlc(a, b)).toBe(-1);
    expect(compareHlc(b, c)).toBe(-1);
    expect(c).toEqual({ l: 1000, c: 2 });
  });

  it('receive follows the Kulkarni rules', () => {
    let pt = 10;
    const clock = new HybridLogicalClock(() => pt);
    expect(clock.receive({ l: 20, c: 3 })).toEqual({ l: 20, c: 4 }); // only l' = l_m
    expect(clock.receive({ l: 20, c: 7 })).toEqual({ l: 20, c: 8 }); // l' = l = l_m
    expect(clock.receive({ l: 5, c: 9 })).toEqual({ l: 20, c: 9 }); // only l' = l
    pt = 30;
    expect(clock.receive({ l: 25, c: 1 })).toEqual({ l: 30, c: 0 }); // physical wins
  });

  it('a received event is ordered after the sent one (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 50 })), { minLength: 1, maxLength: 60 }), (steps) => {
        let p1 = 100;
        let p2 = 100;
        const a = new HybridLogicalClock(() => p1);
        const b = new HybridLogicalClock(() => p2);
        for (const [dir, dt] of steps) {
          p1 += dt % 7;
          p2 += dt % 5;
          const [from, to] = dir ? [a, b] : [b, a];
          const sent = from.now();
          const got = to.receive(sent);
          if (compareHlc(sent, got) >= 0) return false;
        }
        return true;
      }),
      { seed: 42 },
    );
  });

  it('refuses a timestamp beyond the skew bound with CONFLICT', () => {
    const clock = new HybridLogicalClock(() => 1000, 100);
    expect(clock.isAhead({ l: 1101, c: 0 })).toBe(true);
    expect(() => clock.receive({ l: 5000, c: 0 })).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(clock.peek()).toEqual({ l: 0, c: 0 });
  });

  it('encodes compactly and round-trips', () => {
    const h = { l: 1_763_700_000_000, c: 17 };
    expect(encodeHlc(h)).toMatch(/^[0-9a-z]+\.[0-9a-z]+$/);
    expect(decodeHlc(encodeHlc(h))).toEqual(h);
    expect(() => decodeHlc('nope')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('version vectors', () => {
  const h = (l: number, c = 0) => ({ l, c });
  it('compares causally', () => {
    expect(compareVectors({ a: h(1) }, { a: h(1) })).toBe('equal');
    expect(compareVectors({ a: h(1) }, { a: h(2) })).toBe('before');
    expect(compareVectors({ a: h(2), b: h(1) }, { a: h(2) })).toBe('after');
    expect(compareVectors({ a: h(2) }, { b: h(1) })).toBe('concurrent');
    expect(compareVectors({}, { b: h(1) })).toBe('before');
  });
  it('join dominates both inputs, encode round-trips', () => {
    const x = { aws: h(5, 1), 'gcs.eu': h(3) };
    const y = { aws: h(4), az: h(9) };
    const j = joinVectors(x, y);
    expect(compareVectors(j, x)).toBe('after');
    expect(compareVectors(j, y)).toBe('after');
    expect(decodeVector(encodeVector(j))).toEqual(j);
    expect(encodeVector(j)).toMatch(/^[\x20-\x7e]*$/);
  });
});

const v = (origin: string, l: number, vv: Record<string, number>, extra: Partial<ObjectVersion> = {}): ObjectVersion => ({
  hlc: { l, c: 0 },
  origin,
  vv: Object.fromEntries(Object.entries(vv).map(([k, x]) => [k, { l: x, c: 0 }])),
  ...extra,
});

describe('version metadata', () => {
  it('round-trips through pc_* metadata with ASCII values', () => {
    const ver = v('aws', 100, { aws: 100, gcs: 50 }, { hash: sha256(Buffer.from('x')), residency: 'eu,ch', classification: 'pii' });
    const md = versionMetadata(ver);
    expect(Object.keys(md).every((k) => k.startsWith('pc_'))).toBe(true);
    expect(Object.values(md).every((x) => /^[\x20-\x7e]*$/.test(x))).toBe(true);
    expect(versionFromMetadata({ ...md, other: 'y' })).toEqual(ver);
    expect(versionFromMetadata({ other: 'y' })).toBeUndefined();
  });

  it('hashes a stream while it flows, equal to hashing the bytes', async () => {
    const data = Buffer.alloc(300_000, 7);
    const hb = hashBody(Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
    expect(hb.digest()).toBeUndefined();
    const out = await readAll(hb.body as Readable);
    expect(out.equals(data)).toBe(true);
    expect(hb.digest()).toBe(sha256(data));
  });
});

describe('conflict resolver', () => {
  const base = { deleteWins: false } as const;
  it('a causally later version wins without conflict', () => {
    const r = resolveVersions([v('a', 1, { a: 1 }), v('b', 2, { a: 1, b: 2 })], { ...base, conflict: 'lww' });
    expect(r.conflict).toBe(false);
    expect(r.winner.origin).toBe('b');
  });

  it('lww: highest HLC, ties by origin id, same winner in any order, the input unchanged', () => {
    const x = v('a', 5, { a: 5 });
    const y = v('b', 5, { b: 5 });
    const r1 = resolveVersions([x, y], { ...base, conflict: 'lww' });
    const r2 = resolveVersions([y, x], { ...base, conflict: 'lww' });
    expect(r1.winner).toEqual(r2.winner);
    expect(r1.winner.origin).toBe('b');
    expect(r1.conflict).toBe(true);
    expect(r1.winner).toBe(y);
  });

  it('priority: the first listed binding wins even with an older HLC', () => {
    const r = resolveVersions([v('a', 9, { a: 9 }), v('b', 5, { b: 5 })], { ...base, conflict: 'priority', priority: ['b', 'a'] });
    expect(r.winner.origin).toBe('b');
    expect(r.losers.map((l) => l.origin)).toEqual(['a']);
  });

  it('keep-both: reports the loser, conflict key names origin and HLC', () => {
    const loser = v('a', 3, { a: 3 });
    const r = resolveVersions([loser, v('b', 5, { b: 5 })], { ...base, conflict: 'keep-both' });
    expect(r.losers).toEqual([loser]);
    expect(conflictKey('docs/x.txt', loser)).toBe('docs/x.txt.conflict-a-3.0');
  });

  it('update beats a concurrent delete by default; delete_wins flips it', () => {
    const upd = v('a', 3, { a: 3 });
    const del = v('b', 9, { b: 9 }, { deleted: true });
    expect(resolveVersions([upd, del], { ...base, conflict: 'lww' }).winner.deleted).toBeUndefined();
    expect(resolveVersions([upd, del], { conflict: 'lww', deleteWins: true }).winner.deleted).toBe(true);
  });

  it('a delete that saw the update wins without conflict', () => {
    const r = resolveVersions([v('a', 3, { a: 3 }), v('b', 9, { a: 3, b: 9 }, { deleted: true })], { ...base, conflict: 'lww' });
    expect(r).toMatchObject({ conflict: false, winner: { deleted: true } });
  });

  it('custom: hands the concurrent versions to the merge function', () => {
    const r = resolveVersions([v('a', 3, { a: 3 }), v('b', 4, { b: 4 })], { ...base, conflict: 'custom' });
    expect(r.needsMerge).toHaveLength(2);
  });

  it('maximalVersions drops duplicates and dominated versions', () => {
    const x = v('a', 1, { a: 1 });
    expect(maximalVersions([x, { ...x }, v('a', 2, { a: 2 })]).map((m) => m.hlc.l)).toEqual([2]);
  });
});
