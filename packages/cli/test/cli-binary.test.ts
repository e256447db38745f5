import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir, writeConfig } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY = fileURLToPath(new URL('../src/cli-entry.ts', import.meta.url));

function polycloud(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ENTRY, ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('the polycloud binary (a separate process, source run through tsx)', () => {
  it('validate: exit 0 on a valid file, 2 with every problem on an invalid one', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const good = writeConfig(
      dir,
      'good.yaml',
      'providers:\n  - {name: m, type: memory, buckets: [b], capabilities: {multipart: true}}\nresources:\n  - {resource_id: lb, type: LogicalBucket, providers: [{cloud: m, physical_id: b}]}\n',
    );
    const bad = writeConfig(
      dir,
      'bad.yaml',
      'providers:\n  - {name: m, type: s3, access_key: "${KEY}", secret_key: x, region: ""}\nresources:\n  - {resource_id: lb, type: LogicalBucket, providers: [{cloud: nowhere, physical_id: b}]}\n',
    );
    const [ok, invalid] = await Promise.all([polycloud(['validate', good]), polycloud(['validate', bad], { KEY: '' })]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('good.yaml: valid');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/providers\[0\]\.region \(line 2\)/);
    expect(invalid.stderr).toMatch(/resources\[0\]\.providers\[0\]\.cloud \(line 4\): no provider named "nowhere"/);
  });
});
