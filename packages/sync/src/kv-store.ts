import type { StorageAdapter } from '@polycloud/core';
import { isPolycloudError, PolycloudError } from '@polycloud/core';
import { readAll } from '@polycloud/core';

export interface KvEntry {
  value: Buffer;
  token: string;
}

export interface KvCondition {
  ifMatch?: string;
  ifNoneMatch?: '*';
}

/**
 * The small durable store the sync engine keeps its journal, lease, checkpoints
 * and synchronised state in. `conditional` says whether `put` honours conditions
 * atomically; a failed condition throws CONDITION_NOT_MET or ALREADY_EXISTS.
 */
export interface KvStore {
  readonly conditional: boolean;
  /** A printable location (no secrets). */
  readonly location: string;
  get(key: string): Promise<KvEntry | undefined>;
  put(key: string, value: string | Buffer, condition?: KvCondition): Promise<string>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

/** True for the errors a failed condition raises. */
export function isConditionFailure(e: unknown): boolean {
  return isPolycloudError(e) && (e.code === 'CONDITION_NOT_MET' || e.code === 'ALREADY_EXISTS');
}

function conditionFailed(key: string): PolycloudError {
  return new PolycloudError('CONDITION_NOT_MET', `condition failed for ${key}`, { retryable: false, context: { key } });
}

/** An in-process KvStore (conditional, not durable across processes). */
export function createMemoryKvStore(): KvStore {
  const data = new Map<string, KvEntry>();
  let counter = 0;
  return {
    conditional: true,
    location: 'memory',
    async get(key) {
      const e = data.get(key);
      return e && { value: Buffer.from(e.value), token: e.token };
    },
    async put(key, value, condition = {}) {
      const cur = data.get(key);
      if (condition.ifNoneMatch === '*' && cur) throw conditionFailed(key);
      if (condition.ifMatch !== undefined && cur?.token !== condition.ifMatch) throw conditionFailed(key);
      const token = String(++counter);
      data.set(key, { value: Buffer.from(value), token });
      return token;
    },
    async list(prefix) {
      return [...data.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
    async delete(key) {
      data.delete(key);
    },
  };
}

/**
 * A KvStore on any StorageAdapter: objects under `prefix` in a physical bucket.
 * Conditional only if the adapter declares `conditionalWrite` (the S3 and GCS
 * emulators ignore conditions even then — see docs/sync.md).
 */
export function createAdapterKvStore(adapter: StorageAdapter, bucket: string, prefix: string): KvStore {
  const full = (k: string) => `${prefix}${k}`;
  return {
    conditional: adapter.capabilities.conditionalWrite,
    location: `${adapter.name}:${bucket}/${prefix}`,
    async get(key) {
      try {
        const { info, body } = await adapter.get(bucket, full(key));
        return { value: await readAll(body), token: info.versionToken };
      } catch (e) {
        if (isPolycloudError(e) && e.code === 'NOT_FOUND') return undefined;
        throw e;
      }
    },
    async put(key, value, condition = {}) {
      const bytes = typeof value === 'string' ? Buffer.from(value) : value;
      const r = await adapter.put(bucket, full(key), bytes, {
        contentType: 'application/json',
        contentLength: bytes.byteLength,
        ...(adapter.capabilities.conditionalWrite ? condition : {}),
      });
      return r.versionToken;
    },
    async list(p) {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await adapter.list(bucket, { prefix: full(p), ...(token ? { continuationToken: token } : {}) });
        out.push(...page.objects.map((o) => o.key.slice(prefix.length)));
        token = page.continuationToken;
      } while (token);
      return out.sort();
    },
    async delete(key) {
      await adapter.delete(bucket, full(key));
    },
  };
}
