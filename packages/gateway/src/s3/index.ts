import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isPolycloudError, type LogicalBucketClient, type Polycloud } from '@polycloud/core';
import { exactLength } from '@polycloud/core/spi';
import type { CredentialStore, GatewayAction, Principal } from '../auth.js';
import type { ResolvedGatewayConfig } from '../config.js';
import type { RateLimiter } from '../limits.js';
import { BodyVerifier, checksumName, ChunkedDecoder } from './body.js';
import { errorXml, S3Error, toS3Error } from './errors.js';
import { MAX_PARTS, MIN_PART_BYTES, MultipartStore, multipartEtag, noSuchUpload, type PartInfo } from './multipart.js';
import { authenticate, type PayloadMode, parseQuery, uriEncode } from './sigv4.js';
import { doc, el, parseXmlBody, malformed, text } from './xml.js';

/** What the S3-compatible endpoint is built from: the same instance, config, credentials and rate limiter as the REST API. */
export interface S3HandlerDeps {
  polycloud: Polycloud;
  config: ResolvedGatewayConfig;
  credentials: CredentialStore;
  rateLimit: RateLimiter;
  /**
   * Where multipart uploads stage their parts and state (an upload survives a restart
   * of the gateway that uses the same directory). Default:
   * `$POLYCLOUD_GATEWAY_STAGING_DIR`, else `<os tmpdir>/polycloud-gateway-s3`.
   */
  stagingDir?: string;
  /** The clock signatures and presigned expiry are checked against (ms since epoch). Default `Date.now`. */
  now?: () => number;
  /** Told about every request answered with a 5xx (the error; never a secret in it). */
  onError?: (error: unknown, request: { method: string; path: string }) => void;
  /** How long a request body may go without a byte (while its reader waits for one) before it fails with 400 RequestTimeout. Default 60 s. */
  bodyIdleTimeoutMs?: number;
}

/** Default of `S3HandlerDeps.bodyIdleTimeoutMs`. */
const BODY_IDLE_TIMEOUT_MS = 60_000;

/** User metadata name under which the gateway keeps an object's S3 ETag when it differs from the store's version token (multipart). */
export const ETAG_METADATA = 'polycloud-s3-etag';
/** Largest XML request body (DeleteObjects of 1000 keys, CompleteMultipartUpload of 10000 parts). */
const MAX_XML_BYTES = 2 * 1024 * 1024;
/** Largest aws-chunked chunk (a signed chunk is held whole until its signature is checked). */
const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
/** A rejected request body is read and discarded up to this size (so the client sees the error), else the connection is closed. */
const DRAIN_LIMIT = 64 * 1024 * 1024;
/**
 * The facade's per-call deadline (60 s unless the instance says otherwise) bounds the
 * whole of a put, body included: a large body gets a deadline sized to it, as if it
 * moved at no less than this many bytes a second, on top of a minute.
 */
const MIN_TRANSFER_BYTES_PER_SECOND = 256 * 1024;
const transferTimeout = (bytes: number | undefined): { timeoutMs?: number } =>
  bytes !== undefined && bytes > 8 * 1024 * 1024 ? { timeoutMs: 60_000 + Math.ceil((bytes / MIN_TRANSFER_BYTES_PER_SECOND) * 1000) } : {};
/** Attempts of the final put of CompleteMultipartUpload when a binding fails with a retryable error. */
const COMPLETE_ATTEMPTS = 4;
/** How long, and how many, completed uploads are remembered so that a repeated Complete answers the same result. */
const COMPLETED_TTL_MS = 15 * 60_000;
const COMPLETED_MAX = 10_000;

const NOT_IMPLEMENTED_SUBRESOURCES = [
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'tagging',
  'torrent',
  'versioning',
  'versions',
  'website',
];

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  principal: Principal;
  payload: PayloadMode;
  query: Map<string, string>;
  bucket: string;
  key: string;
  resource: string;
}

/** The S3 endpoint's request handler, and the sweep of expired multipart uploads. */
export type S3Handler = ((req: IncomingMessage, res: ServerResponse) => Promise<void>) & {
  /** Removes uploads older than `limits.multipartExpirySeconds` (not one being completed); resolves with their ids. */
  expireUploads(): Promise<string[]>;
};

/**
 * The S3-compatible endpoint (path-style `/{bucket}/{key}`): SigV4 (header and
 * presigned), the object operations real tools use, and multipart uploads staged on
 * the gateway's disk. See docs/gateway.md, "S3-compatible endpoint".
 */
