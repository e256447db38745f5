// Every ```ts block of the documentation (docs/**/*.md, README.md, packages/*/README.md)
// is type-checked as a module against the BUILT packages, the way a user's project sees
// them: the snippets are written under `.snippets/` in the repository (gitignored), so
// `@polycloud/*` resolves through node_modules and each package.json's `exports` to
// `dist/*.d.ts`. All snippets form one program; a failure is reported as
// `docs/x.md:LINE: message`.
//
// Conventions a snippet may use:
// - a first line `// file: name.ts` names the module, so another snippet of the same
//   document can import it as `./name.js`;
// - names a walkthrough has introduced earlier (`polycloud`, `bucket`, `registry`, …)
//   are declared once in test/fixtures/docs-snippets-context.d.ts.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allSnippets, checkSnippets, extractSnippets, root } from './helpers/doc-snippets.js';

describe('documentation snippets', () => {
  const snippets = allSnippets();

  it('finds the snippets and none imports a private package', () => {
    expect(snippets.length).toBeGreaterThan(40);
    const privateImports = snippets.filter((s) => /from '@polycloud\/emulators'/.test(s.code)).map((s) => `${s.doc}:${s.line}`);
    expect(privateImports).toEqual([]);
  });

  it('every ```ts snippet type-checks against the built packages', () => {
    const missing = ['core', 'router', 'sync', 'adapter-aws', 'adapter-gcp', 'adapter-azure', 'cli', 'gateway'].filter(
      (p) => !existsSync(join(root, 'packages', p, 'dist/index.d.ts')),
    );
    expect(missing, 'build the packages first: npx turbo run build').toEqual([]);
    const dir = join(root, '.snippets');
    const errors = checkSnippets(snippets, dir);
    expect(errors.join('\n')).toBe('');
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('reports a type error at its line in the Markdown file', () => {
    const broken = extractSnippets(
      'docs/broken.md',
      ['# x', '', '```ts', "import { createPolycloud } from '@polycloud/core';", 'const n: number = createPolycloud;', '```', ''].join('\n'),
    );
    const dir = join(root, '.snippets-broken');
    const errors = checkSnippets(broken, dir);
    rmSync(dir, { recursive: true, force: true });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^docs\/broken\.md:5: Type '.*' is not assignable to type 'number'/);
  }, 60_000);
});
