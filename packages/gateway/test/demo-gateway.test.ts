/** `npm run demo:gateway` runs end to end: rclone copies into a LogicalBucket over s3rver + Azurite through the gateway. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe.skipIf(!existsSync('/usr/bin/rclone'))('npm run demo:gateway (skipped: /usr/bin/rclone is not installed)', () => {
  it('copies with rclone through the gateway and finds every object on both clouds', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/demo-gateway.ts'], { cwd: root, timeout: 170_000 });
    expect(stdout).toContain('rclone copy: exit 0');
    expect(stdout).toMatch(/48000 2026\/mountain\.jpg/);
    expect(stdout).toContain('holiday photos, copied by rclone through the polycloud gateway');
    expect(stdout).toMatch(/photos\/2026\/beach\.jpg\s*│\s*36000\s*│\s*'identical'\s*│\s*'identical'/);
    expect(stdout).toContain('every object is on both clouds: true');
  }, 180_000);
});
