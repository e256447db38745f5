/**
 * A job timeout: whole seconds as a number (`3600`) or a duration string of hours,
 * minutes and seconds (`90s`, `15m`, `1h30m`, `2h`). Sub-second units are refused
 * because no provider enforces them.
 */
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Longest job timeout: 14 days (Google Cloud Batch's and AWS Batch's practical ceilings are far below). */
export const MAX_TIMEOUT_SECONDS = 14 * 24 * 3600;

export function parseTimeoutSeconds(input: string | number): number {
  let seconds: number;
  if (typeof input === 'number') {
    if (!Number.isInteger(input)) throw new Error('timeout in seconds must be a whole number');
    seconds = input;
  } else {
    const m = DURATION.exec(input.trim());
    if (!m || input.trim() === '') throw new Error(`"${input}" is not a duration (use seconds, or e.g. 90s, 15m, 1h30m)`);
    seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  }
  if (seconds <= 0) throw new Error('timeout must be greater than 0');
  if (seconds > MAX_TIMEOUT_SECONDS) throw new Error(`timeout exceeds ${MAX_TIMEOUT_SECONDS} seconds (14 days)`);
  return seconds;
}
