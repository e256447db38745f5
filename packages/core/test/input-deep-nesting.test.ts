import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAdapterRegistry, isPolycloudError } from '@polycloud/core';
import { loadPolycloudConfig } from '@polycloud/core/config';
import { memoryStorageAdapterFactory } from '@polycloud/core/testing';

const DEEP = (n: number) => `{"providers":[{"name":"a","type":"memory"}],"router":{"x":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}}`;
const registry = createAdapterRegistry([memoryStorageAdapterFactory]);

function codeOf(text: string): string {
  try {
    loadPolycloudConfig(text, { registry });
    return 'accepted';
  } catch (e) {
    if (!isPolycloudError(e)) throw e;
    return `${e.code} ${JSON.stringify(e.context.path)}`;
  }
}

describe('deep nesting (issue 13: a second load aborted Node in a RegExp compile)', () => {
  it('is CONFIG_INVALID every time, loaded three times in one process', () => {
    for (let i = 0; i < 3; i++) expect(codeOf(DEEP(1000))).toBe('CONFIG_INVALID []');
    for (const n of [2000, 100_000]) expect(codeOf(DEEP(n))).toBe('CONFIG_INVALID []');
  });

  it('nesting within the limit loads', () => {
    expect(codeOf(DEEP(40))).toBe('accepted');
  });

  it('a child process loading it twice exits normally (an abort would be exit 134)', () => {
    const script = `
      const core = await import(${JSON.stringify(fileURLToPath(new URL('../src/index.ts', import.meta.url)))});
      const config = await import(${JSON.stringify(fileURLToPath(new URL('../src/config/index.ts', import.meta.url)))});
      const testing = await import(${JSON.stringify(fileURLToPath(new URL('../src/testing/index.ts', import.meta.url)))});
      const registry = core.createAdapterRegistry([testing.memoryStorageAdapterFactory]);
      const text = ${JSON.stringify(DEEP(1000))};
      for (let i = 0; i < 2; i++) {
        try { config.loadPolycloudConfig(text, { registry }); console.log('accepted'); }
        catch (e) { console.log(e.code); }
      }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).not.toContain('FATAL ERROR');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['CONFIG_INVALID', 'CONFIG_INVALID']);
  }, 30_000);
});
