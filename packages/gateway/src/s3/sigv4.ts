import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { CredentialStore, Principal } from '../auth.js';
import type { ResolvedGatewayConfig } from '../config.js';
import { S3Error } from './errors.js';

/*
 * AWS Signature Version 4 as S3 uses it: the Authorization-header form, the presigned
 * query form, and the data the body verifiers need (payload hash, seed signature and
 * signing key for aws-chunked bodies). Comparisons of signatures are constant-time;
 * secrets never leave this module except as the derived signing key.
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** How the request's body is protected. */
export type PayloadMode =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; hex: string }
  /** aws-chunked: each chunk signed (and, with `trailer`, a signed trailer). */
  | { kind: 'chunked-signed'; trailer: boolean; chain: ChunkChain }
  /** aws-chunked with unsigned chunks and a trailing checksum. */
  | { kind: 'chunked-unsigned-trailer' };

/** What a chunk signature is computed from. */
export interface ChunkChain {
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  seedSignature: string;
}

export interface Authenticated {
  principal: Principal;
  payload: PayloadMode;
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
export const sha256hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** Constant-time equality of two hex signatures (false when the lengths differ). */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x); // spend comparable time; the length of a hex signature is no secret
    return false;
  }
  return timingSafeEqual(x, y);
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ (and `/` when kept). */
export function uriEncode(s: string, keepSlash: boolean): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400);
  }
}

/** The canonical URI of S3 (single-encoded, no dot-segment normalisation) from the raw path. */
export function canonicalUri(rawPath: string): string {
  return rawPath
    .split('/')
    .map((seg) => uriEncode(decode(seg), false))
    .join('/');
}

/** The raw query's parameters, decoded, in order. */
export function parseQuery(rawQuery: string): [string, string][] {
  if (!rawQuery) return [];
  return rawQuery
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const i = p.indexOf('=');
      return i < 0 ? [decode(p), ''] : [decode(p.slice(0, i)), decode(p.slice(i + 1))];
    });
}

