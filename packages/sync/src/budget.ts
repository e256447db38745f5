import { PolycloudError } from '@polycloud/core/spi';

/**
 * A budget of bytes in flight: a copy of n bytes waits until n bytes are free (an object
 * larger than the whole budget waits for all of it, and then goes alone). Memory held
 * by large-object replication is bounded by bytes, not by a count of transfers; small
 * objects barely touch it, so their concurrency is unchanged.
 */
export class ByteBudget {
  readonly max: number;
  #free: number;
  readonly #waiting: { n: number; resolve: () => void }[] = [];

  constructor(max: number) {
    this.max = max;
    this.#free = max;
  }

  /** Waits for `bytes` (capped at the budget); resolves to the function that gives them back. */
  async acquire(bytes: number, signal?: AbortSignal): Promise<() => void> {
    const n = Math.max(0, Math.min(bytes, this.max));
    if (this.#waiting.length === 0 && this.#free >= n) {
      this.#free -= n;
      return this.#releaser(n);
    }
    if (signal?.aborted) throw new PolycloudError('ABORTED', 'gave up waiting for replication memory budget', { retryable: true, cause: signal.reason });
    await new Promise<void>((resolve, reject) => {
      const w = { n, resolve };
      this.#waiting.push(w);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.#waiting.indexOf(w);
          if (i < 0) return;
          this.#waiting.splice(i, 1);
          this.#pump();
          reject(new PolycloudError('ABORTED', 'gave up waiting for replication memory budget', { retryable: true, cause: signal.reason }));
        },
        { once: true },
      );
    });
    return this.#releaser(n);
  }

  #releaser(n: number): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#free += n;
      this.#pump();
    };
  }

  #pump(): void {
    while (this.#waiting.length && this.#free >= this.#waiting[0]!.n) {
      const w = this.#waiting.shift()!;
      this.#free -= w.n;
      w.resolve();
    }
  }
}
