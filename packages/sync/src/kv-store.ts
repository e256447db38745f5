import { randomUUID } from 'node:crypto';
import { isPolycloudError, PolycloudError, readAll, type StorageAdapter } from '@polycloud/core/spi';

export interface KvEntry {
  value: Buffer;
  token: string;
}

export interface KvCondition {
  ifMatch?: string;
  ifNoneMatch?: '*';
}

/**
 * The small durable store the sync engine keeps its journal segments, leases and
 * partition state in. A failed condition throws the one code of that condition:
 * ALREADY_EXISTS for `ifNoneMatch: '*'`, CONDITION_NOT_MET for `ifMatch`.
 * Every call takes the signal of the work it belongs to.
 */
export interface KvStore {
  /** A printable location (no secrets). */
  readonly location: string;
  get(key: string, signal?: AbortSignal): Promise<KvEntry | undefined>;
  put(key: string, value: string | Buffer, condition?: KvCondition, signal?: AbortSignal): Promise<string>;
  /** Keys under a prefix, in UTF-8 byte order (as the clouds list them). */
  list(prefix: string, signal?: AbortSignal): Promise<string[]>;
  delete(key: string, signal?: AbortSignal): Promise<void>;
}

/**
 * True for the error a failed condition raises: given the condition, exactly its
 * code (ALREADY_EXISTS for `ifNoneMatch: '*'`, CONDITION_NOT_MET for `ifMatch`);
 * without one, either.
 */
export function isConditionFailure(e: unknown, condition?: KvCondition): boolean {
  if (!isPolycloudError(e)) return false;
  if (condition?.ifNoneMatch !== undefined) return e.code === 'ALREADY_EXISTS';
  if (condition?.ifMatch !== undefined) return e.code === 'CONDITION_NOT_MET';
  return e.code === 'CONDITION_NOT_MET' || e.code === 'ALREADY_EXISTS';
}

function conditionFailed(key: string, condition: KvCondition): PolycloudError {
  return condition.ifNoneMatch !== undefined
    ? new PolycloudError('ALREADY_EXISTS', `${key} already exists`, { retryable: false, context: { key } })
    : new PolycloudError('CONDITION_NOT_MET', `condition failed for ${key}`, { retryable: false, context: { key } });
}

/** An in-process KvStore (conditional, not durable across processes). */
export function createMemoryKvStore(): KvStore {
  const data = new Map<string, KvEntry>();
  let counter = 0;
  return {
    location: 'memory',
    async get(key) {
      const e = data.get(key);
      return e && { value: Buffer.from(e.value), token: e.token };
    },
    async put(key, value, condition = {}) {
      const cur = data.get(key);
      if (condition.ifNoneMatch === '*' && cur) throw conditionFailed(key, condition);
      if (condition.ifMatch !== undefined && cur?.token !== condition.ifMatch) throw conditionFailed(key, condition);
      const token = String(++counter);
      data.set(key, { value: Buffer.from(value), token });
      return token;
    },
    async list(prefix) {
      return [...data.keys()].filter((k) => k.startsWith(prefix)).sort(compareUtf8);
    },
    async delete(key) {
      data.delete(key);
    },
  };
}

/**
 * A KvStore on any StorageAdapter: objects under `prefix` in a physical bucket.
 * Conditions are always sent; whether the store really enforces them is found out by
 * {@link enforcesConditions}, not taken from the declared capability (the S3 and GCS
 * emulators ignore them while S3 and GCS honour them).
 */
export function createAdapterKvStore(adapter: StorageAdapter, bucket: string, prefix: string): KvStore {
  const full = (k: string) => `${prefix}${k}`;
  return {
    location: `${adapter.name}:${bucket}/${prefix}`,
    async get(key, signal) {
      try {
        const { info, body } = await adapter.get(bucket, full(key), signal ? { signal } : {});
        return { value: await readAll(body), token: info.versionToken };
      } catch (e) {
        if (isPolycloudError(e) && e.code === 'NOT_FOUND') return undefined;
        throw e;
      }
    },
    async put(key, value, condition = {}, signal) {
      const bytes = typeof value === 'string' ? Buffer.from(value) : value;
      const r = await adapter.put(bucket, full(key), bytes, {
        contentType: 'application/json',
        contentLength: bytes.byteLength,
        ...condition,
        ...(signal ? { signal } : {}),
      });
      return r.versionToken;
    },
    async list(p, signal) {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await adapter.list(bucket, { prefix: full(p), ...(token ? { continuationToken: token } : {}), ...(signal ? { signal } : {}) });
        for (const o of page.objects) out.push(o.key.slice(prefix.length));
        token = page.continuationToken;
      } while (token);
      return out.sort(compareUtf8);
    },
    async delete(key, signal) {
      await adapter.delete(bucket, full(key), signal ? { signal } : {});
    },
  };
}

/**
 * Self-test: does this store really refuse a second conditional create of the same
 * key, and a write conditional on a token it does not hold? Leases and partition
 * state rely on it when several processes share a bucket.
 */
export async function enforcesConditions(kv: KvStore, signal?: AbortSignal): Promise<boolean> {
  const key = `selftest/${randomUUID()}`;
  try {
    const token = await kv.put(key, '{"selftest":1}', { ifNoneMatch: '*' }, signal);
    let createRefused = false;
    try {
      await kv.put(key, '{"selftest":2}', { ifNoneMatch: '*' }, signal);
    } catch (e) {
      if (!isConditionFailure(e, { ifNoneMatch: '*' })) throw e;
      createRefused = true;
    }
    let matchRefused = false;
    try {
      await kv.put(key, '{"selftest":3}', { ifMatch: `${token}-not-${randomUUID()}` }, signal);
    } catch (e) {
      if (!isConditionFailure(e, { ifMatch: token })) throw e;
      matchRefused = true;
    }
    return createRefused && matchRefused;
  } finally {
    await kv.delete(key, signal).catch(() => undefined);
  }
}

/** Compares two strings by their UTF-8 bytes (the order S3, GCS and Azure list keys in). */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order equals code point (and so UTF-8) order except that surrogates
    // (U+D800–DFFF, i.e. code points above U+FFFF) must sort after U+E000–FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
