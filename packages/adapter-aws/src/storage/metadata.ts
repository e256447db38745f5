import { PolycloudError, type UserMetadata } from '@polycloud/core/spi';

/**
 * S3 user metadata travels in `x-amz-meta-*` headers, which carry printable ASCII
 * only (and lose leading/trailing whitespace). Values that cannot travel raw are
 * sent as `MARKER + encodeURIComponent(value)`; `decodeMetadataValue` reverses it.
 *
 * Sent raw: printable ASCII without leading/trailing whitespace, not starting with
 * the marker and not containing `=?`. The last rule matters on real S3: it decodes
 * RFC 2047 words (`=?UTF-8?B?…?=`) in metadata it receives and re-encodes non-ASCII
 * on the way out, so a raw value that merely looks like RFC 2047 would not come back
 * as written. Percent-encoding never produces `=?`, so S3 leaves our values alone.
 *
 * On read, a value starting with the marker is percent-decoded; a value holding
 * RFC 2047 words (written by another tool, returned by S3 for raw non-ASCII it was
 * given) is decoded from RFC 2047; anything else is returned as is.
 */
export const METADATA_MARKER = '~pc~';

const PLAIN = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)$/;

/** True when `value` can be sent as an S3 metadata header value unchanged. */
export function isPlainMetadataValue(value: string): boolean {
  return PLAIN.test(value) && !value.startsWith(METADATA_MARKER) && !value.includes('=?');
}

/** Encodes one value so that it travels in an HTTP header and decodes back exactly. */
export function encodeMetadataValue(value: string): string {
  if (isPlainMetadataValue(value)) return value;
  try {
    return METADATA_MARKER + encodeURIComponent(value);
  } catch (cause) {
    throw new PolycloudError('INVALID_ARGUMENT', 'metadata value is not valid UTF-16', { cause, retryable: false, context: { provider: 's3' } });
  }
}

const RFC2047_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
const RFC2047_GAP = /(\?=)\s+(?==\?)/g;

function decodeRfc2047(value: string): string {
  return value.replace(RFC2047_GAP, '$1').replace(RFC2047_WORD, (word, charset: string, encoding: string, text: string) => {
    const cs = charset.toLowerCase().split('*')[0];
    const nodeCharset = cs === 'utf-8' || cs === 'utf8' ? 'utf8' : cs === 'iso-8859-1' || cs === 'us-ascii' || cs === 'latin1' ? 'latin1' : undefined;
    if (!nodeCharset) return word;
    const bytes =
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(
            text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          );
    return bytes.toString(nodeCharset);
  });
}

/** Decodes one value read back from S3 (see the module comment). */
export function decodeMetadataValue(value: string): string {
  if (value.startsWith(METADATA_MARKER)) {
    try {
      return decodeURIComponent(value.slice(METADATA_MARKER.length));
    } catch {
      return value; // not ours after all
    }
  }
  return value.includes('=?') ? decodeRfc2047(value) : value;
}

export function encodeMetadata(metadata: UserMetadata | undefined): Record<string, string> | undefined {
  if (metadata === undefined) return undefined;
  return Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k.toLowerCase(), encodeMetadataValue(v)]));
}

export function decodeMetadata(metadata: Record<string, string> | undefined): UserMetadata {
  if (!metadata || isEmpty(metadata)) return {};
  return Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k.toLowerCase(), decodeMetadataValue(v)]));
}

/** True when `o` has no own enumerable key (without building a key array). */
export function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}
