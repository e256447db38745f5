/**
 * The concurrency slots of one binding: at most `max` calls out at once; the rest
 * wait in arrival order. Taking a free slot is synchronous (no promise), since it
 * happens on every call; a released slot passes straight to the next waiter.
 */
export class ConcurrencySlots {
  #active = 0;
  #waiting: (() => void)[] = [];
  #head = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${max}`);
  }

  /** Calls holding a slot. */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting for one. */
  get pending(): number {
    return this.#waiting.length - this.#head;
  }

  /** Takes a free slot now; false when all are taken (then `acquire`). */
  tryAcquire(): boolean {
    if (this.#active >= this.max || this.pending > 0) return false;
    this.#active++;
    return true;
  }

  /** Resolves once the caller holds a slot (first come, first served). Pair with `release`. */
  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => void this.#waiting.push(resolve));
  }

  /** Gives the slot back: to the longest waiter if there is one. */
  release(): void {
    if (this.pending > 0) {
      const next = this.#waiting[this.#head]!;
      this.#waiting[this.#head++] = undefined as never;
      if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
        this.#waiting = this.#waiting.slice(this.#head);
        this.#head = 0;
      }
      next(); // the slot changes hands: #active stays
      return;
    }
    if (this.#active > 0) this.#active--;
  }
}
