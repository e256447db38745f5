import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

describe('npm run demo:kubernetes', () => {
  it('dispatches a DataJob resource by price to Succeeded, keeps a residency-tagged one in the eu, and exits 0', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/demo-kubernetes.ts'], { cwd: root, timeout: 120_000 });
    expect(stdout).toMatch(/Event Scheduled: chose binding CLOUD_A; candidates: CLOUD_A .*price=/);
    expect(stdout).toMatch(/data-cleaning ran on CLOUD_A \(cloud CLOUD_A\), job dj-[0-9a-f-]+: Succeeded/);
    expect(stdout).toMatch(/eu-report ran on CLOUD_B \(cloud CLOUD_B\): Succeeded/);
    expect(stdout).toContain('invalid requests recorded by the API server: 0');
    expect(stdout).toContain('the kubernetes demo finished');
  }, 150_000);
});