export function createS3Handler(deps: S3HandlerDeps): S3Handler {
  const store = new MultipartStore(deps.stagingDir ?? process.env['POLYCLOUD_GATEWAY_STAGING_DIR'] ?? join(tmpdir(), 'polycloud-gateway-s3'));
  /** Uploads being completed: a repeated Complete joins the running one. */
  const completing = new Map<string, { bucket: string; key: string; result: Promise<string> }>();
  /** Uploads completed lately, oldest first: a repeated Complete answers the same result. */
  const completed = new Map<string, { bucket: string; key: string; etag: string; at: number }>();
  const now = deps.now ?? Date.now;

  const allow = (ctx: Ctx, bucket: string, action: GatewayAction): void => {
    if (!deps.credentials.allows(ctx.principal, bucket, action)) throw new S3Error('AccessDenied', 'Access Denied');
  };

  const logical = (id: string): LogicalBucketClient => {
    const found = deps.polycloud.resources.some((r) => r.type === 'LogicalBucket' && r.resource_id === id);
    if (!found) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: id });
    return deps.polycloud.bucket(id);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('server', 'polycloud-gateway');
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const rawPath = qi < 0 ? url : url.slice(0, qi);
    const rawQuery = qi < 0 ? '' : url.slice(qi + 1);
    let resource = rawPath;
    try {
      const query = parseQuery(rawQuery);
      let auth;
      try {
        auth = authenticate({ req, rawPath, rawQuery, query, credentials: deps.credentials, config: deps.config, now: now() });
      } catch (e) {
        // As on the REST API: failed authentications spend a bucket of their own per client
        // address, so keys and secrets cannot be guessed faster than the configured rate.
        if (e instanceof S3Error && e.status === 403 && !deps.rateLimit.take(`unauthenticated@${req.socket.remoteAddress ?? 'unknown'}`))
          throw new S3Error('SlowDown', 'Please reduce your request rate.', 503);
        throw e;
      }
      if (!deps.rateLimit.take(auth.principal.id)) throw new S3Error('SlowDown', 'Please reduce your request rate.', 503);
      const slash = rawPath.indexOf('/', 1);
      const bucket = decodePath(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
      const key = slash < 0 ? '' : decodePath(rawPath.slice(slash + 1));
      resource = bucket ? `/${bucket}${key ? `/${key}` : ''}` : '/';
      const ctx: Ctx = { req, res, requestId, principal: auth.principal, payload: auth.payload, query: new Map(query), bucket, key, resource };
      await route(ctx);
    } catch (e) {
      await respondError(req, res, e, resource, requestId);
    }
  };
  const expireUploads = () => store.expire(now() - deps.config.limits.multipartExpirySeconds * 1000, (id) => completing.has(id));
  return Object.assign(handle, { expireUploads });

  async function respondError(req: IncomingMessage, res: ServerResponse, e: unknown, resource: string, requestId: string): Promise<void> {
    const error = toS3Error(e);
    if (error.status >= 500) deps.onError?.(e, { method: req.method ?? '', path: resource });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = req.method === 'HEAD' ? '' : errorXml(error, resource, requestId);
    const headers: Record<string, string | number> = { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) };
    if (error.code === 'SlowDown' || error.code === 'ServiceUnavailable') headers['retry-after'] = 1;
    // A stalled body is not drained (it would stall again): the connection is closed.
    if (error.code === 'RequestTimeout' || !(await drained(req))) headers['connection'] = 'close';
    res.writeHead(error.status, headers);
    res.end(body);
  }

  async function route(ctx: Ctx): Promise<void> {
    const { req, query, bucket, key } = ctx;
    const method = req.method ?? 'GET';
    if (!bucket) {
      if (method === 'GET') return listBuckets(ctx);
      throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
    const sub = NOT_IMPLEMENTED_SUBRESOURCES.find((s) => query.has(s));
    if (sub) throw new S3Error('NotImplemented', `The ${sub} subresource is not implemented by the polycloud gateway`);
    if (!key) {
      switch (method) {
        case 'HEAD':
          allow(ctx, bucket, 'read');
          logical(bucket);
          ctx.res.writeHead(200, { 'x-amz-bucket-region': deps.config.region, 'content-length': 0 }).end();
          return;
        case 'GET':
          if (query.has('location')) return bucketLocation(ctx);
          if (query.has('uploads')) return listUploads(ctx);
          return listObjects(ctx, query.get('list-type') === '2');
        case 'POST':
          if (query.has('delete')) return deleteObjects(ctx);
          break;
        case 'PUT':
          // Logical buckets are configured, not created through S3: an existing one is "already yours".
          allow(ctx, bucket, 'write');
          logical(bucket);
          throw new S3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409, {
            BucketName: bucket,
          });
        case 'DELETE':
          throw new S3Error('NotImplemented', 'Logical buckets are configured, not deleted through the S3 endpoint');
      }
      throw new S3Error('NotImplemented', `${method} on a bucket is not implemented by the polycloud gateway`);
    }
    const uploadId = query.get('uploadId');
    switch (method) {
      case 'GET':
        return uploadId !== undefined ? listParts(ctx, uploadId) : getObject(ctx, false);
      case 'HEAD':
        return getObject(ctx, true);
      case 'PUT':
        if (uploadId !== undefined) {
          if (req.headers['x-amz-copy-source'] !== undefined) throw new S3Error('NotImplemented', 'UploadPartCopy is not implemented by the polycloud gateway');
          return uploadPart(ctx, uploadId);
        }
        return req.headers['x-amz-copy-source'] !== undefined ? copyObject(ctx) : putObject(ctx);
      case 'DELETE':
        return uploadId !== undefined ? abortUpload(ctx, uploadId) : deleteObject(ctx);
      case 'POST':
        if (query.has('uploads')) return createUpload(ctx);
        if (uploadId !== undefined) return completeUpload(ctx, uploadId);
        break;
    }
    throw new S3Error('NotImplemented', `${method} on an object with these parameters is not implemented by the polycloud gateway`);
  }

  // ---- buckets -------------------------------------------------------------------------------

  async function listBuckets(ctx: Ctx): Promise<void> {
    const names = deps.polycloud.resources
      .filter((r) => r.type === 'LogicalBucket' && deps.credentials.allows(ctx.principal, r.resource_id, 'read'))
      .map((r) => r.resource_id)
      .sort();
    const created = new Date(0).toISOString();
    const buckets = names.map((n) => `<Bucket>${el('Name', n)}${el('CreationDate', created)}</Bucket>`).join('');
    sendXml(
      ctx,
      200,
      doc('ListAllMyBucketsResult', `<Owner>${el('ID', ctx.principal.id)}${el('DisplayName', ctx.principal.id)}</Owner><Buckets>${buckets}</Buckets>`),
    );
  }

  async function bucketLocation(ctx: Ctx): Promise<void> {
    allow(ctx, ctx.bucket, 'read');
    logical(ctx.bucket);
    const region = deps.config.region === 'us-east-1' ? '' : deps.config.region;
    sendXml(ctx, 200, doc('LocationConstraint', region.replace(/[&<>]/g, '')));
  }

  async function listObjects(ctx: Ctx, v2: boolean): Promise<void> {
    const { query } = ctx;
    allow(ctx, ctx.bucket, 'read');
    const bucket = logical(ctx.bucket);
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') || undefined;
    const maxKeysRaw = query.get('max-keys') ?? '1000';
    if (!/^\d+$/.test(maxKeysRaw)) throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range');
    const maxKeys = Math.min(1000, Number(maxKeysRaw));
    const urlEncode = query.get('encoding-type') === 'url';
    if (query.has('encoding-type') && !urlEncode) throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request');
    const enc = (s: string) => (urlEncode ? uriEncode(s, true) : s);
    const marker = v2 ? query.get('continuation-token') : query.get('marker');
    let cursor: Cursor | undefined;
    let startAfter = v2 ? query.get('start-after') : undefined;
    if (marker) {
      cursor = decodeCursor(marker);
      if (!cursor && v2) throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect');
      if (!cursor) startAfter = marker;
    }
    let objects: { key: string; size: number; versionToken: string; lastModified: Date }[] = [];
    let prefixes: string[] = [];
    let next: Cursor | undefined;
    if (maxKeys > 0) {
      let token = cursor?.t;
      let binding = cursor?.b;
      for (;;) {
        const page = await bucket.list({
          ...(prefix ? { prefix } : {}),
          ...(delimiter ? { delimiter } : {}),
          pageSize: maxKeys,
          ...(token ? { continuationToken: token } : {}),
          ...(binding ? { binding } : {}),
        });
        const after = (k: string) => startAfter === undefined || Buffer.compare(Buffer.from(k), Buffer.from(startAfter)) > 0;
        objects = page.objects.filter((o) => after(o.key));
        prefixes = page.prefixes.filter(after);
        next = page.continuationToken ? { b: page.binding, t: page.continuationToken } : undefined;
        binding = page.binding;
        token = page.continuationToken;
        // A page can come back empty: start-after skips pages that lie wholly before it,
        // and the facade hides polycloud's own objects. Clients expect progress: read on.
        if (objects.length + prefixes.length > 0 || !next) break;
      }
    }
    const contents = objects
      .map(
        (o) =>
          `<Contents>${el('Key', enc(o.key))}${el('LastModified', o.lastModified.toISOString())}${el('ETag', quote(o.versionToken))}${el('Size', o.size)}` +
          `${el('StorageClass', 'STANDARD')}</Contents>`,
      )
      .join('');
    const common = prefixes.map((p) => `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`).join('');
    const truncated = next !== undefined;
    const head =
      el('Name', ctx.bucket) +
      el('Prefix', enc(prefix)) +
      (delimiter ? el('Delimiter', enc(delimiter)) : '') +
      el('MaxKeys', maxKeys) +
      (urlEncode ? el('EncodingType', 'url') : '') +
      el('IsTruncated', truncated);
    let body: string;
    if (v2) {
      body =
        head +
        el('KeyCount', objects.length + prefixes.length) +
        (marker ? el('ContinuationToken', marker) : '') +
        (startAfter !== undefined ? el('StartAfter', enc(startAfter)) : '') +
        (next ? el('NextContinuationToken', encodeCursor(next)) : '') +
        contents +
        common;
    } else {
      body = head + el('Marker', marker ?? '') + (next ? el('NextMarker', encodeCursor(next)) : '') + contents + common;
    }
    sendXml(ctx, 200, doc('ListBucketResult', body));
  }

  // ---- objects -------------------------------------------------------------------------------

  async function getObject(ctx: Ctx, headOnly: boolean): Promise<void> {
    const { req, res, query } = ctx;
    allow(ctx, ctx.bucket, 'read');
    const bucket = logical(ctx.bucket);
    // As S3: response-* overrides are for signed requests only (else anyone could serve a stored object as text/html
    // from the gateway's origin), and a value that cannot be a header is the client's error, not a 500.
    for (const [name, value] of query) {
      if (!name.startsWith('response-')) continue;
      if (ctx.principal.kind === 'anonymous')
        throw new S3Error('InvalidRequest', 'Request specific response headers cannot be used for anonymous GET requests.');
      if (!/^[\t\x20-\x7e]*$/.test(value)) throw new S3Error('InvalidArgument', `${name} must be printable ASCII`);
    }
    const range = headOnly ? undefined : parseRange(req.headers['range']);
    let start: number | undefined;
    let end: number | undefined;
    if (range?.suffix !== undefined) {
      const info = await bucket.head(ctx.key).catch(rethrowAs('key'));
      if (range.suffix === 0 || info.size === 0) throw invalidRange(info.size);
      start = Math.max(0, info.size - range.suffix);
      end = info.size - 1;
    } else if (range) {
      start = range.start;
      end = range.end;
    }
    let info: ObjectView;
    let body: Readable | undefined;
    if (headOnly) info = await bucket.head(ctx.key).catch(rethrowAs('key'));
    else {
      try {
        const got = await bucket.get(ctx.key, start !== undefined ? { range: end !== undefined ? { start, end } : { start } } : {});
        info = got;
        body = got.body;
      } catch (e) {
        if (start !== undefined && isPolycloudError(e, 'INVALID_ARGUMENT')) {
          const size = await bucket
            .head(ctx.key)
            .then((i) => i.size)
            .catch(() => undefined);
          throw invalidRange(size);
        }
        throw toS3Error(e, 'key');
      }
    }
    try {
      const etag = etagOf(info);
      const failed = checkConditions(req, etag, info.versionToken, info.lastModified);
      if (failed === 304) {
        res.writeHead(304, { etag: quote(etag), 'last-modified': info.lastModified.toUTCString() }).end();
        return;
      }
      if (failed === 412)
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: 'If-Match' });
      const headers: Record<string, string | number> = {
        etag: quote(etag),
        'last-modified': info.lastModified.toUTCString(),
        'accept-ranges': 'bytes',
        'content-type': query.get('response-content-type') ?? info.contentType ?? 'application/octet-stream',
      };
      for (const h of ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'])
        if (query.has(`response-${h}`)) headers[h] = query.get(`response-${h}`)!;
      for (const [k, v] of Object.entries(info.metadata ?? {})) if (k !== ETAG_METADATA) headers[`x-amz-meta-${k}`] = headerSafe(v);
      let status = 200;
      let length = info.size;
      if (start !== undefined) {
        const last = Math.min(end ?? info.size - 1, info.size - 1);
        length = last - start + 1;
        headers['content-range'] = `bytes ${start}-${last}/${info.size}`;
        status = 206;
      }
      headers['content-length'] = length;
      res.writeHead(status, headers);
      if (!body) {
        res.end();
        return;
      }
      // Exactly the announced length, or the connection is cut: a body that ended early without an error must
      // not look like a whole (shorter) object to the client.
      const checked = exactLength(body, length, (n, want) => new Error(`the store sent ${n} of ${want} bytes of ${ctx.resource}`));
      await pipeline(checked, res).catch((e: unknown) => {
        deps.onError?.(e, { method: 'GET', path: ctx.resource });
        res.destroy();
      });
    } finally {
      if (body && !body.readableEnded) body.destroy();
    }
  }

  async function putObject(ctx: Ctx): Promise<void> {
    const { req, res } = ctx;
    allow(ctx, ctx.bucket, 'write');
    const bucket = logical(ctx.bucket);
    const metadata = metadataFrom(req);
    const md5 = header(req, 'content-md5');
    if (md5 !== undefined) {
      const hex = Buffer.from(md5, 'base64');
      if (hex.length !== 16) throw new S3Error('InvalidDigest', 'The Content-MD5 you specified is not valid.');
      metadata[ETAG_METADATA] = hex.toString('hex');
    }
    const tags = taggingFrom(req);
    const ifNoneMatch = header(req, 'if-none-match');
    if (ifNoneMatch !== undefined && ifNoneMatch !== '*') throw new S3Error('NotImplemented', 'If-None-Match on PutObject supports only "*"');
    let ifMatch = header(req, 'if-match');
    if (ifMatch !== undefined) ifMatch = await versionFor(bucket, ctx.key, ifMatch);
    const body = requestBody(ctx);
    const contentType = header(req, 'content-type');
    let result;
    try {
      result = await bucket.put(ctx.key, body.stream, {
        ...(contentType ? { contentType } : {}),
        metadata,
        ...(tags ? { tags } : {}),
        ...(body.length !== undefined ? { contentLength: body.length } : {}),
        ...transferTimeout(body.length),
        ...(ifMatch !== undefined ? { ifMatch } : {}),
        ...(ifNoneMatch !== undefined ? { ifNoneMatch: '*' as const } : {}),
      });
    } catch (e) {
      throw body.failure() ?? toS3Error(e, 'key');
    }
    // A body that failed its checks after the store accepted it (cannot happen while the last piece is held back; kept as a guard).
    const failure = body.failure();
    if (failure) throw failure;
    res.writeHead(200, { etag: quote(metadata[ETAG_METADATA] ?? result.versionToken), 'content-length': 0 }).end();
  }

  async function deleteObject(ctx: Ctx): Promise<void> {
    allow(ctx, ctx.bucket, 'delete');
    const bucket = logical(ctx.bucket);
    let ifMatch = header(ctx.req, 'if-match');
    if (ifMatch !== undefined) ifMatch = await versionFor(bucket, ctx.key, ifMatch);
    await bucket.delete(ctx.key, ifMatch !== undefined ? { ifMatch } : {}).catch(rethrowAs('key'));
    ctx.res.writeHead(204).end();
  }

  async function deleteObjects(ctx: Ctx): Promise<void> {
    allow(ctx, ctx.bucket, 'delete');
    const bucket = logical(ctx.bucket);
    const xml = await readXml(ctx);
    const root = parseXmlBody(xml, 'Delete');
    const quiet = text(root['Quiet'])?.trim() === 'true';
    const objects = (root['Object'] as unknown[] | undefined) ?? [];
    if (!Array.isArray(objects) || objects.length === 0 || objects.length > 1000) throw malformed();
    const keys = objects.map((o) => {
      const k = text((o as Record<string, unknown> | undefined)?.['Key']);
      if (k === undefined || k === '') throw malformed();
      return k;
    });
    const result = await bucket.deleteMany(keys).catch(rethrowAs('key'));
    const deleted = quiet ? '' : result.deleted.map((k) => `<Deleted>${el('Key', k)}</Deleted>`).join('');
    const errors = result.errors
      .map(({ key, error }) => {
        const s3 = toS3Error(error);
        return `<Error>${el('Key', key)}${el('Code', s3.code)}${el('Message', s3.message)}</Error>`;
      })
      .join('');
    sendXml(ctx, 200, doc('DeleteResult', deleted + errors));
  }

  async function copyObject(ctx: Ctx): Promise<void> {
    const { req } = ctx;
    let source = header(req, 'x-amz-copy-source')!;
    const q = source.indexOf('?');
    if (q >= 0) {
      const version = new URLSearchParams(source.slice(q + 1)).get('versionId');
      if (version && version !== 'null') throw new S3Error('NotImplemented', 'Copying a specific version is not implemented by the polycloud gateway');
      source = source.slice(0, q);
    }
    source = safeDecode(source).replace(/^\//, '');
    const slash = source.indexOf('/');
    if (slash <= 0 || slash === source.length - 1)
      throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
    const srcBucketId = source.slice(0, slash);
    const srcKey = source.slice(slash + 1);
    allow(ctx, srcBucketId, 'read');
    allow(ctx, ctx.bucket, 'write');
    const srcBucket = logical(srcBucketId);
    const dstBucket = logical(ctx.bucket);
    const directive = (header(req, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
    if (directive !== 'COPY' && directive !== 'REPLACE') throw new S3Error('InvalidArgument', 'Unknown metadata directive.');
    const replace = directive === 'REPLACE';
    const srcInfo = await srcBucket.head(srcKey).catch(rethrowAs('key'));
    const srcEtag = etagOf(srcInfo);
    const failed = checkConditions(req, srcEtag, srcInfo.versionToken, srcInfo.lastModified, 'x-amz-copy-source-');
    if (failed) throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
    if (!replace && srcBucketId === ctx.bucket && srcKey === ctx.key)
      throw new S3Error(
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    const contentType = header(req, 'content-type');
    const metadata = replace ? metadataFrom(req) : undefined;
    const keptEtag = srcInfo.metadata?.[ETAG_METADATA];
    if (metadata && keptEtag) metadata[ETAG_METADATA] = keptEtag;
    const options = { ...(metadata ? { metadata } : {}), ...(replace && contentType ? { contentType } : {}) };
    let result;
    if (srcBucketId === ctx.bucket) result = await dstBucket.copy(srcKey, ctx.key, { ...options, ...transferTimeout(srcInfo.size) }).catch(rethrowAs('key'));
    else {
      const src = await srcBucket.get(srcKey).catch(rethrowAs('key'));
      try {
        result = await dstBucket
          .put(ctx.key, src.body, {
            contentLength: src.size,
            ...transferTimeout(src.size),
            ...(src.contentType && !options.contentType ? { contentType: src.contentType } : {}),
            ...options,
            ...(metadata ? {} : { metadata: src.metadata ?? {} }),
          })
          .catch(rethrowAs('key'));
      } finally {
        src.body.destroy();
      }
    }
    const etag = keptEtag ?? result.versionToken;
    sendXml(ctx, 200, doc('CopyObjectResult', el('LastModified', new Date().toISOString()) + el('ETag', quote(etag))));
  }

  // ---- multipart -----------------------------------------------------------------------------

  async function createUpload(ctx: Ctx): Promise<void> {
    allow(ctx, ctx.bucket, 'write');
    logical(ctx.bucket);
    const contentType = header(ctx.req, 'content-type');
    const tags = taggingFrom(ctx.req);
    const state = await store.create({
      bucket: ctx.bucket,
      key: ctx.key,
      ...(contentType ? { contentType } : {}),
      metadata: metadataFrom(ctx.req),
      ...(tags ? { tags } : {}),
      initiator: ctx.principal.id,
    });
    sendXml(ctx, 200, doc('InitiateMultipartUploadResult', el('Bucket', ctx.bucket) + el('Key', ctx.key) + el('UploadId', state.uploadId)));
  }

  async function uploadPart(ctx: Ctx, uploadId: string): Promise<void> {
    allow(ctx, ctx.bucket, 'write');
    const n = ctx.query.get('partNumber') ?? '';
    if (!/^\d+$/.test(n) || Number(n) < 1 || Number(n) > MAX_PARTS)
      throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PARTS}, inclusive`);
    await store.get(uploadId, ctx.bucket, ctx.key);
    const body = requestBody(ctx);
    let part: PartInfo;
    try {
      part = await store.putPart(uploadId, Number(n), body.stream);
    } catch (e) {
      throw body.failure() ?? toS3Error(e);
    }
    ctx.res.writeHead(200, { etag: quote(part.etag), 'content-length': 0 }).end();
  }

  async function listParts(ctx: Ctx, uploadId: string): Promise<void> {
    allow(ctx, ctx.bucket, 'read');
    await store.get(uploadId, ctx.bucket, ctx.key);
    const marker = Number(ctx.query.get('part-number-marker') ?? '0') || 0;
    const max = Math.min(1000, Number(ctx.query.get('max-parts') ?? '1000') || 1000);
    const all = (await store.parts(uploadId)).filter((p) => p.partNumber > marker);
    const parts = all.slice(0, max);
    const truncated = all.length > parts.length;
    const inner =
      el('Bucket', ctx.bucket) +
      el('Key', ctx.key) +
      el('UploadId', uploadId) +
      el('PartNumberMarker', marker) +
      (truncated ? el('NextPartNumberMarker', parts[parts.length - 1]!.partNumber) : '') +
      el('MaxParts', max) +
      el('IsTruncated', truncated) +
      el('StorageClass', 'STANDARD') +
      parts
        .map((p) => `<Part>${el('PartNumber', p.partNumber)}${el('LastModified', p.lastModified)}${el('ETag', quote(p.etag))}${el('Size', p.size)}</Part>`)
        .join('');
    sendXml(ctx, 200, doc('ListPartsResult', inner));
  }

  async function listUploads(ctx: Ctx): Promise<void> {
    allow(ctx, ctx.bucket, 'read');
    logical(ctx.bucket);
    const prefix = ctx.query.get('prefix') ?? '';
    const uploads = (await store.uploads())
      .filter((u) => u.bucket === ctx.bucket && u.key.startsWith(prefix))
      .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)) || a.initiated.localeCompare(b.initiated));
    const inner =
      el('Bucket', ctx.bucket) +
      el('KeyMarker', '') +
      el('UploadIdMarker', '') +
      el('Prefix', prefix) +
      el('MaxUploads', 1000) +
      el('IsTruncated', false) +
      uploads
        .slice(0, 1000)
        .map(
          (u) =>
            `<Upload>${el('Key', u.key)}${el('UploadId', u.uploadId)}<Initiator>${el('ID', u.initiator)}</Initiator>` +
            `${el('StorageClass', 'STANDARD')}${el('Initiated', u.initiated)}</Upload>`,
        )
        .join('');
    sendXml(ctx, 200, doc('ListMultipartUploadsResult', inner));
  }

  async function abortUpload(ctx: Ctx, uploadId: string): Promise<void> {
    allow(ctx, ctx.bucket, 'write');
    await store.get(uploadId, ctx.bucket, ctx.key);
    await store.remove(uploadId);
    ctx.res.writeHead(204).end();
  }

  /**
   * CompleteMultipartUpload runs once per upload: a second request for an upload that
   * is being completed (a client that retried after losing the connection) waits for
   * the first and answers its outcome, and one for an upload completed in the last
   * COMPLETED_TTL_MS answers the same result, as S3 does — never a second write of
   * the key racing the first (a store that writes an object in place, as s3rver does,
   * would mix them).
   */
  async function completeUpload(ctx: Ctx, uploadId: string): Promise<void> {
    allow(ctx, ctx.bucket, 'write');
    forgetCompleted();
    const done = completed.get(uploadId);
    const running = completing.get(uploadId);
    if (done || running) {
      const target = done ?? running!;
      if (target.bucket !== ctx.bucket || target.key !== ctx.key) throw noSuchUpload();
      parseXmlBody(await readXml(ctx), 'CompleteMultipartUpload');
      return answerComplete(ctx, done ? Promise.resolve(done.etag) : running!.result);
    }
    const bucket = logical(ctx.bucket);
    const state = await store.get(uploadId, ctx.bucket, ctx.key);
    const root = parseXmlBody(await readXml(ctx), 'CompleteMultipartUpload');
    const listed = ((root['Part'] as unknown[] | undefined) ?? []).map((p) => {
      const r = (p ?? {}) as Record<string, unknown>;
      const n = text(r['PartNumber'])?.trim() ?? '';
      const etag = unquote(text(r['ETag'])?.trim() ?? '');
      if (!/^\d+$/.test(n)) throw malformed();
      return { n: Number(n), etag };
    });
    if (listed.length === 0) throw new S3Error('MalformedXML', 'You must specify at least one part');
    for (let i = 1; i < listed.length; i++)
      if (listed[i]!.n <= listed[i - 1]!.n)
        throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
    const staged = new Map((await store.parts(uploadId)).map((p) => [p.partNumber, p]));
    const parts = listed.map(({ n, etag }) => {
      const p = staged.get(n);
      if (!p || p.etag !== etag)
        throw new S3Error(
          'InvalidPart',
          "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.",
        );
      return p;
    });
    parts.forEach((p, i) => {
      if (i < parts.length - 1 && p.size < MIN_PART_BYTES)
        throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', 400, { PartNumber: String(p.partNumber) });
    });
    // Checked again after the awaits above: another request may have completed it, or begun to, meanwhile.
    const other = completing.get(uploadId)?.result ?? (completed.has(uploadId) ? Promise.resolve(completed.get(uploadId)!.etag) : undefined);
    if (other) return answerComplete(ctx, other);
    const etag = multipartEtag(parts);
    const size = parts.reduce((s, p) => s + p.size, 0);
    const result = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await bucket.put(ctx.key, store.body(uploadId, parts), {
            contentLength: size,
            ...transferTimeout(size),
            ...(state.contentType ? { contentType: state.contentType } : {}),
            metadata: { ...state.metadata, [ETAG_METADATA]: etag },
            ...(state.tags ? { tags: state.tags } : {}),
          });
          break;
        } catch (e) {
          // The facade cannot replay a consumed stream; the staged parts can be read
          // again, so a retryable failure (a binding that died mid-upload, now marked
          // down) is retried here, and the router sends it to another binding.
          if (attempt < COMPLETE_ATTEMPTS && isPolycloudError(e) && e.retryable) {
            await new Promise((r) => setTimeout(r, 250 * attempt));
            continue;
          }
          throw e;
        }
      }
      completed.set(uploadId, { bucket: ctx.bucket, key: ctx.key, etag, at: now() });
      // The object is stored: staged parts that cannot be removed now are reported, and left to the expiry sweep.
      await store.remove(uploadId).catch((e: unknown) => deps.onError?.(e, { method: 'POST', path: ctx.resource }));
      return etag;
    })();
    completing.set(uploadId, { bucket: ctx.bucket, key: ctx.key, result });
    void result.then(
      () => completing.delete(uploadId),
      () => completing.delete(uploadId),
    );
    return answerComplete(ctx, result);
  }

  /** Drops completed uploads older than COMPLETED_TTL_MS, and the oldest past COMPLETED_MAX. */
  function forgetCompleted(): void {
    const t = now();
    for (const [id, c] of completed) {
      if (t - c.at < COMPLETED_TTL_MS && completed.size <= COMPLETED_MAX) break;
      completed.delete(id);
    }
  }

  /**
   * Answers a CompleteMultipartUpload with the outcome of `result` (the ETag). S3 answers
   * 200 at once and keeps the connection alive with whitespace while it assembles the
   * object; an error then comes as an <Error> document in the 200 body. The same here,
   * once the assembly takes longer than a moment.
   */
  async function answerComplete(ctx: Ctx, result: Promise<string>): Promise<void> {
    const { res } = ctx;
    let keepAlive: NodeJS.Timeout | undefined;
    const started = setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.write('<?xml version="1.0" encoding="UTF-8"?>\n');
      keepAlive = setInterval(() => res.write(' '), 5000);
    }, 2000);
    let etag: string;
    try {
      etag = await result;
    } catch (e) {
      if (!res.headersSent) throw toS3Error(e, 'key');
      const error = toS3Error(e, 'key');
      if (error.status >= 500) deps.onError?.(e, { method: 'POST', path: ctx.resource });
      res.end(errorXml(error, ctx.resource, ctx.requestId).replace(/^<\?xml[^>]*>\n/, ''));
      return;
    } finally {
      clearTimeout(started);
      clearInterval(keepAlive);
    }
    const body = `<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${el('Location', `/${ctx.bucket}/${ctx.key}`)}${el('Bucket', ctx.bucket)}${el('Key', ctx.key)}${el('ETag', quote(etag))}</CompleteMultipartUploadResult>`;
    if (res.headersSent) res.end(body);
    else sendXml(ctx, 200, `<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  }

  // ---- helpers -------------------------------------------------------------------------------

  function requestBody(ctx: Ctx): { stream: BodyVerifier; length: number | undefined; failure(): S3Error | undefined } {
    const { req, payload } = ctx;
    const max = deps.config.limits.maxBodyBytes;
    const declared = header(req, 'content-length');
    const chunked = payload.kind === 'chunked-signed' || payload.kind === 'chunked-unsigned-trailer';
    const decodedHeader = header(req, 'x-amz-decoded-content-length');
    const lengthHeader = chunked ? decodedHeader : declared;
    if (chunked && !/aws-chunked/i.test(header(req, 'content-encoding') ?? '') && decodedHeader === undefined)
      throw new S3Error('InvalidRequest', 'a streaming payload needs Content-Encoding: aws-chunked or x-amz-decoded-content-length');
    if (lengthHeader !== undefined && !/^\d+$/.test(lengthHeader)) throw new S3Error('InvalidArgument', 'The Content-Length is not a number');
    const length = lengthHeader === undefined ? undefined : Number(lengthHeader);
    if (length !== undefined && length > max)
      throw new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, {
        MaxSizeAllowed: String(max),
        ProposedSize: String(length),
      });
    if (length === undefined && declared === undefined && header(req, 'transfer-encoding') === undefined)
      throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.');
    let decoder: ChunkedDecoder | undefined;
    let source: Readable = req;
    if (chunked) {
      const trailer = header(req, 'x-amz-trailer');
      decoder = new ChunkedDecoder({
        ...(payload.kind === 'chunked-signed' ? { chain: payload.chain } : {}),
        trailer: payload.kind === 'chunked-unsigned-trailer' || (payload.kind === 'chunked-signed' && payload.trailer),
        ...(trailer ? { announcedTrailer: trailer } : {}),
        maxChunkBytes: MAX_CHUNK_BYTES,
      });
      req.pipe(decoder);
      source = decoder;
    }
    const checksumHeader = chunked ? undefined : Object.keys(req.headers).find((h) => checksumName(h) !== undefined);
    const verifier = new BodyVerifier({
      ...(payload.kind === 'sha256' ? { sha256: payload.hex } : {}),
      ...(header(req, 'content-md5') !== undefined ? { contentMd5: header(req, 'content-md5')! } : {}),
      ...(checksumHeader ? { checksum: { name: checksumHeader, value: header(req, checksumHeader)! } } : {}),
      ...(decoder ? { trailersFrom: decoder } : {}),
      maxBytes: max,
      ...(length !== undefined ? { expectedLength: length } : {}),
    });
    source.pipe(verifier);
    decoder?.on('error', (e) => verifier.destroy(e));
    const aborted = () => {
      if (!req.complete) (decoder ?? verifier).destroy(new S3Error('IncompleteBody', 'The request body was cut short.'));
    };
    req.on('aborted', aborted);
    req.on('error', aborted);
    // A body that stops arriving fails after the idle timeout (a part upload or an XML body
    // has no other deadline). Not while the reader applies backpressure: then it is the
    // reader that is slow, not the client.
    const idleMs = deps.bodyIdleTimeoutMs ?? BODY_IDLE_TIMEOUT_MS;
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      if (req.complete) return;
      idle = setTimeout(() => {
        if (req.complete || req.destroyed) return;
        if (req.readableFlowing === false) arm();
        else
          (decoder ?? verifier).destroy(
            new S3Error('RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period.', 400),
          );
      }, idleMs).unref();
    };
    req.on('data', arm);
    req.once('end', () => clearTimeout(idle));
    req.once('close', () => clearTimeout(idle));
    arm();
    return { stream: verifier, length, failure: () => decoder?.failure ?? verifier.failure };
  }

  async function readXml(ctx: Ctx): Promise<string> {
    const body = requestBody(ctx);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const c of body.stream) {
        size += (c as Buffer).length;
        if (size > MAX_XML_BYTES) throw new S3Error('MalformedXML', `The XML body exceeds ${MAX_XML_BYTES} bytes`);
        chunks.push(c as Buffer);
      }
    } catch (e) {
      throw body.failure() ?? toS3Error(e);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** The store's version token for an ETag a client sends (it may be the gateway's own ETag); PreconditionFailed when neither matches. */
  async function versionFor(bucket: LogicalBucketClient, key: string, etag: string): Promise<string> {
    const wanted = unquote(etag.trim());
    const failed = () => new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: 'If-Match' });
    const info = await bucket.head(key).catch((e: unknown) => {
      throw isPolycloudError(e, 'NOT_FOUND') ? failed() : toS3Error(e, 'key');
    });
    if (wanted === '*' || wanted === unquote(info.versionToken) || wanted === etagOf(info)) return info.versionToken;
    throw failed();
  }

  function sendXml(ctx: Ctx, status: number, xml: string): void {
    ctx.res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
    ctx.res.end(xml);
  }
}

