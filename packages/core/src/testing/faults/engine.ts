import { type Clock, type ErrorCode, parseWithSchema, PolycloudError, seededRandom, sleep, systemClock } from '@polycloud/core/spi';
import { type FaultInjectionOptions, FaultInjectionOptionsSchema, FaultRatesSchema, type ParsedFaultOptions } from './options.js';

type Rates = ParsedFaultOptions['errorRate'];

/** What the injector did so far, per operation name. */
export interface FaultStats {
  /** Calls made to the wrapper. */
  calls: Record<string, number>;
  /** Calls that reached the inner adapter. */
  passedThrough: Record<string, number>;
  /** Injected errors (errorRate, failNext), per operation. */
  errors: Record<string, number>;
  timeouts: Record<string, number>;
  lostResponses: Record<string, number>;
  /** Calls refused because of an outage. */
  outageRejections: Record<string, number>;
}

/** Run-time controls every fault-injecting wrapper has. */
export interface FaultControls<Op extends string = string> {
  /** `true`: every call fails at once with UNAVAILABLE (retryable), like a refused connection. */
  outage(on: boolean): void;
  isOutage(): boolean;
  setErrorRate(rate: number | Partial<Record<Op, number>>): void;
  setTimeoutRate(rate: number | Partial<Record<Op, number>>): void;
  setLatency(latencyMs: number | { min: number; max: number }): void;
  /** The next `count` calls (of `operations`, default any) fail with `code` (default the errorCode). */
  failNext(count: number, code?: ErrorCode, operations?: Op[]): void;
  stats(): FaultStats;
  resetStats(): void;
}

const emptyStats = (): FaultStats => ({ calls: {}, passedThrough: {}, errors: {}, timeouts: {}, lostResponses: {}, outageRejections: {} });
const bump = (m: Record<string, number>, op: string) => void (m[op] = (m[op] ?? 0) + 1);
const checkRate = (rate: unknown, name: string): Rates => {
  const parsed = FaultRatesSchema.safeParse(rate);
  if (!parsed.success)
    throw new PolycloudError('INVALID_ARGUMENT', `${name} needs a rate in [0, 1] or a map of operation → rate`, {
      context: { path: [name] },
      retryable: false,
    });
  return parsed.data;
};
const rateOf = (r: Rates, op: string) => (typeof r === 'number' ? r : (r[op] ?? 0));

/** The shared core of the fault injectors: decides, per call, what goes wrong. */
export interface FaultEngine<Op extends string> extends FaultControls<Op> {
  run<T>(op: Op, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T>;
}

export function createFaultEngine<Op extends string>(provider: string, options: FaultInjectionOptions<Op>): FaultEngine<Op> {
  let o = parseWithSchema(FaultInjectionOptionsSchema, options, 'invalid fault injection options');
  const clock: Clock = o.clock ?? systemClock;
  const random = seededRandom(o.seed);
  let down = false;
  let forced: { count: number; code: ErrorCode; ops?: Op[] } | undefined;
  let stats = emptyStats();

  const fail = (code: ErrorCode, op: string, why: string, retryable?: boolean) =>
    new PolycloudError(code, `${why} (injected on ${op})`, {
      context: { provider, operation: op, injected: true },
      ...(retryable === undefined ? {} : { retryable }),
    });

  const wait = async (ms: number, op: string, signal?: AbortSignal) => {
    try {
      await sleep(clock, ms, signal);
    } catch (cause) {
      throw new PolycloudError('ABORTED', `${op} was aborted (injected delay)`, {
        cause,
        context: { provider, operation: op, injected: true },
        retryable: false,
      });
    }
  };

  return {
    async run(op, signal, call) {
      bump(stats.calls, op);
      // Always four draws per call, so one rate's value never shifts another's sequence.
      const [rError, rTimeout, rLost, rLatency] = [random(), random(), random(), random()];
      if (down) {
        bump(stats.outageRejections, op);
        throw fail('UNAVAILABLE', op, 'connection refused: provider outage', true);
      }
      if (forced && forced.count > 0 && (!forced.ops || forced.ops.includes(op))) {
        forced.count--;
        bump(stats.errors, op);
        throw fail(forced.code, op, `forced ${forced.code}`, o.retryable);
      }
      const lat = o.latencyMs;
      const latency = typeof lat === 'number' ? lat : lat.min + (lat.max - lat.min) * rLatency;
      if (latency > 0) await wait(latency, op, signal);
      if (rError < rateOf(o.errorRate, op)) {
        bump(stats.errors, op);
        throw fail(o.errorCode, op, `injected ${o.errorCode}`, o.retryable);
      }
      if (rTimeout < rateOf(o.timeoutRate, op)) {
        bump(stats.timeouts, op);
        await wait(o.timeoutMs, op, signal);
        throw fail('TIMEOUT', op, `no answer within ${o.timeoutMs} ms`, true);
      }
      bump(stats.passedThrough, op);
      const result = await call();
      if (rLost < rateOf(o.lostResponseRate, op)) {
        bump(stats.lostResponses, op);
        throw fail('UNAVAILABLE', op, 'connection reset after the request was sent', true);
      }
      return result;
    },
    outage(on) {
      down = on;
    },
    isOutage: () => down,
    setErrorRate(rate) {
      o = { ...o, errorRate: checkRate(rate, 'errorRate') };
    },
    setTimeoutRate(rate) {
      o = { ...o, timeoutRate: checkRate(rate, 'timeoutRate') };
    },
    setLatency(latencyMs) {
      o = { ...o, latencyMs };
    },
    failNext(count, code = o.errorCode, operations) {
      forced = { count, code, ...(operations ? { ops: operations } : {}) };
    },
    stats: () => structuredClone(stats),
    resetStats() {
      stats = emptyStats();
    },
  };
}