export function canonicalQuery(params: [string, string][], exclude?: string): string {
  return params
    .filter(([k]) => k !== exclude)
    .map(([k, v]) => [uriEncode(k, false), uriEncode(v, false)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function headerValue(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v.join(',') : (v ?? '');
  return s.trim().replace(/\s+/g, ' ');
}

function canonicalRequest(req: IncomingMessage, rawPath: string, query: string, signedHeaders: string[], payloadHash: string): string {
  const headers = signedHeaders.map((h) => `${h}:${headerValue(req, h)}\n`).join('');
  return `${req.method}\n${canonicalUri(rawPath)}\n${query}\n${headers}\n${signedHeaders.join(';')}\n${payloadHash}`;
}

/**
 * Every `x-amz-*` header of the request must be signed (as S3 requires): they change what
 * a request does (x-amz-copy-source turns a PUT into a copy, x-amz-metadata-directive,
 * x-amz-tagging, x-amz-meta-*), so an unsigned one would let a replayed request or a
 * presigned URL be repurposed. x-amz-content-sha256 is exempt: its value is signed as
 * the payload hash (header form) or not used (presigned form).
 */
function requireSignedAmzHeaders(req: IncomingMessage, signedHeaders: string[]): void {
  const unsigned = Object.keys(req.headers).filter((h) => h.startsWith('x-amz-') && h !== 'x-amz-content-sha256' && !signedHeaders.includes(h));
  if (unsigned.length > 0)
    throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed', 403, { HeadersNotSigned: unsigned.join(', ') });
}

function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256hex(canonical)}`;
}

/** `20130524T000000Z` → ms since epoch, or NaN. */
export function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

function parseCredential(value: string, malformed: (why: string) => S3Error): Credential {
  const parts = value.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request')
    throw malformed('the Credential is malformed; expected "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request"');
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  if (!/^\d{8}$/.test(date)) throw malformed('the Credential date is malformed');
  if (service !== 's3') throw malformed(`the Credential service is "${service}"; expected "s3"`);
  return { accessKeyId, date, region, service };
}

export interface AuthInput {
  req: IncomingMessage;
  rawPath: string;
  rawQuery: string;
  query: [string, string][];
  credentials: CredentialStore;
  config: ResolvedGatewayConfig;
  now: number;
}

/**
 * Authenticates a request: the Authorization header, a presigned query, or none (the
 * anonymous principal, when the configuration has one). Throws the S3 error to answer.
 */
export function authenticate(input: AuthInput): Authenticated {
  const { req, query } = input;
  const authorization = req.headers['authorization'];
  const presigned = query.some(([k]) => k === 'X-Amz-Signature') || query.some(([k]) => k === 'X-Amz-Algorithm');
  if (authorization !== undefined && presigned)
    throw new S3Error(
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified',
    );
  if (authorization !== undefined) return headerAuth(input, authorization);
  if (presigned) return queryAuth(input);
  if (query.some(([k]) => k === 'AWSAccessKeyId' || k === 'Signature'))
    throw new S3Error('AccessDenied', 'Signature Version 2 is not supported; use Signature Version 4');
  const anonymous = input.credentials.anonymous();
  if (!anonymous) throw new S3Error('AccessDenied', 'Access Denied (anonymous access is not configured)');
  return { principal: anonymous, payload: { kind: 'unsigned' } };
}

/** The secret and principal of an access key; `InvalidAccessKeyId` when the configuration has no such key. */
function keyOf(credentials: CredentialStore, accessKeyId: string): { secret: string; principal: Principal } {
  const secret = credentials.secretFor(accessKeyId);
  const principal = credentials.principalFor(accessKeyId);
  if (secret === undefined || !principal)
    throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403, { AWSAccessKeyId: accessKeyId });
  return { secret, principal };
}

/** Signs the canonical request with the key's secret and compares in constant time; `SignatureDoesNotMatch` when they differ. */
function checkSignature(
  secret: string,
  credential: Credential,
  amzDate: string,
  canonical: string,
  signature: string,
): { key: Buffer; scope: string; expected: string } {
  const scope = `${credential.date}/${credential.region}/${credential.service}/aws4_request`;
  const key = signingKey(secret, credential.date, credential.region, credential.service);
  const expected = createHmac('sha256', key)
    .update(stringToSign(amzDate, scope, canonical))
    .digest('hex');
  if (!sameSignature(expected, signature.toLowerCase()))
    throw new S3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      403,
      { AWSAccessKeyId: credential.accessKeyId },
    );
  return { key, scope, expected };
}

function headerAuth(input: AuthInput, authorization: string): Authenticated {
  const { req, credentials, config, now } = input;
  const malformed = (why: string) => new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${why}`);
  if (authorization.startsWith('AWS ')) throw new S3Error('AccessDenied', 'Signature Version 2 is not supported; use Signature Version 4');
  if (!authorization.startsWith(`${ALGORITHM} `)) throw malformed(`the authorization algorithm must be ${ALGORITHM}`);
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
    const i = part.indexOf('=');
    if (i > 0) fields.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const credentialField = fields.get('Credential');
  const signedField = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credentialField || !signedField || !signature) throw malformed('it must carry Credential, SignedHeaders and Signature');
  const credential = parseCredential(credentialField, malformed);
  if (credential.region !== config.region) throw malformed(`the region '${credential.region}' is wrong; expecting '${config.region}'`);
  const signedHeaders = signedField.split(';');
  if (!signedHeaders.includes('host')) throw malformed('SignedHeaders must include host');
  requireSignedAmzHeaders(req, signedHeaders);

  const amzDate = headerValue(req, 'x-amz-date');
  const when = amzDate ? parseAmzDate(amzDate) : Date.parse(headerValue(req, 'date'));
  if (!Number.isFinite(when)) throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  const dateForSigning =
    amzDate ||
    new Date(when)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  if (credential.date !== dateForSigning.slice(0, 8)) throw malformed(`the Credential date ${credential.date} does not match the request date`);
  if (Math.abs(now - when) > config.limits.clockSkewSeconds * 1000)
    throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403, {
      RequestTime: dateForSigning,
      ServerTime: new Date(now).toISOString(),
    });

  const payloadHash = headerValue(req, 'x-amz-content-sha256');
  if (!payloadHash) throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  const payload = payloadMode(payloadHash);

  const { secret, principal } = keyOf(credentials, credential.accessKeyId);
  const canonical = canonicalRequest(req, input.rawPath, canonicalQuery(input.query), signedHeaders, payloadHash);
  const { key, scope, expected } = checkSignature(secret, credential, dateForSigning, canonical, signature);
  if (payload.kind === 'chunked-signed') payload.chain = { signingKey: key, amzDate: dateForSigning, scope, seedSignature: expected };
  return { principal, payload };
}

