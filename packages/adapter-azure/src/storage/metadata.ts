import type { UserMetadata } from '@polycloud/core/spi';

/**
 * Azure metadata travels as `x-ms-meta-<name>: <value>` headers: names must be C#
 * identifiers (letters, digits, `_`, not starting with a digit) and are read back in
 * lower case; values must be printable ASCII and lose leading / trailing blanks.
 * Portable polycloud names (`[a-z0-9][a-z0-9_-]*`) and arbitrary string values are
 * mapped onto that reversibly:
 *
 * - A name that is already an identifier starting with a letter is stored as is.
 *   Any other name (a hyphen, a leading digit) is stored as `_` + the name with
 *   `_` → `__` and `-` → `_h`. Portable names never start with `_`, so a stored
 *   name starting with `_` is always an encoded one.
 * - A value that is non-empty printable ASCII without leading / trailing blanks
 *   and does not start with `=?pc-b64?` is stored as is. Any other value is stored
 *   as `=?pc-b64?` + base64url(UTF-8 bytes); so a value that merely looks encoded
 *   is itself encoded and decodes back exactly.
 */
export const VALUE_PREFIX = '=?pc-b64?';

const PLAIN_NAME = /^[a-z][a-z0-9_]*$/;
const PLAIN_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

export function encodeMetadataName(name: string): string {
  if (PLAIN_NAME.test(name)) return name;
  return `_${name.replace(/_/g, '__').replace(/-/g, '_h')}`;
}

/** The portable name of a stored name; names not written by this encoding come back as they are. */
export function decodeMetadataName(stored: string): string {
  const name = stored.toLowerCase();
  if (!name.startsWith('_')) return name;
  let out = '';
  for (let i = 1; i < name.length; i++) {
    const c = name[i]!;
    if (c !== '_') {
      out += c;
      continue;
    }
    const next = name[++i];
    if (next === '_') out += '_';
    else if (next === 'h') out += '-';
    else return name; // not ours: keep the stored name
  }
  return out;
}

export function encodeMetadataValue(value: string): string {
  if (PLAIN_VALUE.test(value) && !value.startsWith(VALUE_PREFIX)) return value;
  return VALUE_PREFIX + Buffer.from(value, 'utf8').toString('base64url');
}

export function decodeMetadataValue(stored: string): string {
  if (!stored.startsWith(VALUE_PREFIX)) return stored;
  const payload = stored.slice(VALUE_PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(payload)) return stored;
  return Buffer.from(payload, 'base64url').toString('utf8');
}

export function encodeMetadata(metadata: UserMetadata | undefined): Record<string, string> | undefined {
  if (metadata === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) out[encodeMetadataName(name)] = encodeMetadataValue(value);
  return out;
}

export function decodeMetadata(stored: Record<string, string> | undefined): UserMetadata {
  const out: UserMetadata = {};
  for (const [name, value] of Object.entries(stored ?? {})) out[decodeMetadataName(name)] = decodeMetadataValue(value);
  return out;
}
