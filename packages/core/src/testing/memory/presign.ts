import { createHash } from 'node:crypto';
import type { Clock, PresignOptions } from '@polycloud/core/spi';
import { memoryError } from '../errors.js';
import type { MemoryCloud } from './cloud.js';

const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;

/** A deterministic, non-secret check value so a tampered URL is rejected. */
function check(method: string, bucket: string, key: string, expires: number): string {
  return createHash('sha256').update(`${method}\n${bucket}\n${key}\n${expires}`).digest('hex').slice(0, 16);
}

/** `memory://<bucket>/<key>?method=GET&expires=<epoch s>&check=…` */
export function presignMemoryUrl(clock: Clock, bucket: string, key: string, options: PresignOptions): string {
  if (options.method !== 'GET' && options.method !== 'PUT') {
    throw memoryError('INVALID_ARGUMENT', 'presign method must be GET or PUT', { path: ['method'] }, false);
  }
  const s = options.expiresInSeconds;
  if (!Number.isInteger(s) || s < 1 || s > MAX_EXPIRY_SECONDS) {
    throw memoryError('INVALID_ARGUMENT', `expiresInSeconds must be an integer in 1…${MAX_EXPIRY_SECONDS}`, { path: ['expiresInSeconds'] }, false);
  }
  const expires = Math.floor(clock.now() / 1000) + s;
  const path = key.split('/').map(encodeURIComponent).join('/');
  const query = new URLSearchParams({ method: options.method, expires: String(expires), check: check(options.method, bucket, key, expires) });
  return `memory://${encodeURIComponent(bucket)}/${path}?${query.toString()}`;
}

/**
 * Plays the provider's side of a presigned `memory://` URL: GET returns the bytes,
 * PUT stores `body`. Expired → PERMISSION_DENIED, tampered → PERMISSION_DENIED,
 * missing object on GET → NOT_FOUND.
 */
export function openPresignedUrl(cloud: MemoryCloud, clock: Clock, url: string, body?: Uint8Array): Uint8Array | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw memoryError('INVALID_ARGUMENT', 'not a URL', { path: ['url'] }, false);
  }
  if (parsed.protocol !== 'memory:') throw memoryError('INVALID_ARGUMENT', 'not a memory:// URL', { path: ['url'] }, false);
  const bucket = decodeURIComponent(parsed.host);
  const key = parsed.pathname.slice(1).split('/').map(decodeURIComponent).join('/');
  const method = parsed.searchParams.get('method') ?? '';
  const expires = Number(parsed.searchParams.get('expires'));
  if (parsed.searchParams.get('check') !== check(method, bucket, key, expires)) {
    throw memoryError('PERMISSION_DENIED', 'presigned URL signature does not match', { bucket }, false);
  }
  if (clock.now() / 1000 > expires) throw memoryError('PERMISSION_DENIED', 'presigned URL has expired', { bucket }, false);
  if (method === 'PUT') {
    cloud.putObject(bucket, key, body ?? new Uint8Array());
    return undefined;
  }
  const o = cloud.getObject(bucket, key);
  if (!o) throw memoryError('NOT_FOUND', 'object not found', { bucket, key }, false);
  return o.data;
}
