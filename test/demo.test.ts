import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

describe('npm run demo -- --embedded', () => {
  it('runs the whole tour on in-memory clouds and exits 0', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--embedded'], { cwd: root, timeout: 60_000 });
    expect(stdout).toContain('residency refused the copy');
    expect(stdout).toMatch(/conflict config\/settings\.json: policy lww, winner \S+, loser \S+/);
    expect(stdout).toMatch(/40 writes during the outage, 0 failed; measured RTO \d+(\.\d)? ms/);
    expect(stdout).toMatch(/converged: true/);
    expect(stdout).toMatch(/data-cleaning ran on CLOUD_[AB] .*SUCCEEDED, exit code 0/);
    expect(stdout).toMatch(/copies identical\s*│\s*'true'/);
  }, 90_000);
});
