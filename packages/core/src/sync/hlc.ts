import { PolycloudError } from '../errors/polycloud-error.js';

/** A hybrid logical clock timestamp (Kulkarni et al., 2014): physical ms `l` and counter `c`. */
export interface Hlc {
  readonly l: number;
  readonly c: number;
}

export const HLC_ZERO: Hlc = Object.freeze({ l: 0, c: 0 });

/** Total order on timestamps: by `l`, then `c`. */
export function compareHlc(a: Hlc, b: Hlc): number {
  return a.l !== b.l ? (a.l < b.l ? -1 : 1) : a.c !== b.c ? (a.c < b.c ? -1 : 1) : 0;
}

export function maxHlc(a: Hlc, b: Hlc): Hlc {
  return compareHlc(a, b) >= 0 ? a : b;
}

/** Compact ASCII form: `<l base36>.<c base36>` (`lz3k2a9.0`). */
export function encodeHlc(h: Hlc): string {
  return `${h.l.toString(36)}.${h.c.toString(36)}`;
}

const HLC_TEXT = /^([0-9a-z]{1,11})\.([0-9a-z]{1,8})$/;

/** Parses `encodeHlc` output; INVALID_ARGUMENT if malformed. */
export function decodeHlc(text: string): Hlc {
  const m = HLC_TEXT.exec(text);
  if (!m) throw new PolycloudError('INVALID_ARGUMENT', `malformed HLC "${text.slice(0, 40)}"`, { retryable: false });
  return { l: parseInt(m[1]!, 36), c: parseInt(m[2]!, 36) };
}

/**
 * A hybrid logical clock. `now()` stamps a local or send event, `receive()` merges a
 * remote timestamp (both advance the clock). If e happened before f, hlc(e) < hlc(f),
 * and `l` stays within the clock skew of physical time — provided remote timestamps
 * too far ahead are refused: `receive` throws CONFLICT (code) for a timestamp more than
 * `maxSkewMs` ahead of the physical clock instead of dragging the clock forward.
 */
export class HybridLogicalClock {
  #l = 0;
  #c = 0;
  readonly #physical: () => number;
  readonly #maxSkewMs: number;

  constructor(physical: () => number, maxSkewMs = Number.POSITIVE_INFINITY) {
    this.#physical = physical;
    this.#maxSkewMs = maxSkewMs;
  }

  /** The last timestamp issued or received (without advancing). */
  peek(): Hlc {
    return { l: this.#l, c: this.#c };
  }

  /** Local / send event: `l' = max(l, pt)`, `c' = c+1` if `l' = l` else 0. */
  now(): Hlc {
    const pt = Math.floor(this.#physical());
    const l = Math.max(this.#l, pt);
    this.#c = l === this.#l ? this.#c + 1 : 0;
    this.#l = l;
    return { l: this.#l, c: this.#c };
  }

  /** True if `h` is further ahead of the physical clock than the skew bound. */
  isAhead(h: Hlc): boolean {
    return h.l - this.#physical() > this.#maxSkewMs;
  }

  /** Receive event (merge a remote timestamp); returns the new local timestamp. */
  receive(m: Hlc): Hlc {
    if (this.isAhead(m)) {
      throw new PolycloudError('CONFLICT', `timestamp ${encodeHlc(m)} is more than ${this.#maxSkewMs} ms ahead of local time`, {
        retryable: false,
        context: { reason: 'clock-skew' },
      });
    }
    const pt = Math.floor(this.#physical());
    const l = Math.max(this.#l, m.l, pt);
    let c: number;
    if (l === this.#l && l === m.l) c = Math.max(this.#c, m.c) + 1;
    else if (l === this.#l) c = this.#c + 1;
    else if (l === m.l) c = m.c + 1;
    else c = 0;
    this.#l = l;
    this.#c = c;
    return { l, c };
  }
}
