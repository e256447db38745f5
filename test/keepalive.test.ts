/**
 * A pending call keeps the Node process alive until it settles (core's own timers are
 * unref'd): a child process with one failing put prints its error and exits non-zero,
 * and one whose last work is a replication drain over slow clouds finishes it. Both
 * used to exit silently mid-call (code 13 under top-level await).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (mode: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/keepalive.ts', mode], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('pending work keeps the process alive', () => {
  it('one put to a closed port: the script prints the error and exits non-zero', () => {
    const r = run('put');
    expect(r.stdout.trim()).toBe('failed UNAVAILABLE');
    expect(r.status).toBe(3);
  }, 70_000);

  it('a script whose last work is a drain finishes it', () => {
    const r = run('drain');
    expect(r.stdout.trim()).toBe('drained 1');
    expect(r.status).toBe(0);
  }, 70_000);
});
