import { PolycloudError } from '../errors/polycloud-error.js';
import type { UserMetadata } from '../adapter/storage-adapter.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
export const MAX_KEY_BYTES = 1024;

/**
 * Key prefix of polycloud's own objects in a data bucket (the sync engine's journal,
 * leases and state). Not reachable through the bucket API: keys under it are refused,
 * listings hide it.
 */
export const RESERVED_KEY_PREFIX = '_polycloud/';

/** True for a key (or listing prefix) inside polycloud's own namespace. */
export function isReservedKey(key: string): boolean {
  return key.startsWith(RESERVED_KEY_PREFIX);
}

/**
 * Throws INVALID_ARGUMENT (with `path`) unless `key` is a portable object key.
 * One pass over the UTF-16 code units, allocating nothing: it runs on every call.
 */
export function validateKey(key: unknown, path: (string | number)[] = ['key']): string {
  const fail = (why: string) => new PolycloudError('INVALID_ARGUMENT', `invalid object key: ${why}`, { context: { path }, retryable: false });
  if (typeof key !== 'string') throw fail(`expected a string, got ${key === null ? 'null' : typeof key}`);
  if (key.length === 0) throw fail('empty');
  let bytes = 0;
  let segmentStart = 0;
  for (let i = 0; i <= key.length; i++) {
    const c = i < key.length ? key.charCodeAt(i) : 0x2f; // the end closes the last segment
    if (c === 0x2f) {
      // URL normalisation on some providers rewrites these (`a/../b` would write `b`; Azure
      // turns `\` into `/`), so they are not portable across clouds.
      const n = i - segmentStart;
      if ((n === 1 || n === 2) && key.charCodeAt(segmentStart) === 0x2e && (n === 1 || key.charCodeAt(segmentStart + 1) === 0x2e)) {
        throw fail('has a "." or ".." path segment');
      }
      segmentStart = i + 1;
      if (i < key.length) bytes += 1;
    } else if (c < 0x20 || c === 0x7f) throw fail('contains a control character');
    else if (c === 0x5c) throw fail('contains a backslash');
    else if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = key.charCodeAt(i + 1); // NaN past the end
      if (!(next >= 0xdc00 && next <= 0xdfff)) throw fail('is not valid UTF-16 (lone surrogate)');
      bytes += 4;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) throw fail('is not valid UTF-16 (lone surrogate)');
    else bytes += 3;
  }
  if (bytes > MAX_KEY_BYTES) throw fail(`${bytes} bytes long (max ${MAX_KEY_BYTES} UTF-8 bytes)`);
  if (key.charCodeAt(0) === 0x5f && key.startsWith(RESERVED_KEY_PREFIX)) throw fail(`is inside polycloud's reserved namespace "${RESERVED_KEY_PREFIX}"`);
  return key;
}

/** Metadata names polycloud keeps for itself (version stamps). */
export const RESERVED_METADATA_PREFIX = 'pc_';
const META_NAME = /^[a-z0-9][a-z0-9_-]{0,127}$/;

/**
 * Throws INVALID_ARGUMENT unless metadata is portable: names lower-case ASCII
 * letters, digits, `-` and `_` (max 128), values strings (any UTF-8; adapters encode
 * what their headers cannot carry), and not using the reserved `pc_` prefix unless
 * `allowReserved`.
 */
export function validateMetadata(metadata: unknown, path: (string | number)[] = ['metadata'], allowReserved = false): UserMetadata | undefined {
  if (metadata === undefined) return undefined;
  const fail = (why: string, p = path) => new PolycloudError('INVALID_ARGUMENT', `invalid metadata: ${why}`, { context: { path: p }, retryable: false });
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw fail('expected an object of strings');
  for (const [name, value] of Object.entries(metadata)) {
    if (!META_NAME.test(name)) throw fail(`name "${name}" must match ${META_NAME}`, [...path, name]);
    if (!allowReserved && name.startsWith(RESERVED_METADATA_PREFIX))
      throw fail(`name "${name}" uses the reserved prefix "${RESERVED_METADATA_PREFIX}"`, [...path, name]);
    if (typeof value !== 'string') throw fail(`value of "${name}" must be a string`, [...path, name]);
    if (LONE_SURROGATE.test(value)) throw fail(`value of "${name}" is not valid UTF-16`, [...path, name]);
  }
  return metadata as UserMetadata;
}