function payloadMode(hash: string): PayloadMode {
  switch (hash) {
    case UNSIGNED_PAYLOAD:
      return { kind: 'unsigned' };
    case STREAMING_SIGNED:
    case STREAMING_SIGNED_TRAILER:
      return { kind: 'chunked-signed', trailer: hash === STREAMING_SIGNED_TRAILER, chain: undefined as unknown as ChunkChain };
    case STREAMING_UNSIGNED_TRAILER:
      return { kind: 'chunked-unsigned-trailer' };
    default:
      if (!/^[0-9a-f]{64}$/.test(hash))
        throw new S3Error('InvalidArgument', `x-amz-content-sha256 must be a lower-case SHA-256 hex digest or one of the documented values`);
      return { kind: 'sha256', hex: hash };
  }
}

function queryAuth(input: AuthInput): Authenticated {
  const { req, query, credentials, config, now } = input;
  const get = (k: string) => query.find(([n]) => n === k)?.[1];
  const bad = (why: string) => new S3Error('AuthorizationQueryParametersError', why);
  if (get('X-Amz-Algorithm') !== ALGORITHM) throw bad(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const credentialField = get('X-Amz-Credential');
  const amzDate = get('X-Amz-Date');
  const expires = get('X-Amz-Expires');
  const signedField = get('X-Amz-SignedHeaders');
  const signature = get('X-Amz-Signature');
  if (!credentialField || !amzDate || !expires || !signedField || !signature)
    throw bad(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  const credential = parseCredential(credentialField, (why) => bad(`Error parsing the X-Amz-Credential parameter; ${why}`));
  if (credential.region !== config.region)
    throw bad(`Error parsing the X-Amz-Credential parameter; the region '${credential.region}' is wrong; expecting '${config.region}'`);
  const when = parseAmzDate(amzDate);
  if (!Number.isFinite(when)) throw bad("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  if (credential.date !== amzDate.slice(0, 8)) throw bad('the X-Amz-Credential date does not match X-Amz-Date');
  if (!/^\d+$/.test(expires)) throw bad('X-Amz-Expires should be a number');
  const seconds = Number(expires);
  if (seconds < 1 || seconds > config.limits.maxPresignExpirySeconds)
    throw bad(`X-Amz-Expires must be between 1 and ${config.limits.maxPresignExpirySeconds} seconds`);
  if (when - now > config.limits.clockSkewSeconds * 1000) throw new S3Error('AccessDenied', 'Request is not valid yet');
  if (now > when + seconds * 1000) throw new S3Error('AccessDenied', 'Request has expired', 403, { Expires: new Date(when + seconds * 1000).toISOString() });
  const signedHeaders = signedField.split(';');
  if (!signedHeaders.includes('host')) throw bad('X-Amz-SignedHeaders must include host');
  requireSignedAmzHeaders(req, signedHeaders);

  const { secret, principal } = keyOf(credentials, credential.accessKeyId);
  const payloadHash = get('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD;
  const canonical = canonicalRequest(req, input.rawPath, canonicalQuery(query, 'X-Amz-Signature'), signedHeaders, payloadHash);
  checkSignature(secret, credential, amzDate, canonical, signature);
  const payload = payloadMode(payloadHash);
  if (payload.kind !== 'unsigned' && payload.kind !== 'sha256') throw bad('a presigned URL cannot carry a streaming payload');
  return { principal, payload };
}

/** The string a chunk signature signs. */
export function chunkStringToSign(chain: ChunkChain, previous: string, chunkHash: string): string {
  return `${ALGORITHM}-PAYLOAD\n${chain.amzDate}\n${chain.scope}\n${previous}\n${EMPTY_SHA256}\n${chunkHash}`;
}

/** The string a trailer signature signs. */
export function trailerStringToSign(chain: ChunkChain, previous: string, trailerHash: string): string {
  return `${ALGORITHM}-TRAILER\n${chain.amzDate}\n${chain.scope}\n${previous}\n${trailerHash}`;
}
