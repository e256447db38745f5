import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir, writeConfig } from './helpers.js';

describe('test helpers', () => {
  it('tempDir() directories are removed by the after-file cleanup', () => {
    const a = tempDir();
    const b = tempDir();
    writeConfig(a, 'x.yaml', 'x: 1\n');
    expect(existsSync(a) && existsSync(b)).toBe(true);
    removeTempDirs();
    expect(existsSync(a)).toBe(false);
    expect(existsSync(b)).toBe(false);
  });
});
