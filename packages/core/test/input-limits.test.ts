import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INPUT_LIMITS } from '@polycloud/core/spi';
import { parseYamlText } from '../src/input/parse-yaml.js';
import { prescanYaml } from '../src/input/yaml-prescan.js';

describe('the nesting pre-scan does not refuse what is not nested', () => {
  it.each([
    ['brackets inside double-quoted strings', `a: "${'['.repeat(200)}"\n`],
    ['brackets inside single-quoted strings', `a: '${'{'.repeat(200)}'\n`],
    ['brackets inside plain scalars', `a: x${'['.repeat(200)}\n`],
    ['brackets in comments', `# ${'['.repeat(200)}\na: 1\n`],
    ['brackets in a block scalar', `script: |\n  ${'[ -f x ] && '.repeat(100)}\n  echo ${'['.repeat(100)}\n`],
    ['JSON strings with brackets', JSON.stringify({ a: '['.repeat(500), b: ['}'.repeat(500)] })],
    ['an apostrophe in a plain scalar', `a: it's ${'['.repeat(100)}\nb: [1, 2]\n`],
    ['60 levels of flow nesting', `a: ${'['.repeat(60)}${']'.repeat(60)}\n`],
    ['60 levels of pretty-printed JSON', JSON.stringify(JSON.parse(`${'{"a":'.repeat(60)}1${'}'.repeat(60)}`), null, 2)],
  ])('%s', (_name, text) => {
    expect(prescanYaml(text)).toBeUndefined();
    expect(parseYamlText(text, INPUT_LIMITS.maxConfigBytes).ok).toBe(true);
  });

  it('but counts flow nesting past the limit, and indentation past 256 columns', () => {
    expect(prescanYaml(`a: ${'['.repeat(65)}${']'.repeat(65)}\n`)?.message).toMatch(/deeper than 64/);
    expect(prescanYaml(`a:\n${' '.repeat(300)}b: 1\n`)?.message).toMatch(/indented 300 columns/);
  });
});

describe('docs/configuration.md lists the limits INPUT_LIMITS holds', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url)), 'utf8');
  const section = doc.slice(doc.indexOf('## Limits'));
  it.each([
    ['4 MiB (config)', INPUT_LIMITS.maxConfigBytes === 4 * 1024 * 1024],
    ['1 MiB (DataJob)', INPUT_LIMITS.maxJobBytes === 1024 * 1024],
    [`${INPUT_LIMITS.maxDepth} levels`, true],
    [`${INPUT_LIMITS.maxAliasCount} resolved per document`, true],
    ['65 536 characters', INPUT_LIMITS.maxStringLength === 65_536],
    ['100 000 map entries', INPUT_LIMITS.maxNodes === 100_000],
    [`${INPUT_LIMITS.maxIndent} columns`, true],
  ])('%s', (text, matches) => {
    expect(section).toContain(text);
    expect(matches).toBe(true);
  });
});
