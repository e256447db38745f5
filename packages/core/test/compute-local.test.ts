import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ComputeAdapter, type LocalJobStatus, toComputeJobRequest } from '@polycloud/core/spi';
import { createLocalComputeAdapter, createPolycloud, type JobEvent, localComputeAdapterFactory, createAdapterRegistry, parseDataJob } from '@polycloud/core';
import { ORIGINAL_DATAJOB_YAML } from './compute-fixtures.js';

const logDir = mkdtempSync(join(tmpdir(), 'pc-local-'));
afterAll(() => rmSync(logDir, { recursive: true, force: true }));
const node = process.execPath;
const target = { physicalId: 'dev', options: {} };

function request(command: string[], extra: Partial<ReturnType<typeof toComputeJobRequest>> = {}) {
  const job = parseDataJob({
    apiVersion: 'batch.mcp/v1',
    kind: 'DataJob',
    metadata: { name: 'j' },
    spec: { image: 'ignored:v1', command, resources: { cpu: '500m', memory: '256Mi' } },
  });
  return { ...toComputeJobRequest(job, `k-${Math.abs(hash(command.join(' ') + JSON.stringify(extra)))}`), ...extra };
}
function hash(s: string) {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}
async function until(adapter: ComputeAdapter, jobId: string, done: (s: LocalJobStatus) => boolean) {
  for (let i = 0; i < 400; i++) {
    const s = (await adapter.status(target, jobId)) as LocalJobStatus;
    if (done(s)) return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('job did not reach the state');
}

describe('local compute adapter', () => {
  const adapter = createLocalComputeAdapter({ logDir, killGraceMs: 200 });
  afterAll(() => adapter.close?.());

  it('runs the command with env, records cpu/memory, reports the exit code and writes the log file', async () => {
    // The job outlives submit (1 s) so submit's answer is RUNNING even on a loaded machine (it read FAILED once: the job had ended).
    const req = request([node, '-e', 'console.log("hello", process.env.GREETING, process.env.POLYCLOUD_JOB_CPU); setTimeout(() => process.exit(3), 1000)'], {
      env: { GREETING: 'bonjour' },
    });
    const submitted = (await adapter.submit(target, req)) as LocalJobStatus;
    expect(submitted).toMatchObject({ state: 'RUNNING', cpu: 0.5, memoryMiB: 256 });
    const done = await until(adapter, submitted.jobId, (s) => s.state !== 'RUNNING');
    expect(done).toMatchObject({ state: 'FAILED', exitCode: 3 });
    expect(readFileSync(done.logLocation!, 'utf8')).toContain('hello bonjour 0.5');
  });

  it("does not hand the host's credentials to jobs, and refuses keys that are not safe file names", async () => {
    process.env['POLYCLOUD_TEST_SECRET_ACCESS_KEY'] = 'host-secret-value';
    try {
      const req = {
        ...request([node, '-e', 'console.log("secret=" + process.env.POLYCLOUD_TEST_SECRET_ACCESS_KEY, "path=" + Boolean(process.env.PATH))']),
        idempotencyKey: 'env-check',
      };
      const done = await until(adapter, (await adapter.submit(target, req)).jobId, (s) => s.state !== 'RUNNING');
      expect(readFileSync(done.logLocation!, 'utf8')).toContain('secret=undefined path=true');
    } finally {
      delete process.env['POLYCLOUD_TEST_SECRET_ACCESS_KEY'];
    }
    const bad = { ...request([node, '-e', '0']), idempotencyKey: '../escape' };
    await expect(adapter.submit(target, bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('submit is create-or-fail by key: one process for one key, a second submit fails with ALREADY_EXISTS', async () => {
    const req = request([node, '-e', 'setTimeout(() => {}, 300)']);
    const a = (await adapter.submit(target, req)) as LocalJobStatus;
    await expect(adapter.submit(target, req)).rejects.toMatchObject({ code: 'ALREADY_EXISTS', retryable: false });
    const found = (await adapter.find(target, req.idempotencyKey)) as LocalJobStatus | undefined;
    expect(found?.jobId).toBe(a.jobId);
    expect(found?.pid).toBe(a.pid);
    expect(await adapter.find(target, 'nope')).toBeUndefined();
    await until(adapter, a.jobId, (s) => s.state === 'SUCCEEDED');
  });

  it('kills a job past its timeout → FAILED with a reason', async () => {
    const req = request([node, '-e', 'setTimeout(() => {}, 60000)'], { timeoutSeconds: 1 });
    const s = await adapter.submit(target, req);
    const done = await until(adapter, s.jobId, (x) => x.state !== 'RUNNING');
    expect(done.state).toBe('FAILED');
    expect(done.reason).toMatch(/timed out/);
  });

  it('cancel stops a running job → CANCELLED; cancelling again is fine; unknown id → NOT_FOUND', async () => {
    const s = await adapter.submit(target, request([node, '-e', 'setTimeout(() => {}, 60000)']));
    await adapter.cancel(target, s.jobId);
    expect((await adapter.status(target, s.jobId)).state).toBe('CANCELLED');
    await adapter.cancel(target, s.jobId);
    await expect(adapter.status(target, 'missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(adapter.cancel(target, 'missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a job that ignores SIGTERM is killed after the grace period', async () => {
    const s = await adapter.submit(target, request([node, '-e', 'process.on("SIGTERM", () => {}); console.log("ready"); setTimeout(() => {}, 60000)']));
    for (let i = 0; i < 200 && !readFileSync(s.logLocation!, 'utf8').includes('ready'); i++) await new Promise((r) => setTimeout(r, 25));
    const started = Date.now();
    await adapter.cancel(target, s.jobId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(await adapter.status(target, s.jobId)).toMatchObject({ state: 'CANCELLED' });
  });

  it('a command that does not exist → FAILED with a reason; no command at all → INVALID_ARGUMENT', async () => {
    const s = await adapter.submit(target, request(['/definitely/not/here']));
    const done = await until(adapter, s.jobId, (x) => x.state !== 'RUNNING');
    expect(done.state).toBe('FAILED');
    const noCommand = toComputeJobRequest(parseDataJob(ORIGINAL_DATAJOB_YAML), 'no-command');
    await expect(adapter.submit(target, noCommand)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('an unusable log directory → a PolycloudError, not a raw fs error', async () => {
    const broken = createLocalComputeAdapter({ logDir: join(logDir, 'file-not-dir') });
    writeFileSync(join(logDir, 'file-not-dir'), 'x');
    await expect(broken.submit(target, request([node, '-e', '0']))).rejects.toMatchObject({ name: 'PolycloudError', code: 'UNEXPECTED' });
  });

  it('bad options → CONFIG_INVALID with the path', () => {
    expect(() => createLocalComputeAdapter({ killGraceMs: -1 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', context: expect.objectContaining({ path: ['killGraceMs'] }) }),
    );
  });
});

describe('the original DataJob YAML end to end on the local adapter', () => {
  it('runs from YAML text to SUCCEEDED with exit code 0, through polycloud.cluster()', async () => {
    const polycloud = createPolycloud({
      registry: createAdapterRegistry([localComputeAdapterFactory]),
      providers: [
        {
          name: 'CLOUD_A',
          type: 'local',
          logDir,
          images: { 'data-processor:v1': [node, '-e', 'console.log("cleaning", process.env.POLYCLOUD_JOB_MEMORY_MIB)'] },
        },
      ],
      resources: [{ resource_id: 'lc-1', type: 'LogicalCluster', providers: [{ cloud: 'CLOUD_A', physical_id: 'dev-box' }] }],
    });
    const events: JobEvent[] = [];
    polycloud.events.on('job', (e: JobEvent) => events.push(e));
    const cluster = polycloud.cluster('lc-1');
    const job = await cluster.submit(ORIGINAL_DATAJOB_YAML);
    expect(job).toMatchObject({ resource: 'lc-1', binding: 'CLOUD_A', existing: false });
    const final = await cluster.wait(job, { pollIntervalMs: 20, timeoutMs: 20_000 });
    expect(final).toMatchObject({ state: 'SUCCEEDED', exitCode: 0 });
    expect(readFileSync(final.logLocation!, 'utf8')).toContain('cleaning 4096');
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['submitted', 'succeeded']));
    // Same spec again: the same job, nothing new started.
    const again = await cluster.submit(ORIGINAL_DATAJOB_YAML);
    expect(again).toMatchObject({ jobId: job.jobId, existing: true });
    await polycloud.close();
  });

  it('runs the YAML with a portable command of its own', async () => {
    const polycloud = createPolycloud({
      registry: createAdapterRegistry([localComputeAdapterFactory]),
      providers: [{ name: 'CLOUD_A', type: 'local', logDir }],
      resources: [{ resource_id: 'lc-1', type: 'LogicalCluster', providers: [{ cloud: 'CLOUD_A', physical_id: 'dev-box' }] }],
    });
    const yaml = ORIGINAL_DATAJOB_YAML.replace('  resources:', '  command: ["node", "-e", "process.exit(0)"]\n  resources:');
    const cluster = polycloud.cluster('lc-1');
    const final = await cluster.wait(await cluster.submit(yaml), { pollIntervalMs: 20, timeoutMs: 20_000 });
    expect(final).toMatchObject({ state: 'SUCCEEDED', exitCode: 0 });
    await polycloud.close();
  });
});
