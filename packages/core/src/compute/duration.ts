import { parseDurationMs } from '../config/duration.js';

/** Longest job timeout: 14 days (Google Cloud Batch's and AWS Batch's practical ceilings are far below). */
export const MAX_TIMEOUT_SECONDS = 14 * 24 * 3600;

/**
 * A job timeout in the one duration grammar of config files (`90s`, `15m`, `1h30m`,
 * `2h`; see `parseDurationMs`), in whole seconds: sub-second timeouts are refused
 * because no provider enforces them, and a bare number is refused (it used to mean
 * seconds here and milliseconds elsewhere) with a hint to add a unit.
 */
export function parseTimeoutSeconds(input: string | number): number {
  let ms: number;
  try {
    ms = parseDurationMs(input);
  } catch (e) {
    throw new Error((e as Error).message);
  }
  if (ms % 1000 !== 0) throw new Error(`a job timeout is whole seconds ("${String(input)}" is not)`);
  const seconds = ms / 1000;
  if (seconds <= 0) throw new Error('timeout must be greater than 0');
  if (seconds > MAX_TIMEOUT_SECONDS) throw new Error(`timeout exceeds ${MAX_TIMEOUT_SECONDS} seconds (14 days)`);
  return seconds;
}
