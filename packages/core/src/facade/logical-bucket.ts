import type { Readable } from 'node:stream';
import { bindingEntry } from './lookup.js';
import type { StorageCapability } from '../adapter/capabilities.js';
import { unsupportedOperationError } from '../adapter/unsupported.js';
import type {
  ByteRange,
  DeleteManyResult,
  ListPage,
  ObjectInfo,
  PresignOptions,
  PutBody,
  PutOptions,
  PutResult,
  StorageAdapter,
  UserMetadata,
} from '../adapter/storage-adapter.js';
import { isPolycloudError, PolycloudError } from '../errors/polycloud-error.js';
import type { OperationKind, RouteExplanation, RouteRequest } from '../routing/router.js';
import { bodyConsumed, normalizeBody, readAll } from '../storage/body.js';
import { isReservedKey, RESERVED_METADATA_PREFIX, validateKey, validateMetadata } from '../storage/validate.js';
import type { Binding } from '../urm/binding.js';
import type { LogicalBucket } from '../urm/resources.js';
import { type CallOptions, execute, type ExecutionContext } from './execute.js';
import { bucketSchemas, parseCall } from './call-schemas.js';
import type { PendingWrite, StampedWrite, WritePipeline } from './write-pipeline.js';
import { warnUnenforcedCondition } from './condition-warning.js';

/** Options of {@link LogicalBucketClient.put} and {@link LogicalBucketClient.copy}. */
export interface BucketPutOptions extends CallOptions {
  /** The object's content type (`Content-Type`); read back by `head` and `get`. */
  contentType?: string;
  /** User metadata, string to string; an overwrite replaces it, never merges. */
  metadata?: UserMetadata;
  /** Data tags for routing and residency (`residency: eu`, `classification: pii`). */
  tags?: Record<string, string>;
  /** Write only if the current object's version token equals this one; else `CONDITION_NOT_MET`. Needs `conditionalWrite`. */
  ifMatch?: string;
  /** `'*'`: create only, if the key does not exist; else `ALREADY_EXISTS` (on every cloud). Needs `conditionalWrite`. */
  ifNoneMatch?: '*';
  /** The body's length in bytes, when a stream's is known (lets the facade check size limits up front). */
  contentLength?: number;
}

/** Options of {@link LogicalBucketClient.get}, `getBytes` and `getText`. */
export interface BucketGetOptions extends CallOptions {
  /**
   * Read only these bytes (`{ start, end? }`, both inclusive). Needs `rangeRead`; a
   * start at or past the end is `INVALID_ARGUMENT`. The result's `size` is still the
   * whole object's.
   */
  range?: ByteRange;
  /** Read only if the object's version token equals this one; else `CONDITION_NOT_MET`. */
  ifMatch?: string;
  /** Data tags for routing and residency, as on `put`. */
  tags?: Record<string, string>;
  /** Read from this binding only (e.g. to check a replica). */
  binding?: string;
}

/** Options of {@link LogicalBucketClient.list} and `iterate`. */
export interface BucketListOptions extends CallOptions {
  /** Only keys starting with this. */
  prefix?: string;
  /** Group keys by this separator (usually `/`) into `prefixes`. Needs `listDelimiter`. */
  delimiter?: string;
  /** At most this many objects and prefixes per page (the provider may cap it). */
  pageSize?: number;
  /** The previous page's `continuationToken`, from the same binding. */
  continuationToken?: string;
  /** List this binding only. */
  binding?: string;
}

/** Options of {@link LogicalBucketClient.delete}. */
export interface BucketDeleteOptions extends CallOptions {
  /** Delete only if the object's version token equals this one; else `CONDITION_NOT_MET`. Needs `conditionalDelete`. */
  ifMatch?: string;
  /** Data tags for routing and residency, as on `put`. */
  tags?: Record<string, string>;
}

