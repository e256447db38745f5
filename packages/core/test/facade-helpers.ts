import { PolycloudError } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';

type Step = 'ok' | 'hang' | PolycloudError;

/**
 * Wraps an adapter so each call of a method follows a script: `'ok'` passes through,
 * an error is thrown, `'hang'` never settles until the call's signal aborts. Records
 * the calls and the in-flight peak.
 */
export function scripted(inner: StorageAdapter, script: Partial<Record<keyof StorageAdapter, Step[]>> = {}) {
  const calls: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const adapter = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls.push(String(prop));
        const step = script[prop as keyof StorageAdapter]?.shift() ?? 'ok';
        inFlight++;
        peak = Math.max(peak, inFlight);
        try {
          if (step instanceof PolycloudError) throw step;
          if (step === 'hang') {
            const opts = args.find((a) => typeof a === 'object' && a !== null && 'signal' in a) as { signal?: AbortSignal } | undefined;
            await new Promise((_, reject) => opts?.signal?.addEventListener('abort', () => reject(opts.signal!.reason), { once: true }));
          }
          return await value.apply(target, args);
        } finally {
          inFlight--;
        }
      };
    },
  });
  return { adapter, calls, peak: () => peak };
}

export const down = () => new PolycloudError('UNAVAILABLE', 'connect ECONNREFUSED 127.0.0.1:1', { retryable: true });
