import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMetadataValue, encodeMetadataValue, METADATA_MARKER } from '../src/storage/metadata.js';

/** What an HTTP header value can carry unchanged: printable ASCII, no edge whitespace. */
const HEADER_SAFE = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;

const TRICKY = [
  '',
  ' ',
  ' leading',
  'trailing ',
  'tab\there',
  'line\r\nbreak',
  'héllo wörld',
  '日本語のメタデータ',
  '😀 emoji 👍🏽',
  '=?UTF-8?B?w6k=?=',
  '=?utf-8?q?caf=C3=A9?=',
  'text =?UTF-8?B?w6k=?= inside',
  METADATA_MARKER,
  `${METADATA_MARKER}plain`,
  `${METADATA_MARKER}%ZZ`,
  `${METADATA_MARKER}${encodeURIComponent('é')}`,
  '%41%42',
  '100%',
  'a+b c/d?e&f=g#h',
  '\u0000\u001f\u007f',
  '\u00a0nbsp\u00a0',
  'ascii-only_value.1',
];

describe('S3 metadata value encoding', () => {
  it('printable ASCII without edge whitespace, "=?" or the marker travels unchanged', () => {
    for (const v of ['plain', 'a b c', 'x=1;y=2', 'path/to?q', '100%', '%41%42', 'UPPER lower 123 !@#$^&*()']) {
      expect(encodeMetadataValue(v)).toBe(v);
    }
  });

  it.each(TRICKY)('%j round-trips exactly and encodes to a header-safe value', (v) => {
    const encoded = encodeMetadataValue(v);
    expect(encoded).toMatch(HEADER_SAFE);
    expect(encoded.includes('=?')).toBe(false);
    expect(decodeMetadataValue(encoded)).toBe(v);
  });

  it('values that look like the encoding (marker or RFC 2047) are themselves encoded, so they come back literally', () => {
    for (const v of [`${METADATA_MARKER}abc`, '=?UTF-8?B?w6k=?=']) {
      expect(encodeMetadataValue(v)).not.toBe(v);
      expect(decodeMetadataValue(encodeMetadataValue(v))).toBe(v);
    }
  });

  it('any string of valid code points round-trips (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (v) => {
        const encoded = encodeMetadataValue(v);
        return HEADER_SAFE.test(encoded) && !encoded.includes('=?') && decodeMetadataValue(encoded) === v;
      }),
      { numRuns: 500, seed: 42 },
    );
  });

  it('decodes RFC 2047 words written by other tools (B and Q, adjacent words joined)', () => {
    expect(decodeMetadataValue('=?UTF-8?B?w6k=?=')).toBe('é');
    expect(decodeMetadataValue('=?utf-8?Q?caf=C3=A9_au_lait?=')).toBe('café au lait');
    expect(decodeMetadataValue('=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?=')).toBe('éé');
    expect(decodeMetadataValue('=?ISO-8859-1?Q?na=EFve?=')).toBe('naïve');
    expect(decodeMetadataValue('=?x-unknown?B?w6k=?=')).toBe('=?x-unknown?B?w6k=?=');
  });

  it('a marker followed by malformed percent-encoding is returned as is', () => {
    expect(decodeMetadataValue(`${METADATA_MARKER}%E0%A4%A`)).toBe(`${METADATA_MARKER}%E0%A4%A`);
  });

  it('a lone surrogate → INVALID_ARGUMENT', () => {
    expect(() => encodeMetadataValue('\ud800')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
