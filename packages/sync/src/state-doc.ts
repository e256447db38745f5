import { PolycloudError } from '@polycloud/core';
import { isConditionFailure, type KvStore } from './kv-store.js';

/**
 * A JSON document in the KvStore written under fencing: every write is conditional
 * on the token last read, and refused if the stored epoch is newer than the
 * writer's (a replicator that lost its lease cannot overwrite its successor).
 */
export class FencedDoc<T> {
  readonly #kv: KvStore;
  readonly #key: string;
  readonly #empty: () => T;
  #token: string | undefined;
  #loaded = false;
  #value: T;
  #saved: string | undefined;

  constructor(kv: KvStore, key: string, empty: () => T) {
    this.#kv = kv;
    this.#key = key;
    this.#empty = empty;
    this.#value = empty();
  }

  get value(): T {
    return this.#value;
  }

  async load(): Promise<T> {
    const got = await this.#kv.get(this.#key);
    this.#token = got?.token;
    this.#value = got ? (JSON.parse(got.value.toString('utf8')) as { data: T }).data : this.#empty();
    this.#saved = undefined;
    this.#loaded = true;
    return this.#value;
  }

  async loadOnce(): Promise<T> {
    return this.#loaded ? this.#value : this.load();
  }

  /** Writes `value` with `epoch`; CONFLICT if a newer epoch wrote it, after reloading. */
  async save(value: T, epoch: number): Promise<void> {
    const text = JSON.stringify({ epoch, data: value });
    if (text === this.#saved) return; // unchanged since our last write
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        this.#token = await this.#kv.put(this.#key, text, this.#token ? { ifMatch: this.#token } : { ifNoneMatch: '*' });
        this.#value = value;
        this.#saved = text;
        return;
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        const got = await this.#kv.get(this.#key);
        const stored = got ? (JSON.parse(got.value.toString('utf8')) as { epoch: number }).epoch : 0;
        if (stored > epoch) {
          throw new PolycloudError('CONFLICT', `${this.#key} was written by a newer replicator (epoch ${stored} > ${epoch}): fenced off`, { retryable: false, context: { reason: 'fenced' } });
        }
        this.#token = got?.token;
        this.#saved = undefined;
      }
    }
    throw new PolycloudError('UNAVAILABLE', `could not write ${this.#key} (contention)`, { retryable: true });
  }
}
