import { joinVectors, type VersionVector } from '@polycloud/core/spi';

/** What this process last saw of a key: the context of its next write there. */
export interface KnownVersion {
  /** Every version this process stamped or saw for the key (joined). */
  vv: VersionVector;
  /** The version token per binding it last wrote or read there (its compare-and-set). */
  tokens: Record<string, string>;
  /** Its last write was a delete. */
  deleted?: boolean;
}

/**
 * A bounded LRU of the versions this process last wrote or read, key by key: the
 * write path takes a write's causal context from it instead of reading the key
 * first. A miss (or a token the store no longer has) costs one read, never a lost
 * update: writes are conditional on the token where the store can compare-and-set.
 */
export class VersionCache {
  readonly #max: number;
  readonly #map = new Map<string, KnownVersion>();

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): KnownVersion | undefined {
    return this.#map.get(key);
  }

  set(key: string, v: KnownVersion): void {
    const had = this.#map.get(key);
    this.#map.delete(key);
    if (this.#max === 0) return;
    this.#map.set(key, had ? { ...v, vv: joinVectors(had.vv, v.vv) } : v);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
  }

  /** Adds a stamped version to the key's context (its outcome may be unknown), keeping the tokens. */
  touch(key: string, vv: VersionVector): void {
    const had = this.#map.get(key);
    this.set(key, had ? { ...had, vv } : { vv, tokens: {} });
  }
}
