import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importCycles } from '../tooling/check-cycles.js';

describe('the import-cycle check of `npm run lint`', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-cycles-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('reports a cycle of type-only imports, and one through a re-export', () => {
    const a = file('a.ts', "import type { B } from './b.js';\nexport type A = { b?: B };\n");
    const b = file('b.ts', "import type { A } from './a.js';\nexport type B = { a?: A };\n");
    const c = file('c.ts', "export * from './d.js';\nexport const c = 1;\n");
    const d = file('d.ts', "import { c } from './c.js';\nexport const d = c;\n");
    expect(importCycles([a, b, c, d]).map((s) => s.length)).toEqual([2, 2]);
  });

  it('accepts a chain without cycles', () => {
    const x = file('x.ts', "import { y } from './y.js';\nexport const x = y;\n");
    const y = file('y.ts', "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n");
    expect(importCycles([x, y])).toEqual([]);
  });
});
