import { redact } from '../errors/redact.js';

type LogMethod = (fields: Record<string, unknown>, message: string) => void;

/**
 * A logger: the shape pino and console both satisfy. polycloud calls
 * `logger.warn(fields, message)` — pino's native (object, message) form; console
 * prints the fields and then the message. Silent by default.
 */
export interface Logger {
  debug: LogMethod | ((...args: unknown[]) => void);
  info: LogMethod | ((...args: unknown[]) => void);
  warn: LogMethod | ((...args: unknown[]) => void);
  error: LogMethod | ((...args: unknown[]) => void);
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const noop = () => undefined;

/** The default: logs nothing. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown };
    return { name: e.name, ...(typeof e.code === 'string' ? { code: e.code } : {}), message: redact(e.message) };
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, depth + 1)]));
}

/**
 * Wraps a logger so every message and every string field is redacted (signed URLs,
 * keys, registered secrets) and errors become `{name, code, message}`. Never throws:
 * a failing logger does not fail an operation.
 */
export function createRedactingLogger(logger: Logger | undefined): {
  /** False when nothing would be written (no logger): callers skip building the line. */
  readonly active: boolean;
  log(level: LogLevel, fields: Record<string, unknown>, message: string): void;
} {
  const target = logger ?? silentLogger;
  return {
    active: target !== silentLogger,
    log(level, fields, message) {
      if (target === silentLogger) return;
      try {
        (target[level] as LogMethod).call(target, redactValue(fields) as Record<string, unknown>, redact(message));
      } catch {
        // A logger must never break the SDK.
      }
    },
  };
}
