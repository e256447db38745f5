import { unitHash } from './hash.js';
import type { Table } from './table.js';

/**
 * Weighted rendezvous hashing: argmax_c −E_c / ln(u_c), u_c = h(key ‖ c) ∈ (0, 1),
 * computed as argmin −ln(u_c) · (1/E_c). Each binding gets exactly its weight share
 * of keys; removing one moves only its keys. Ties keep the earlier entry of the pick
 * list, which is ordered (weight desc, priority asc, id asc).
 * `dynamic` (optional) multiplies each weight by a live factor.
 */
export function rendezvous(table: Table, lanes: Uint32Array, k0: number, k1: number, dynamic?: (c: number) => number): number {
  const pick = table.pick;
  const inv = table.pickInv;
  let best = -1;
  let bestScore = Infinity;
  for (let i = 0; i < pick.length; i++) {
    const c = pick[i]!;
    const u = unitHash(k0, k1, lanes[2 * c]!, lanes[2 * c + 1]!);
    let score = -Math.log(u) * inv[i]!;
    if (dynamic) score /= dynamic(c);
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}

function sample(table: Table, r: number): number {
  const cum = table.pickCum;
  const target = r * table.pickTotal;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Weighted power of two choices: draw two distinct bindings with probability ∝
 * effective weight, keep the one whose live load factor (latency × in-flight,
 * errors) is better; on a tie the first draw wins, so with equal load each binding
 * gets its weight share.
 */
export function powerOfTwo(table: Table, random: () => number, dynamic: (c: number) => number): number {
  const n = table.pick.length;
  if (n === 1) return table.pick[0]!;
  const i = sample(table, random());
  let j = sample(table, random());
  if (j === i) j = (i + 1 + Math.floor(random() * (n - 1))) % n;
  const a = table.pick[i]!;
  const b = table.pick[j]!;
  return dynamic(b) > dynamic(a) ? b : a;
}

/**
 * Primary: the first usable binding in priority order. A binding in slow start takes
 * only the share `ramp` of keys (stable by key hash `frac` ∈ [0, 1)); the rest go on.
 */
export function primaryPick(table: Table, frac: number): number {
  const list = table.primary;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    const r = table.ramp[c]!;
    if (r >= 1 || frac < r) return c;
  }
  return list[0]!;
}
