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

/**
 * Expects `action` to reject with a PolycloudError whose code is one of `codes`.
 * Anything else — success, a plain Error, another code — fails with what happened.
 */
export async function rejectsWithCode(action: () => Promise<unknown>, codes: ErrorCode | readonly ErrorCode[], message: string): Promise<PolycloudError> {
  const wanted = typeof codes === 'string' ? [codes] : codes;
  let result: unknown;
  try {
    result = await action();
  } catch (e) {
    if (!isPolycloudError(e)) {
      const name = (e as { name?: unknown } | null)?.name;
      throw new AssertionError({ message: `${message}: expected a PolycloudError ${wanted.join(' | ')}, got a ${String(name)} (not a PolycloudError)`, actual: e, expected: wanted });
    }
    if (!wanted.includes(e.code)) {
      throw new AssertionError({ message: `${message}: expected code ${wanted.join(' | ')}, got ${e.code}`, actual: e.code, expected: wanted.join(' | '), operator: 'code' });
    }
    return e;
  }
  void result;
  throw new AssertionError({ message: `${message}: expected a PolycloudError ${wanted.join(' | ')}, but the call succeeded`, actual: 'success', expected: wanted.join(' | ') });
}
