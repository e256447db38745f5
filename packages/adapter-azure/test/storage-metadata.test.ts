import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMetadata, decodeMetadataName, decodeMetadataValue, encodeMetadata, encodeMetadataName, encodeMetadataValue } from '../src/storage/metadata.js';

const portableName = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,40}$/);
const csharpIdentifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const headerSafe = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

describe('azure metadata encoding', () => {
  it('keeps identifier names and plain ASCII values readable', () => {
    expect(encodeMetadata({ owner: 'team_a', build_id: 'v1.2 rc' })).toEqual({ owner: 'team_a', build_id: 'v1.2 rc' });
  });

  it('encodes names with hyphens or a leading digit into C# identifiers', () => {
    expect(encodeMetadataName('content-md5')).toBe('_content_hmd5');
    expect(encodeMetadataName('1st')).toBe('_1st');
    expect(encodeMetadataName('a_-b')).toBe('_a___hb');
    expect(decodeMetadataName('_a___hb')).toBe('a_-b');
  });

  it('encodes non-ASCII, blank-edged, empty and encoded-looking values', () => {
    for (const v of ['héllo', ' lead', 'trail ', '', '=?pc-b64?aGk', 'tab\there', '日本語']) {
      const stored = encodeMetadataValue(v);
      expect(stored).toMatch(headerSafe);
      expect(stored).not.toBe(v);
      expect(decodeMetadataValue(stored)).toBe(v);
    }
  });

  it('leaves names and values it did not write alone', () => {
    expect(decodeMetadataName('Foreign')).toBe('foreign');
    expect(decodeMetadataName('_odd_x')).toBe('_odd_x');
    expect(decodeMetadataValue('=?pc-b64?not base64!')).toBe('=?pc-b64?not base64!');
  });

  it('round-trips any portable name and any string value exactly (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(portableName, fc.string({ unit: 'grapheme' }), { maxKeys: 6 }), (metadata) => {
        const stored = encodeMetadata(metadata)!;
        for (const [name, value] of Object.entries(stored)) {
          expect(name).toMatch(csharpIdentifier);
          expect(value).toMatch(headerSafe);
        }
        // Azure reads names back in lower case; the encoding must survive that.
        const readBack = Object.fromEntries(Object.entries(stored).map(([k, v]) => [k.toLowerCase(), v]));
        expect(decodeMetadata(readBack)).toEqual(metadata);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('maps distinct portable names to distinct stored names (property)', () => {
    fc.assert(
      fc.property(portableName, portableName, (a, b) => {
        fc.pre(a !== b);
        expect(encodeMetadataName(a)).not.toBe(encodeMetadataName(b));
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});