interface ObjectView {
  size: number;
  versionToken: string;
  lastModified: Date;
  contentType?: string;
  metadata?: Record<string, string>;
}

/** The ETag a client sees: the one the gateway recorded (multipart, Content-MD5) or the store's version token. */
function etagOf(info: ObjectView): string {
  return info.metadata?.[ETAG_METADATA] ?? unquote(info.versionToken);
}

function quote(etag: string): string {
  return `"${unquote(etag)}"`;
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function decodePath(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI.");
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3Error('InvalidArgument', 'Invalid copy source encoding');
  }
}

function rethrowAs(what: 'key' | 'bucket'): (e: unknown) => never {
  return (e) => {
    throw toS3Error(e, what);
  };
}

/** 304 or 412 when a conditional header fails (RFC 7232 order), else undefined. */
function checkConditions(req: IncomingMessage, etag: string, version: string, lastModified: Date, prefix = ''): 304 | 412 | undefined {
  const matches = (list: string) =>
    list
      .split(',')
      .map((s) => unquote(s.trim()))
      .some((t) => t === '*' || t === etag || t === unquote(version));
  const ifMatch = header(req, `${prefix}if-match`);
  const ifNoneMatch = header(req, `${prefix}if-none-match`);
  const ifModifiedSince = header(req, `${prefix}if-modified-since`);
  const ifUnmodifiedSince = header(req, `${prefix}if-unmodified-since`);
  const seconds = Math.floor(lastModified.getTime() / 1000) * 1000;
  if (ifMatch !== undefined) {
    if (!matches(ifMatch)) return 412;
  } else if (ifUnmodifiedSince !== undefined) {
    const t = Date.parse(ifUnmodifiedSince);
    if (Number.isFinite(t) && seconds > t) return 412;
  }
  if (ifNoneMatch !== undefined) {
    if (matches(ifNoneMatch)) return prefix ? 412 : 304;
  } else if (ifModifiedSince !== undefined) {
    const t = Date.parse(ifModifiedSince);
    if (Number.isFinite(t) && seconds <= t) return prefix ? 412 : 304;
  }
  return undefined;
}

