import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUtf8, createMemoryStorageAdapter } from '@polycloud/core/testing';

/** The listing a paginated walk must add up to: S3 semantics, computed naively. */
function model(keys: string[], prefix: string, delimiter: string | undefined) {
  const sorted = [...new Set(keys)].filter((k) => k.startsWith(prefix)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const objects: string[] = [];
  const prefixes: string[] = [];
  for (const k of sorted) {
    const at = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
    if (at < 0) objects.push(k);
    else {
      const p = k.slice(0, at + delimiter!.length);
      if (!prefixes.includes(p)) prefixes.push(p);
    }
  }
  return { objects, prefixes };
}

const key = fc.array(fc.constantFrom('a', 'b', '/', 'é', '-', '😀'), { minLength: 1, maxLength: 5 }).map((cs) => cs.join(''));

describe('memory listing (property, fixed seed)', () => {
  it('walking every page with any pageSize, prefix and delimiter yields the model listing, each entry once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(key, { maxLength: 25 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('', 'a', 'a/', 'b', '/'),
        fc.constantFrom(undefined, '/', 'é'),
        async (keys, pageSize, prefix, delimiter) => {
          const m = createMemoryStorageAdapter({ buckets: ['b'] });
          for (const k of keys) await m.put('b', k, new Uint8Array([1]));
          const objects: string[] = [];
          const prefixes: string[] = [];
          let token: string | undefined;
          let pages = 0;
          do {
            const page = await m.list('b', { prefix, pageSize, ...(delimiter ? { delimiter } : {}), ...(token ? { continuationToken: token } : {}) });
            expect(page.objects.length + page.prefixes.length).toBeLessThanOrEqual(pageSize);
            if (page.continuationToken) expect(page.objects.length + page.prefixes.length).toBe(pageSize); // only full pages have a successor
            objects.push(...page.objects.map((o) => o.key));
            prefixes.push(...page.prefixes);
            token = page.continuationToken;
            pages++;
          } while (token && pages < 100);
          expect({ objects, prefixes }).toEqual(model(keys, prefix, delimiter));
        },
      ),
      { seed: 20261121, numRuns: 150 },
    );
  });

  it('compareUtf8 orders exactly as the UTF-8 bytes do (surrogate pairs vs U+E000–FFFF included)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', '/', 'é', '\uE000', '\uFF5E', '\uFFFF', '😀', '\u{10FFFF}', '中'), maxLength: 6 });
    fc.assert(
      fc.property(text, text, (a, b) => Math.sign(compareUtf8(a, b)) === Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)))),
      { seed: 7, numRuns: 2_000 },
    );
  });
});