/** Options of {@link LogicalBucketClient.head} and {@link LogicalBucketClient.exists}. */
export interface BucketHeadOptions extends CallOptions {
  /** Data tags for routing and residency, as on `put`. */
  tags?: Record<string, string>;
  /** Ask this binding only (e.g. to check a replica). */
  binding?: string;
}

/** An object read through a LogicalBucket: its info, the binding that served it, and a one-shot body. */
/** What {@link LogicalBucketClient.get} returns: the object's info and its body. */
export interface StoredObject extends ObjectInfo {
  /** The binding it was read from. */
  binding: string;
  /** The body as a Node stream; read it (or `bytes()` / `text()`) once. */
  body: Readable;
  /** Reads the whole body (once). */
  bytes(): Promise<Buffer>;
  /** Reads the whole body as UTF-8 (once). */
  text(): Promise<string>;
}

/** What {@link LogicalBucketClient.put} and `copy` return: the new version token and where it was written. */
export interface BucketPutResult extends PutResult {
  /** The binding that stored it. */
  binding: string;
}

export interface LogicalBucketDeps {
  resource: LogicalBucket;
  adapters: ReadonlyMap<string, StorageAdapter>;
  exec: ExecutionContext;
  pipeline?: WritePipeline;
}

/**
 * The application's handle on a LogicalBucket. Every call is validated, routed
 * through the Router, retried and failed over per the retry policy, and bounded by
 * a deadline; capabilities are checked before the adapter is called.
 */
export class LogicalBucketClient {
  readonly id: string;
  readonly resource: LogicalBucket;
  readonly #deps: LogicalBucketDeps;

  constructor(deps: LogicalBucketDeps) {
    this.#deps = deps;
    this.resource = deps.resource;
    this.id = deps.resource.resource_id;
  }

  /** The adapter type of a binding (event payloads, error context); one function for every call. */
  readonly #provider = (b: Binding): string => this.adapter(b.id).type;

  /** The adapter serving a binding of this bucket. */
  adapter(bindingId: string): StorageAdapter {
    // Looked up directly first: this runs several times per call.
    return this.#deps.adapters.get(bindingId) ?? bindingEntry((id) => this.#deps.adapters.get(id), 'bucket', this.id, bindingId);
  }

  binding(bindingId: string): Binding {
    return bindingEntry((id) => this.resource.providers.find((p) => p.id === id), 'bucket', this.id, bindingId);
  }

