/**
 * A duration in config files: milliseconds as a number (`250`), or a string of
 * units `h`, `m`, `s`, `ms` in that order (`250ms`, `5s`, `1m30s`, `1.5s`).
 */
const PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
const FACTOR: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const ORDER = ['h', 'm', 's', 'ms'];

export class DurationError extends Error {
  override name = 'DurationError';
}

/** Parses a config duration into whole milliseconds. Throws DurationError. */
export function parseDurationMs(input: unknown): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new DurationError('a duration must be a non-negative number of milliseconds');
    return Math.round(input);
  }
  if (typeof input !== 'string') throw new DurationError(`expected a duration such as 250ms, 5s or 1m30s, got ${input === null ? 'null' : typeof input}`);
  const text = input.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!WHOLE.test(text)) throw new DurationError(`"${input}" is not a duration (use e.g. 250ms, 5s, 1m30s, 2h)`);
  let total = 0;
  let last = -1;
  for (const m of text.matchAll(PART)) {
    const at = ORDER.indexOf(m[2]!);
    if (at <= last) throw new DurationError(`"${input}" is not a duration (units must appear once each, largest first)`);
    last = at;
    total += Number(m[1]) * FACTOR[m[2]!]!;
  }
  return Math.round(total);
}
