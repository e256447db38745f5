import { unitHash } from './hash.js';
import type { LoadModel } from './dynamic.js';
import type { BindingHealth } from './health.js';
import type { Prng } from './prng.js';
import type { Table } from './doc-state.js';

/**
 * Weighted rendezvous hashing: argmax_c −E_c / ln(u_c), u_c = h(key ‖ c) ∈ (0, 1),
 * computed as argmin −ln(u_c) · (1/E_c). Each binding gets exactly its weight share
 * of keys; removing one moves only its keys. The pick list is ordered (weight desc,
 * priority asc, id asc) and a tie keeps the earlier entry. Since −ln(u) ≥ 1 − u, a
 * candidate whose bound (1 − u)/E already loses skips the logarithm.
 * `factor` (optional, per canonical index) multiplies each weight by a live factor.
 */
export function rendezvous(table: Table, lanes: Int32Array, k0: number, k1: number, factor?: Float64Array): number {
  const pick = table.pick;
  const inv = table.pickInv;
  let best = -1;
  let bestScore = Infinity;
  for (let i = 0; i < pick.length; i++) {
    const c = pick[i]!;
    const u = unitHash(k0, k1, lanes[2 * c]!, lanes[2 * c + 1]!);
    const w = factor === undefined ? inv[i]! : inv[i]! / factor[c]!;
    if ((1 - u) * w >= bestScore) continue;
    const score = -Math.log(u) * w;
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
 * errors) is better; on a tie the first draw wins, so at equal load each binding
 * gets its weight share.
 */
export function powerOfTwo(table: Table, prng: Prng, load: LoadModel, hs: BindingHealth[], now: number): number {
  const n = table.pick.length;
  if (n === 1) return table.pick[0]!;
  const i = sample(table, prng.next());
  let j = sample(table, prng.next());
  if (j === i) j = (i + 1 + Math.floor(prng.next() * (n - 1))) % n;
  const a = table.pick[i]!;
  const b = table.pick[j]!;
  return load.factor(hs[b]!, now) > load.factor(hs[a]!, now) ? b : a;
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
