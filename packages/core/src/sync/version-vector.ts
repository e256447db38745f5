import { PolycloudError } from '../errors/polycloud-error.js';
import { compareHlc, decodeHlc, encodeHlc, type Hlc, maxHlc } from './hlc.js';

/**
 * A version vector keyed by origin binding, whose entries are the HLC of the latest
 * write from that origin the version includes (see docs/decisions.md, "Sync engine and conflicts", for why
 * HLC-valued entries instead of counters). A missing entry is "nothing seen".
 */
export type VersionVector = Readonly<Record<string, Hlc>>;

/** How two versions relate causally. */
export type Causality = 'equal' | 'before' | 'after' | 'concurrent';

/** `before`: every write `a` includes, `b` includes too, and `b` has more. */
export function compareVectors(a: VersionVector, b: VersionVector): Causality {
  let aAhead = false;
  let bAhead = false;
  for (const origin of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[origin];
    const y = b[origin];
    const c = x && y ? compareHlc(x, y) : x ? 1 : -1;
    if (c > 0) aAhead = true;
    else if (c < 0) bAhead = true;
    if (aAhead && bAhead) return 'concurrent';
  }
  return aAhead ? 'after' : bAhead ? 'before' : 'equal';
}

/** True if `a` includes every write `b` includes. */
export function dominates(a: VersionVector, b: VersionVector): boolean {
  const c = compareVectors(a, b);
  return c === 'after' || c === 'equal';
}

/** Pointwise maximum: the smallest vector including both. */
export function joinVectors(...vectors: VersionVector[]): VersionVector {
  const out: Record<string, Hlc> = {};
  for (const v of vectors) for (const [o, h] of Object.entries(v)) out[o] = out[o] ? maxHlc(out[o], h) : h;
  return out;
}

/** The vector with one more write (dot) from `origin` at `hlc`. */
export function withDot(v: VersionVector, origin: string, hlc: Hlc): VersionVector {
  return { ...v, [origin]: hlc };
}

/** `origin=hlc` pairs sorted by origin, comma-separated (ASCII, deterministic). */
export function encodeVector(v: VersionVector): string {
  return Object.keys(v)
    .sort()
    .map((o) => `${o}=${encodeHlc(v[o]!)}`)
    .join(',');
}

export function decodeVector(text: string): VersionVector {
  const out: Record<string, Hlc> = {};
  if (text === '') return out;
  for (const part of text.split(',')) {
    const i = part.lastIndexOf('=');
    if (i <= 0) throw new PolycloudError('INVALID_ARGUMENT', `malformed version vector entry "${part.slice(0, 60)}"`, { retryable: false });
    out[part.slice(0, i)] = decodeHlc(part.slice(i + 1));
  }
  return out;
}

/** The largest HLC in a vector (what a writer must exceed). */
export function vectorMax(v: VersionVector): Hlc | undefined {
  let m: Hlc | undefined;
  for (const h of Object.values(v)) m = m ? maxHlc(m, h) : h;
  return m;
}
