/**
 * Two Node processes replicate one LogicalBucket (Azurite + fauxqs; the replication
 * state on Azurite, which enforces conditional writes) through partition leases: the
 * second joins while the first is writing and takes its share; both write and
 * replicate at once; then a third process (this test) drains and reconciles at once —
 * no lease is left behind. Checked: converged, no acknowledged write lost, and no
 * partition applied by both processes at the same time (replication rounds under
 * different leases never overlap in wall-clock time).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolycloud } from '@polycloud/core';
import { createS3Adapter } from '@polycloud/adapter-aws';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { type FauxqsEmulator, type RunningAzurite, startAzurite, startFauxqs } from '@polycloud/emulators';
import { createSync } from '@polycloud/sync';
import { bodies } from './helpers/bodies.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let azurite: RunningAzurite;
let fauxqs: FauxqsEmulator;

beforeAll(async () => {
  [azurite, fauxqs] = await Promise.all([startAzurite(), startFauxqs()]);
}, 120_000);
afterAll(async () => {
  await Promise.allSettled([azurite?.stop(), fauxqs?.stop()]);
});

interface Line {
  type: string;
  key?: string;
  body?: string;
  owner?: string;
  partitions?: { partition: number; epoch: number }[];
  start?: number;
  end?: number;
  keys?: number;
}

function worker(config: Record<string, unknown>): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/sync-worker.ts'], {
      cwd: root,
      env: { ...process.env, SYNC_WORKER: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`worker ${String(config['id'])} exited ${code}: ${stderr.slice(-2000)}`));
      resolve(
        stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Line),
      );
    });
  });
}

describe('two processes replicating one bucket through partition leases (Azurite + fauxqs)', () => {
  it('converges with nothing lost and no partition applied by both at once; a third process drains at once', async () => {
    const buckets = { azure: `two-${randomBytes(4).toString('hex')}`, s3: `two-${randomBytes(4).toString('hex')}` };
    const azure = createAzureBlobAdapter({ connectionString: azurite.connectionString }, { name: 'azure' });
    const s3opts = { endpoint: fauxqs.endpoint, region: fauxqs.region, accessKey: fauxqs.accessKeyId, secretKey: fauxqs.secretAccessKey };
    const s3 = createS3Adapter(s3opts, { name: 's3' });
    await azure.ensureBucket(buckets.azure);
    await s3.ensureBucket(buckets.s3);
    const base = { azure: azurite.connectionString, s3: s3opts, buckets, everyMs: 15 };
    const first = worker({ ...base, id: 'one', keys: 200, lingerMs: 3_000 });
    await new Promise((r) => setTimeout(r, 1_500)); // the second joins while the first is writing
    const second = worker({ ...base, id: 'two', keys: 150, lingerMs: 3_000 });
    const [a, b] = await Promise.all([first, second]);
    const acked = [...a, ...b].filter((l) => l.type === 'acked');
    expect([...a, ...b].filter((l) => l.type === 'failed')).toEqual([]);
    expect(acked).toHaveLength(350);

    // Each process applied partitions; rounds of different processes on one partition never overlap.
    const rounds = [...a, ...b].filter((l) => l.type === 'round' && (l.partitions?.length ?? 0) > 0);
    const applied = (owner: string) => new Set(rounds.filter((r) => r.owner === owner && r.keys! > 0).flatMap((r) => r.partitions!.map((p) => p.partition)));
    expect(applied('one').size).toBeGreaterThan(0);
    expect(applied('two').size).toBeGreaterThan(0);
    const overlaps: string[] = [];
    const byPartition = new Map<number, Line[]>();
    for (const r of rounds) for (const p of r.partitions!) (byPartition.get(p.partition) ?? byPartition.set(p.partition, []).get(p.partition)!).push(r);
    for (const [p, list] of byPartition) {
      for (const x of list)
        for (const y of list)
          if (x.owner! < y.owner! && x.start! < y.end! && y.start! < x.end!)
            overlaps.push(`partition ${p}: ${x.owner} [${x.start}, ${x.end}] and ${y.owner} [${y.start}, ${y.end}]`);
    }
    expect(overlaps).toEqual([]);

    // A third process: the others left, so it drains and reconciles at once.
    const third = createPolycloud({
      providers: [
        { name: 'azure', adapter: azure },
        { name: 's3', adapter: s3 },
      ],
      resources: [
        {
          resource_id: 'lb',
          type: 'LogicalBucket',
          providers: [
            { id: 'azure', cloud: 'azure', physical_id: buckets.azure, region: 'westeurope' },
            { id: 's3', cloud: 's3', physical_id: buckets.s3, region: 'eu-west-1' },
          ],
        },
      ],
      sync: createSync({ owner: 'three', autoStart: false, leaseTtlMs: 3_000 }),
    });
    const t0 = Date.now();
    await third.sync('lb').drain({ onLeased: 'throw' });
    const rec = await third.sync('lb').reconcile();
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(rec.changed).toBe(0);
    const [onAzure, onS3] = await Promise.all([bodies(azure, buckets.azure), bodies(s3, buckets.s3)]);
    for (const w of acked) {
      expect(onAzure.get(w.key!), w.key).toBe(w.body);
      expect(onS3.get(w.key!), w.key).toBe(w.body);
    }
    expect(onAzure.size).toBe(350);
    expect(onS3.size).toBe(350);
    console.log(
      `two processes: ${acked.length} acknowledged writes, partitions applied by one: ${[...applied('one')].join(',')}, by two: ${[...applied('two')].join(',')}, ${rounds.length} rounds`,
    );
    await third.close();
  }, 180_000);
});