function parseRange(
  value: string | string[] | undefined,
): { start: number; end?: number; suffix?: undefined } | { suffix: number; start?: undefined } | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  // Several ranges, or a malformed one: S3 ignores the header and sends the whole object.
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') return { suffix: Number(m[2]) };
  const start = Number(m[1]);
  if (m[2] === '') return { start };
  const end = Number(m[2]);
  if (end < start) return undefined;
  return { start, end };
}

function invalidRange(size: number | undefined): S3Error {
  return new S3Error('InvalidRange', 'The requested range is not satisfiable', 416, size === undefined ? {} : { ActualObjectSize: String(size) });
}

function metadataFrom(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const k = name.slice('x-amz-meta-'.length);
    if (k === ETAG_METADATA) continue;
    // Node reads header bytes as latin1; clients send UTF-8.
    out[k] = Buffer.from(Array.isArray(value) ? value.join(',') : value, 'latin1').toString('utf8');
  }
  return out;
}

/** A metadata value as a header: printable ASCII as is, anything else RFC 2047-encoded (as S3 does). */
function headerSafe(v: string): string {
  return /^[\x20-\x7e]*$/.test(v) ? v : `=?UTF-8?B?${Buffer.from(v, 'utf8').toString('base64')}?=`;
}

function taggingFrom(req: IncomingMessage): Record<string, string> | undefined {
  const v = header(req, 'x-amz-tagging');
  if (!v) return undefined;
  const tags: Record<string, string> = {};
  for (const [k, val] of new URLSearchParams(v)) tags[k] = val;
  return tags;
}

interface Cursor {
  b: string;
  t: string;
}

const CURSOR_PREFIX = 'pc1.';

function encodeCursor(c: Cursor): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

function decodeCursor(s: string): Cursor | undefined {
  if (!s.startsWith(CURSOR_PREFIX)) return undefined;
  try {
    const c = JSON.parse(Buffer.from(s.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8')) as Cursor;
    return typeof c.b === 'string' && typeof c.t === 'string' ? c : undefined;
  } catch {
    return undefined;
  }
}

/** Reads and discards what is left of a request body, up to DRAIN_LIMIT; false if it had to give up (close the connection). */
function drained(req: IncomingMessage): Promise<boolean> {
  if (req.complete || req.readableEnded) return Promise.resolve(true);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT) return Promise.resolve(false);
  return new Promise((resolve) => {
    let seen = 0;
    const timer = setTimeout(() => done(false), 30_000);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      req.off('data', onData);
      resolve(ok);
    };
    const onData = (c: Buffer) => {
      seen += c.length;
      if (seen > DRAIN_LIMIT) done(false);
    };
    req.on('data', onData);
    req.once('end', () => done(true));
    req.once('error', () => done(false));
    req.once('close', () => done(req.complete));
    req.resume();
  });
}