  /**
   * Stores `body` under `key` on the binding the router picks for a write (failing over
   * to another on a retryable error); with replication on, the other bindings follow.
   * `body`: bytes, a string (UTF-8) or a Node/web stream.
   */
  async put(key: string, body: PutBody, options: BucketPutOptions = {}): Promise<BucketPutResult> {
    validateKey(key);
    const opts = parseCall(bucketSchemas.put, options, 'put');
    validateMetadata(opts.metadata);
    const normalized = normalizeBody(body);
    const tags = this.#tags(opts.tags);
    const requires: StorageCapability[] = [];
    if (opts.ifMatch !== undefined || opts.ifNoneMatch !== undefined) {
      requires.push('conditionalWrite');
      warnUnenforcedCondition(this.#deps.exec.events, this.resource, (id) => this.adapter(id), 'conditionalWrite');
    }
    const length = opts.contentLength ?? normalized.length;
    let write: PendingWrite = { bucket: this.resource, op: 'put', key, tags, metadata: opts.metadata ? { ...(opts.metadata as UserMetadata) } : {} };
    if (opts.ifMatch !== undefined) write.ifMatch = opts.ifMatch;
    if (opts.ifNoneMatch !== undefined) write.ifNoneMatch = opts.ifNoneMatch;
    if (this.#deps.pipeline?.prepare) write = { ...write, ...(await this.#deps.pipeline.prepare(write)) };
    const request = this.#request('write', key, tags, requires);
    const deadline = this.#deps.exec.clock.now() + (opts.timeoutMs ?? this.#deps.exec.timeoutMs);
    let stamped: StampedWrite | undefined;
    const result = await execute(
      this.#deps.exec,
      request,
      opts,
      async ({ binding, signal }) => {
        const adapter = this.adapter(binding.id);
        this.#checkSize(adapter, binding, length, normalized.once);
        const user = opts.ifMatch !== undefined || opts.ifNoneMatch !== undefined;
        // The version stamp may make the put conditional on the version it observed.
        // Losing that race to a concurrent writer is internal when the caller asked
        // for no condition: observe again and re-stamp while the body can be replayed.
        const stamp = this.#deps.pipeline?.stamp;
        let putResult: PutResult;
        for (let race = 0; ; race++) {
          stamped = stamp ? await stamp(write, binding, normalized.body, { signal, race, deadline }) : undefined;
          // Built property by property (no spreads): this runs on every put.
          const putOptions: PutOptions = { metadata: stamped?.metadata ?? write.metadata, signal };
          if (opts.contentType) putOptions.contentType = opts.contentType;
          const ifMatch = opts.ifMatch ?? (user ? undefined : stamped?.ifMatch);
          if (ifMatch !== undefined) putOptions.ifMatch = ifMatch;
          const ifNoneMatch = opts.ifNoneMatch ?? (user ? undefined : stamped?.ifNoneMatch);
          if (ifNoneMatch !== undefined) putOptions.ifNoneMatch = ifNoneMatch;
          if (length !== undefined) putOptions.contentLength = length;
          try {
            putResult = await adapter.put(binding.physical_id, key, stamped?.body ?? normalized.body, putOptions);
            break;
          } catch (e) {
            const internalCondition = !user && (stamped?.ifMatch !== undefined || stamped?.ifNoneMatch !== undefined);
            // The one code of the condition that lost: ALREADY_EXISTS for a create-only put, CONDITION_NOT_MET for ifMatch.
            const lostRace =
              (ifNoneMatch !== undefined && isPolycloudError(e, 'ALREADY_EXISTS')) || (ifMatch !== undefined && isPolycloudError(e, 'CONDITION_NOT_MET'));
            if (internalCondition && lostRace && race < MAX_STAMP_RACES && !bodyConsumed(normalized.body)) continue;
            throw e;
          }
        }
        return { ...putResult, binding: binding.id };
      },
      { canRetry: () => !bodyConsumed(normalized.body), bytes: () => length, provider: this.#provider },
    );
    if (this.#deps.pipeline?.commit) {
      const contentHash = stamped?.digest?.();
      await this.#deps.pipeline.commit(
        {
          ...write,
          ...(stamped ? { metadata: stamped.metadata } : {}),
          ...(contentHash ? { contentHash } : {}),
          binding: this.binding(result.binding),
          result,
          ...(result.size !== undefined ? { size: result.size } : length !== undefined ? { size: length } : {}),
        },
        opts.signal ? { signal: opts.signal, deadline } : { deadline },
      );
    }
    return result;
  }

  /**
   * Reads an object from the binding the router picks for a read (the best healthy
   * copy; another on a retryable error). `NOT_FOUND` when the key is missing there.
   */
  async get(key: string, options: BucketGetOptions = {}): Promise<StoredObject> {
    validateKey(key);
    const opts = parseCall(bucketSchemas.get, options, 'get');
    const requires: StorageCapability[] = opts.range ? ['rangeRead'] : [];
    return execute(
      this.#deps.exec,
      this.#request('read', key, this.#tags(opts.tags), requires, opts.binding),
      opts,
      async ({ binding, signal }) => {
        const { info, body } = await this.adapter(binding.id).get(binding.physical_id, key, {
          ...(opts.range ? { range: opts.range } : {}),
          ...(opts.ifMatch !== undefined ? { ifMatch: opts.ifMatch } : {}),
          signal,
        });
        return new Stored(info, binding.id, body);
      },
      { bytes: (r) => (opts.range ? rangeLength(opts.range, r.size) : r.size), provider: this.#provider },
    );
  }

  /** The whole object as bytes. */
  async getBytes(key: string, options: BucketGetOptions = {}): Promise<Buffer> {
    return (await this.get(key, options)).bytes();
  }

  /** The whole object as UTF-8 text. */
  async getText(key: string, options: BucketGetOptions = {}): Promise<string> {
    return (await this.get(key, options)).text();
  }

  /**
   * The object's info without its body: size, version token, last modified, content
   * type and user metadata, plus the binding that answered. `NOT_FOUND` when missing.
   */
  async head(key: string, options: BucketHeadOptions = {}): Promise<ObjectInfo & { binding: string }> {
    validateKey(key);
    const opts = parseCall(bucketSchemas.head, options, 'head');
    return execute(
      this.#deps.exec,
      this.#request('head', key, this.#tags(opts.tags), [], opts.binding),
      opts,
      async ({ binding, signal }) => {
        const info = await this.adapter(binding.id).head(binding.physical_id, key, { signal });
        return { ...info, ...(info.metadata ? { metadata: stripReserved(info.metadata)! } : {}), binding: binding.id };
      },
      { provider: this.#provider },
    );
  }

  /**
   * True if the key exists on the binding a read is routed to (a `head` whose
   * `NOT_FOUND` is `false`); any other error is thrown.
   */
  async exists(key: string, options: BucketHeadOptions = {}): Promise<boolean> {
    try {
      await this.head(key, options);
      return true;
    } catch (e) {
      if ((e as PolycloudError).code === 'NOT_FOUND') return false;
      throw e;
    }
  }

  /** One page of the listing, from the binding a list is routed to. */
  async list(options: BucketListOptions = {}): Promise<ListPage & { binding: string }> {
    const opts = parseCall(bucketSchemas.list, options, 'list');
    const requires: StorageCapability[] = opts.delimiter !== undefined ? ['listDelimiter'] : [];
    return execute(
      this.#deps.exec,
      this.#request('list', undefined, this.#tags(), requires, opts.binding),
      opts,
      async ({ binding, signal }) => {
        const adapter = this.adapter(binding.id);
        const pageSize = opts.pageSize === undefined ? undefined : Math.min(opts.pageSize, adapter.capabilities.maxListPageSize);
        const page = await adapter.list(binding.physical_id, {
          ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
          ...(opts.delimiter !== undefined ? { delimiter: opts.delimiter } : {}),
          ...(pageSize !== undefined ? { pageSize } : {}),
          ...(opts.continuationToken !== undefined ? { continuationToken: opts.continuationToken } : {}),
          signal,
        });
        return { ...hideReserved(page), binding: binding.id };
      },
      { provider: this.#provider },
    );
  }

  /**
   * Every object under `prefix`, page by page, from one binding (the first page's
   * binding is kept for all pages so tokens stay valid).
   */
  async *iterate(options: Omit<BucketListOptions, 'continuationToken'> = {}): AsyncGenerator<ObjectInfo> {
    let token: string | undefined;
    let binding = options.binding;
    do {
      const page = await this.list({ ...options, ...(binding ? { binding } : {}), ...(token ? { continuationToken: token } : {}) });
      binding = page.binding;
      yield* page.objects;
      token = page.continuationToken;
    } while (token);
  }

  /** Deletes a key. Idempotent: deleting a missing key succeeds. */
  async delete(key: string, options: BucketDeleteOptions = {}): Promise<void> {
    validateKey(key);
    const opts = parseCall(bucketSchemas.delete, options, 'delete');
    const tags = this.#tags(opts.tags);
    let write: PendingWrite = { bucket: this.resource, op: 'delete', key, tags, metadata: {} };
    if (opts.ifMatch !== undefined) write.ifMatch = opts.ifMatch;
    if (this.#deps.pipeline?.prepare) write = { ...write, ...(await this.#deps.pipeline.prepare(write)) };
    const requires: StorageCapability[] = opts.ifMatch !== undefined ? ['conditionalDelete'] : [];
    if (opts.ifMatch !== undefined) warnUnenforcedCondition(this.#deps.exec.events, this.resource, (id) => this.adapter(id), 'conditionalDelete');
    const deadline = this.#deps.exec.clock.now() + (opts.timeoutMs ?? this.#deps.exec.timeoutMs);
    let stamped: StampedWrite | undefined;
    const bindingId = await execute(
      this.#deps.exec,
      this.#request('delete', key, tags, requires),
      opts,
      async ({ binding, signal }) => {
        const stamp = this.#deps.pipeline?.stamp;
        const adapter = this.adapter(binding.id);
        // As for put: a delete conditional on the version the pipeline expected may lose a
        // race to a concurrent writer; re-stamp (the pipeline then reads the key) and retry.
        for (let race = 0; ; race++) {
          stamped = stamp ? await stamp(write, binding, undefined, { signal, race, deadline }) : undefined;
          const ifMatch = opts.ifMatch ?? stamped?.ifMatch;
          try {
            await adapter.delete(binding.physical_id, key, ifMatch !== undefined ? { ifMatch, signal } : { signal });
            return binding.id;
          } catch (e) {
            const internal = opts.ifMatch === undefined && stamped?.ifMatch !== undefined;
            if (internal && isPolycloudError(e, 'CONDITION_NOT_MET') && race < MAX_STAMP_RACES) continue;
            throw e;
          }
        }
      },
      { provider: this.#provider },
    );
    if (this.#deps.pipeline?.commit) {
      await this.#deps.pipeline.commit(
        { ...write, ...(stamped ? { metadata: stamped.metadata } : {}), binding: this.binding(bindingId) },
        opts.signal ? { signal: opts.signal, deadline } : { deadline },
      );
    }
  }

  /**
   * Deletes many keys. Uses the adapter's batch delete when the binding declares
   * `batchDelete`, else deletes key by key. Missing keys count as deleted. Resolves
   * with `{ deleted, errors }`: keys that failed are listed with their error rather
   * than thrown.
   */
  async deleteMany(keys: string[], options: CallOptions = {}): Promise<DeleteManyResult> {
    if (!Array.isArray(keys)) throw new PolycloudError('INVALID_ARGUMENT', 'keys must be an array of strings', { context: { path: ['keys'] } });
    keys.forEach((k, i) => validateKey(k, ['keys', i]));
    if (this.#deps.pipeline?.commit) {
      // Each delete must be journaled: go through delete() one by one.
      const result: DeleteManyResult = { deleted: [], errors: [] };
      await Promise.all(
        keys.map(async (key) => {
          try {
            await this.delete(key, options);
            result.deleted.push(key);
          } catch (error) {
            result.errors.push({ key, error: error as Error });
          }
        }),
      );
      return result;
    }
    const opts = parseCall(bucketSchemas.call, options, 'deleteMany');
    // Keys may live on different bindings (sticky placement): group them by the
    // binding their key routes to, and delete each group there.
    const groups = new Map<string, string[]>();
    for (const key of keys) {
      const home = this.#deps.exec.router.route(this.#request('delete', key, this.#tags())).candidates[0]?.id ?? '';
      groups.set(home, [...(groups.get(home) ?? []), key]);
    }
    const result: DeleteManyResult = { deleted: [], errors: [] };
    for (const group of groups.values()) {
      const part = await execute(
        this.#deps.exec,
        this.#request('delete', group[0], this.#tags()),
        opts,
        async ({ binding, signal }) => {
          const adapter = this.adapter(binding.id);
          const out: DeleteManyResult = { deleted: [], errors: [] };
          if (adapter.capabilities.batchDelete) {
            const size = Math.max(1, adapter.capabilities.maxBatchDeleteKeys);
            for (let i = 0; i < group.length; i += size) {
              const r = await adapter.deleteMany(binding.physical_id, group.slice(i, i + size), { signal });
              out.deleted.push(...r.deleted);
              out.errors.push(...r.errors);
            }
          } else {
            for (const key of group) await adapter.delete(binding.physical_id, key, { signal });
            out.deleted.push(...group);
          }
          return out;
        },
        { provider: this.#provider },
      );
      result.deleted.push(...part.deleted);
      result.errors.push(...part.errors);
    }
    return result;
  }

  /**
   * Copies `source` to `destination`. Server-side, routed by the source key, when
   * every binding declares `copy`, nothing needs journaling and no condition applies;
   * otherwise streamed through this process (get → put), which journals the write
   * and honours `ifMatch` / `ifNoneMatch` on the destination.
   */
  async copy(source: string, destination: string, options: BucketPutOptions = {}): Promise<BucketPutResult> {
    validateKey(source, ['source']);
    validateKey(destination, ['destination']);
    const opts = parseCall(bucketSchemas.put, options, 'copy');
    validateMetadata(opts.metadata);
    const conditional = opts.ifMatch !== undefined || opts.ifNoneMatch !== undefined;
    const serverSide = !this.#deps.pipeline?.commit && !conditional && this.resource.providers.every((b) => this.adapter(b.id).capabilities.copy);
    if (serverSide) {
      return execute(
        this.#deps.exec,
        this.#request('copy', source, this.#tags(opts.tags)),
        opts,
        async ({ binding, signal }) => {
          const r = await this.adapter(binding.id).copy(binding.physical_id, source, destination, {
            ...(opts.metadata ? { metadata: opts.metadata as UserMetadata } : {}),
            ...(opts.contentType ? { contentType: opts.contentType } : {}),
            signal,
          });
          return { ...r, binding: binding.id };
        },
        { provider: this.#provider },
      );
    }
    const call = {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.tags ? { tags: opts.tags } : {}),
    };
    const src = await this.get(source, call);
    try {
      return await this.put(destination, src.body, {
        ...opts,
        contentType: opts.contentType ?? src.contentType,
        metadata: (opts.metadata as UserMetadata | undefined) ?? src.metadata,
        contentLength: src.size,
      });
    } finally {
      src.body.destroy();
    }
  }

  /**
   * A signed URL for one GET or PUT of `key`, valid `expiresInSeconds` (1 s … 7 days),
   * from a binding that declares `presign` (else `UNSUPPORTED`). Anyone holding the
   * URL can use it until `expiresAt`: treat it as a secret. Using the URL talks to
   * that one cloud directly, without polycloud: no failover, and an upload through it
   * is not journaled for replication by this call.
   */
  async presign(
    key: string,
    options: PresignOptions & CallOptions & { tags?: Record<string, string> },
  ): Promise<{ url: string; binding: string; expiresAt: Date }> {
    validateKey(key);
    const opts = parseCall(bucketSchemas.presign, options, 'presign');
    return execute(
      this.#deps.exec,
      this.#request('presign', key, this.#tags(opts.tags), ['presign']),
      opts,
      async ({ binding }) => {
        const adapter = this.adapter(binding.id);
        if (!adapter.capabilities.presign) throw unsupported(this.id, binding.id, 'presign', 'presign');
        const url = await adapter.presign(binding.physical_id, key, {
          method: opts.method,
          expiresInSeconds: opts.expiresInSeconds,
          ...(opts.contentType ? { contentType: opts.contentType } : {}),
        });
        return { url, binding: binding.id, expiresAt: new Date(this.#deps.exec.clock.now() + opts.expiresInSeconds * 1000) };
      },
      { provider: this.#provider },
    );
  }

  /** Why an operation on `key` would go where it goes: every candidate with its verdicts and sub-scores. */
  explain(operation: OperationKind, key?: string, tags?: Record<string, string>): RouteExplanation {
    if (key !== undefined) validateKey(key);
    return this.#deps.exec.router.explain(this.#request(operation, key, this.#tags(tags)));
  }

  #tags(extra?: Record<string, string>): Record<string, string> {
    return extra ? { ...this.resource.tags, ...extra } : this.resource.tags;
  }

  #request(operation: OperationKind, key: string | undefined, tags: Record<string, string>, requires: StorageCapability[] = [], only?: string): RouteRequest {
    if (only !== undefined) this.adapter(only);
    const request: RouteRequest = { resource: this.resource, operation, tags };
    if (key !== undefined) request.key = key;
    if (requires.length) request.requires = requires;
    if (only !== undefined) request.only = [only];
    return request;
  }

  #checkSize(adapter: StorageAdapter, binding: Binding, length: number | undefined, stream: boolean): void {
    const caps = adapter.capabilities;
    if (length !== undefined && length > caps.maxObjectBytes) {
      throw new PolycloudError('INVALID_ARGUMENT', `object of ${length} bytes exceeds the ${caps.maxObjectBytes}-byte limit of ${binding.id}`, {
        context: { binding: binding.id, path: ['body'] },
        retryable: false,
      });
    }
    if (!caps.multipart && ((length !== undefined && length > caps.maxSinglePutBytes) || (length === undefined && stream))) {
      throw unsupported(this.id, binding.id, 'put', 'multipart', length === undefined ? 'a stream of unknown length' : `${length} bytes in one request`);
    }
  }
}

function unsupported(resource: string, binding: string, operation: string, capability: StorageCapability, what?: string): PolycloudError {
  return unsupportedOperationError(operation, capability, { resource, binding }, what ? `needed for ${what}` : undefined);
}

/** A StoredObject: the info's fields, the binding and the body; bytes() and text() shared, not made per read. */
class Stored implements StoredObject {
  // Declared only (no field initialisers): Object.assign sets what the info has.
  declare key: string;
  declare size: number;
  declare versionToken: string;
  declare lastModified: Date;
  declare contentType?: string;
  declare metadata?: UserMetadata;
  binding: string;
  body: Readable;

  constructor(info: ObjectInfo, binding: string, body: Readable) {
    Object.assign(this, info);
    if (info.metadata) this.metadata = stripReserved(info.metadata)!;
    this.binding = binding;
    this.body = body;
  }

  bytes(): Promise<Buffer> {
    return readAll(this.body);
  }

  async text(): Promise<string> {
    return (await readAll(this.body)).toString('utf8');
  }
}

/** Times an unconditional put re-stamps after losing a race to a concurrent writer. */
const MAX_STAMP_RACES = 32;

/** Bytes a ranged read returns from an object of `size` bytes. */
function rangeLength(range: ByteRange, size: number): number {
  const last = Math.min(range.end ?? size - 1, size - 1);
  return Math.max(0, last - range.start + 1);
}

/** A listing page without polycloud's own namespace (engine objects are not the application's). */
function hideReserved(page: ListPage): ListPage {
  let hidden = false;
  for (const o of page.objects) if (isReservedKey(o.key)) hidden = true;
  for (const p of page.prefixes) if (isReservedKey(p)) hidden = true;
  if (!hidden) return page;
  return { ...page, objects: page.objects.filter((o) => !isReservedKey(o.key)), prefixes: page.prefixes.filter((p) => !isReservedKey(p)) };
}

function stripReserved(metadata: UserMetadata | undefined): UserMetadata | undefined {
  if (!metadata) return undefined;
  let reserved = false;
  for (const k in metadata) if (k.startsWith(RESERVED_METADATA_PREFIX)) reserved = true;
  return reserved ? Object.fromEntries(Object.entries(metadata).filter(([k]) => !k.startsWith(RESERVED_METADATA_PREFIX))) : metadata;
}
