import { isDeepStrictEqual } from 'node:util';
import { AssertionError } from 'node:assert';
import { type ErrorCode, isPolycloudError, type PolycloudError } from '@polycloud/core/spi';

/**
 * Assertions of the conformance cases. They throw node's AssertionError (which
 * vitest and every other runner display with a diff), so the cases can also run
 * outside vitest, e.g. through `runStorageConformanceCases`.
 */
export function ok(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError({ message, actual: condition, expected: true, operator: '==' });
}

export function equal<T>(actual: T, expected: T, message: string): void {
  if (!Object.is(actual, expected)) throw new AssertionError({ message, actual, expected, operator: 'strictEqual' });
}

export function deepEqual(actual: unknown, expected: unknown, message: string): void {
  if (!isDeepStrictEqual(actual, expected)) throw new AssertionError({ message, actual, expected, operator: 'deepStrictEqual' });
}

export function bytesEqual(actual: Uint8Array, expected: Uint8Array, message: string): void {
  if (Buffer.compare(Buffer.from(actual), Buffer.from(expected)) !== 0) {
    const show = (b: Uint8Array) => (b.byteLength > 64 ? `<${b.byteLength} bytes>` : Buffer.from(b).toString('hex'));
    throw new AssertionError({ message, actual: show(actual), expected: show(expected), operator: 'bytesEqual' });
  }
}

function notPolycloud(e: unknown, message: string, expected: string): AssertionError {
  const name = (e as { name?: unknown } | null)?.name;
  return new AssertionError({
    message: `${message}: expected a PolycloudError ${expected}, got a ${String(name)} (not a PolycloudError)`,
    actual: e,
    expected,
  });
}

function wrongCode(e: PolycloudError, message: string, wanted: readonly ErrorCode[]): AssertionError {
  return new AssertionError({
    message: `${message}: expected code ${wanted.join(' | ')}, got ${e.code}`,
    actual: e.code,
    expected: wanted.join(' | '),
    operator: 'code',
  });
}

function succeeded(message: string, expected: string): AssertionError {
  return new AssertionError({ message: `${message}: expected a PolycloudError ${expected}, but the call succeeded`, actual: 'success', expected });
}

/**
 * Expects `action` to reject with a PolycloudError whose code is one of `codes`.
 * Anything else — success, a plain Error, another code — fails with what happened.
 */
export async function rejectsWithCode(action: () => Promise<unknown>, codes: ErrorCode | readonly ErrorCode[], message: string): Promise<PolycloudError> {
  const wanted = typeof codes === 'string' ? [codes] : codes;
  const e = await caughtError(action, message, wanted.join(' | '));
  if (!wanted.includes(e.code)) throw wrongCode(e, message, wanted);
  return e;
}

/**
 * The PolycloudError `action` (a promise, or a function returning one) rejects with,
 * whatever its code, for a test to assert on. Success or a rejection with anything
 * but a PolycloudError fails with what happened.
 */
export async function caughtError(action: Promise<unknown> | (() => Promise<unknown>), message = 'the call', expected = '(any code)'): Promise<PolycloudError> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (e) {
    if (!isPolycloudError(e)) throw notPolycloud(e, message, expected);
    return e;
  }
  throw succeeded(message, expected);
}

/**
 * The PolycloudError `fn` throws synchronously (e.g. a factory refusing its options),
 * whatever its code. Returning, or throwing anything but a PolycloudError, fails.
 */
export function thrownError(fn: () => unknown, message = 'the call', expected = '(any code)'): PolycloudError {
  try {
    fn();
  } catch (e) {
    if (!isPolycloudError(e)) throw notPolycloud(e, message, expected);
    return e;
  }
  throw succeeded(message, expected);
}

/** `rejectsWithCode` for a synchronous call: `fn` must throw a PolycloudError with one of `codes`. */
export function throwsWithCode(fn: () => unknown, codes: ErrorCode | readonly ErrorCode[], message: string): PolycloudError {
  const wanted = typeof codes === 'string' ? [codes] : codes;
  const e = thrownError(fn, message, wanted.join(' | '));
  if (!wanted.includes(e.code)) throw wrongCode(e, message, wanted);
  return e;
}
