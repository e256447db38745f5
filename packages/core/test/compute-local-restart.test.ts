import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ComputeAdapter, ComputeJobRequest, LocalJobStatus } from '@polycloud/core/spi';
import { createLocalComputeAdapter } from '@polycloud/core';

const logDir = mkdtempSync(join(tmpdir(), 'pc-local-restart-'));
afterAll(() => rmSync(logDir, { recursive: true, force: true }));
const target = { physicalId: 'dev', options: {} };
const node = process.execPath;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const unix = process.platform !== 'win32';

const request = (key: string, command: string[], timeoutSeconds?: number): ComputeJobRequest => ({
  name: key,
  idempotencyKey: key,
  image: 'ignored',
  command,
  env: {},
  cpu: 1,
  memoryMiB: 256,
  retries: 0,
  tags: {},
  ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
});

async function until(adapter: ComputeAdapter, jobId: string, done: (s: LocalJobStatus) => boolean, ms = 15_000): Promise<LocalJobStatus> {
  const end = Date.now() + ms;
  for (;;) {
    const s = (await adapter.status(target, jobId)) as LocalJobStatus;
    if (done(s) || Date.now() > end) return s;
    await sleep(25);
  }
}

/** Starts a separate host process that submits `req` and returns its first status line. */
async function hostSubmits(req: ComputeJobRequest): Promise<{ host: ChildProcess; status: LocalJobStatus }> {
  const script = fileURLToPath(new URL('./compute-local-host.ts', import.meta.url));
  const host = spawn(node, ['--import', 'tsx', script, logDir, JSON.stringify(req)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    host.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    host.once('exit', (code) => reject(new Error(`host exited with ${code} before submitting`)));
  });
  return { host, status: JSON.parse(line) as LocalJobStatus };
}

describe.runIf(unix)('local adapter across a host restart, and with grandchildren (issue 12)', () => {
  it('a job whose host is killed keeps its own timeout, and the restarted host adopts it instead of starting it again (was: ran its full time; a second child)', async () => {
    const marker = join(logDir, 'finished-anyway');
    const req = request('restart-job', [node, '-e', `setTimeout(() => require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'), 3000)`], 1);
    const { host, status } = await hostSubmits(req);
    expect(status).toMatchObject({ jobId: 'restart-job', state: 'RUNNING' });
    host.kill('SIGKILL');
    await new Promise((r) => host.once('exit', r));

    const restarted = createLocalComputeAdapter({ logDir, killGraceMs: 200 });
    // Create-or-fail: the restarted host refuses a second run of the key and adopts the job.
    await expect(restarted.submit(target, req)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(await restarted.find(target, 'restart-job')).toMatchObject({ jobId: 'restart-job', pid: status.pid, logLocation: status.logLocation });
    const done = await until(restarted, 'restart-job', (s) => s.state !== 'RUNNING');
    expect(done).toMatchObject({ state: 'FAILED', reason: 'timed out after 1 s' });
    await sleep(2500);
    expect(existsSync(marker)).toBe(false);
    // One run, one log file.
    expect(readdirSync(join(logDir, 'dev')).filter((f) => f.startsWith('restart-job-') && f.endsWith('.log'))).toHaveLength(1);
    await restarted.close?.();
  }, 20_000);

  it('a restarted host can cancel an adopted job (the whole group)', async () => {
    const req = request('adopted-cancel', [node, '-e', 'setTimeout(() => {}, 60000)']);
    const { host, status } = await hostSubmits(req);
    host.kill('SIGKILL');
    await new Promise((r) => host.once('exit', r));
    const restarted = createLocalComputeAdapter({ logDir, killGraceMs: 200 });
    await restarted.cancel(target, 'adopted-cancel');
    expect(await restarted.status(target, 'adopted-cancel')).toMatchObject({ state: 'CANCELLED' });
    // The supervisor records CANCELLED as its job's group ends, then exits itself; on a
    // loaded machine its process may linger a few ms after the record: poll, bounded.
    const alive = () => {
      try {
        process.kill(status.pid!, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (const until = Date.now() + 5_000; alive() && Date.now() < until;) await sleep(25);
    expect(alive()).toBe(false);
  }, 20_000);

  it.each([
    ['cancel', undefined],
    ['timeout', 1],
  ] as const)(
    '%s ends the whole process group: a grandchild does not finish its work (was: it did, while the job read FAILED/CANCELLED)',
    async (how, timeoutSeconds) => {
      const marker = join(logDir, `grandchild-${how}`);
      const adapter = createLocalComputeAdapter({ logDir, killGraceMs: 200 });
      const req = request(`grandchild-${how}`, ['sh', '-c', `(sleep 2; echo leaked > ${marker}) & wait`], timeoutSeconds);
      await adapter.submit(target, req);
      await sleep(300);
      if (how === 'cancel') await adapter.cancel(target, req.idempotencyKey);
      const done = await until(adapter, req.idempotencyKey, (s) => s.state !== 'RUNNING');
      expect(done.state).toBe(how === 'cancel' ? 'CANCELLED' : 'FAILED');
      await sleep(2500);
      expect(existsSync(marker)).toBe(false);
    },
    20_000,
  );

  it('each run logs to its own file', async () => {
    const adapter = createLocalComputeAdapter({ logDir, killGraceMs: 200 });
    const a = await adapter.submit(target, request('log-a', [node, '-e', 'console.log("a")']));
    const b = await adapter.submit(target, request('log-b', [node, '-e', 'console.log("b")']));
    expect(a.logLocation).not.toBe(b.logLocation);
    expect(a.logLocation).toMatch(/log-a-[a-z0-9]+-[0-9a-f]{6}\.log$/);
    // Both ended before the suite removes the directory (a supervisor wrote its exit record into it after the removal began).
    for (const id of [a.jobId, b.jobId]) expect((await until(adapter, id, (s) => s.state !== 'RUNNING')).state).toBe('SUCCEEDED');
    await adapter.close?.();
  });
});
