import { type ErrorCode, type ErrorContext, PolycloudError } from '@polycloud/core/spi';

/** A PolycloudError as the memory adapters throw it (provider `memory`). */
export function memoryError(code: ErrorCode, message: string, context: ErrorContext = {}, retryable?: boolean): PolycloudError {
  return new PolycloudError(code, message, {
    context: { provider: 'memory', ...context },
    ...(retryable === undefined ? {} : { retryable }),
  });
}

/** Throws the signal's abort reason as ABORTED when it has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, context: ErrorContext = {}): void {
  if (signal?.aborted) {
    throw new PolycloudError('ABORTED', 'the operation was aborted', { cause: signal.reason, context: { provider: 'memory', ...context }, retryable: false });
  }
}
