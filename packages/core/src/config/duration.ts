/**
 * The one duration grammar of config files and DataJobs (docs/decisions.md, "One
 * duration grammar"): a string of numbers with units `h`, `m`, `s`, `ms`, each at
 * most once, largest first (`250ms`, `5s`, `1m30s`, `1.5s`, `2h`). A bare number is
 * refused everywhere — `250` was milliseconds at the top level of a config and
 * seconds in a DataJob's `spec.timeout` — with a hint to add a unit. Keys that name
 * their unit (`interval_ms`, `timeout_ms`) take plain numbers in that unit.
 */
const PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
const FACTOR: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const ORDER = ['h', 'm', 's', 'ms'];
const EXAMPLES = 'e.g. 250ms, 5s, 1m30s, 2h';

/** The grammar as a JSON Schema pattern (units in any order; the parser checks the order), or a `${VAR}` reference. */
export const DURATION_PATTERN = '^(?:(?:\\d+(?:\\.\\d+)?(?:ms|h|m|s))+|.*\\$\\{[^}]+\\}.*)$';

/** What a JSON Schema says of a duration field. */
export const DURATION_JSON_SCHEMA = {
  type: 'string',
  pattern: DURATION_PATTERN,
  description: 'A duration with units h, m, s, ms, largest first: 250ms, 30s, 1m30s, 2h. A bare number is refused.',
  examples: ['250ms', '30s', '1m30s'],
} as const;

export class DurationError extends Error {
  override name = 'DurationError';
}

/** The hint for a bare number: the same number with each unit it might have meant. */
function bareNumber(n: string): DurationError {
  return new DurationError(
    `a duration needs a unit: write "${n}ms" or "${n}s" (${EXAMPLES}); a bare number is refused because it meant milliseconds in some places and seconds in others`,
  );
}

/** Parses a duration into milliseconds (may be fractional below 1ms only via `ms` decimals; rounded). Throws DurationError. */
export function parseDurationMs(input: unknown): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new DurationError(`expected a duration with a unit (${EXAMPLES})`);
    throw bareNumber(String(input));
  }
  if (typeof input !== 'string') throw new DurationError(`expected a duration such as 250ms, 5s or 1m30s, got ${input === null ? 'null' : typeof input}`);
  const text = input.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) throw bareNumber(text);
  if (!WHOLE.test(text)) throw new DurationError(`"${input}" is not a duration (use ${EXAMPLES})`);
  let total = 0;
  let last = -1;
  for (const m of text.matchAll(PART)) {
    const at = ORDER.indexOf(m[2]!);
    if (at <= last) throw new DurationError(`"${input}" is not a duration (units must appear once each, largest first)`);
    last = at;
    total += Number(m[1]) * FACTOR[m[2]!]!;
  }
  if (!Number.isFinite(total)) throw new DurationError(`"${input}" is too long`);
  return Math.round(total);
}
