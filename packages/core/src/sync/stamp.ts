import { compareHlc } from './hlc.js';
import type { HybridLogicalClock } from './hlc.js';
import { vectorMax, type VersionVector, withDot } from './version-vector.js';
import type { ObjectVersion } from './version.js';

/**
 * A new version written at `origin` after seeing `context`: the HLC first absorbs
 * the context's newest timestamp (unless it is beyond the skew bound), so the new
 * dot is greater than every entry the writer saw.
 */
export function newVersion(hlc: HybridLogicalClock, origin: string, context: VersionVector, extra: Partial<ObjectVersion> = {}): ObjectVersion {
  const seen = vectorMax(context);
  if (seen && !hlc.isAhead(seen)) hlc.receive(seen);
  let h = hlc.now();
  const prev = context[origin];
  if (prev && compareHlc(prev, h) >= 0) h = { l: prev.l, c: prev.c + 1 };
  return { ...extra, hlc: h, origin, vv: withDot(context, origin, h) };
}
