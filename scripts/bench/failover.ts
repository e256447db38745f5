/**
 * Failover RTO in real time, with the router's DEFAULT settings.
 *
 * A LogicalBucket has a primary binding on s3rver (through the S3 adapter) and a
 * standby on Azurite (through the Azure Blob adapter). A 1 KiB put starts every 2 ms
 * (open loop); after `warmMs` the primary's emulator process is stopped mid-load.
 * We print:
 * - RTO: from the stop to the first put acknowledged by the standby;
 * - failed operations: puts that rejected to the caller (a failover inside one put
 *   is not a failure), and failed attempts (attempts on the dead primary); puts that
 *   were in flight on a black-holed primary fail at their 10 s deadline;
 * - a second scenario without emulators: a black-holed primary (memory adapter behind
 *   core's fault injector, every call and probe hangs), where only the active probe
 *   can notice.
 *
 * Run: `npm run bench:failover` or `node --import tsx scripts/bench/failover.ts [--memory-only]`.
 */
import { createPolycloud, type Polycloud } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';
import { createFaultInjectingStorageAdapter, createMemoryStorageAdapter } from '@polycloud/core/testing';
import { createS3Adapter } from '@polycloud/adapter-aws';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { startAzurite, startS3rver } from '@polycloud/emulators';
import { createRouter } from '@polycloud/router';

interface Result {
  scenario: string;
  rtoMs: number | undefined;
  opsBefore: number;
  opsAfter: number;
  failedOps: number;
  failedAttempts: number;
  /** Puts acknowledged per second after the failover. */
  opsPerSecAfter: number;
}

function polycloud(primary: StorageAdapter, standby: StorageAdapter): Polycloud {
  return createPolycloud({
    providers: [
      { name: 'primary', adapter: primary },
      { name: 'standby', adapter: standby },
    ],
    resources: [
      {
        resource_id: 'lb-failover',
        type: 'LogicalBucket',
        replication: { mode: 'none' },
        routing: { strategy: 'primary' },
        providers: [
          { id: 'primary', cloud: 'aws', provider: 'primary', physical_id: 'failover-primary', region: 'eu-west-1' },
          { id: 'standby', cloud: 'azure', provider: 'standby', physical_id: 'failover-standby', region: 'westeurope', role: 'standby' },
        ],
      },
    ],
    router: createRouter(),
    timeoutMs: 10_000,
  });
}

/**
 * Open-loop load: a put starts every `everyMs` whatever happens to earlier ones (at
 * most `maxInFlight`), so puts hung on a black-holed binding do not stop new
 * arrivals; RTO is measured on those arrivals.
 */
async function load(
  pc: Polycloud,
  scenario: string,
  kill: () => Promise<void> | void,
  o: { everyMs: number; maxInFlight: number; warmMs: number; afterMs: number },
): Promise<Result> {
  const bucket = pc.bucket('lb-failover');
  let failedAttempts = 0;
  pc.events.on('operation', (e) => {
    if (!e.ok && e.binding === 'primary') failedAttempts++;
  });
  const body = Buffer.alloc(1024, 7);
  let killedAt = Infinity;
  let firstStandbyOk: number | undefined;
  let opsBefore = 0;
  let opsAfter = 0;
  let failedOps = 0;
  let inFlight = 0;
  let n = 0;
  const pending = new Set<Promise<void>>();
  const tick = () => {
    if (inFlight >= o.maxInFlight) return;
    inFlight++;
    const key = `k${n++}`;
    const p = bucket
      .put(key, body)
      .then(
        (r) => {
          const t = performance.now();
          if (t < killedAt) opsBefore++;
          else {
            opsAfter++;
            if (r.binding === 'standby' && firstStandbyOk === undefined) firstStandbyOk = t;
          }
        },
        (e: unknown) => {
          failedOps++;
          // FAILOVER_DEBUG=1 prints why each failed operation failed
          if (process.env['FAILOVER_DEBUG']) console.error('failed:', (e as { code?: string }).code, String((e as Error).message).slice(0, 160));
        },
      )
      .finally(() => {
        inFlight--;
        pending.delete(p);
      });
    pending.add(p);
  };
  const timer = setInterval(tick, o.everyMs);
  await new Promise((r) => setTimeout(r, o.warmMs));
  killedAt = performance.now();
  failedAttempts = 0;
  await kill();
  await new Promise((r) => setTimeout(r, o.afterMs));
  clearInterval(timer);
  const endedAt = performance.now();
  await Promise.allSettled([...pending]);
  return {
    scenario,
    rtoMs: firstStandbyOk === undefined ? undefined : Math.round((firstStandbyOk - killedAt) * 10) / 10,
    opsBefore,
    opsAfter,
    failedOps,
    failedAttempts,
    opsPerSecAfter: Math.round(opsAfter / ((endedAt - killedAt) / 1000)),
  };
}

async function emulatorScenario(): Promise<Result> {
  const s3 = await startS3rver();
  const az = await startAzurite();
  try {
    const primary = createS3Adapter(
      { endpoint: s3.endpoint, region: s3.region, accessKey: s3.accessKeyId, secretKey: s3.secretAccessKey },
      { name: 'primary' },
    );
    const standby = createAzureBlobAdapter({ connectionString: az.connectionString }, { name: 'standby' });
    await primary.ensureBucket('failover-primary');
    await standby.ensureBucket('failover-standby');
    const pc = polycloud(primary, standby);
    const r = await load(pc, 'emulators: s3rver primary stopped, Azurite standby', () => s3.stop(), {
      everyMs: 2,
      maxInFlight: 4096,
      warmMs: 2000,
      afterMs: 3000,
    });
    await pc.close();
    return r;
  } finally {
    await s3.stop().catch(() => {});
    await az.stop().catch(() => {});
  }
}

async function memoryScenario(mode: 'outage' | 'blackhole'): Promise<Result> {
  const inner = createMemoryStorageAdapter({ name: 'primary', buckets: ['failover-primary'] });
  // Black-holed calls hang 12 s: longer than the 10 s operation deadline.
  const primary = createFaultInjectingStorageAdapter(inner, { seed: 1, latencyMs: 1, timeoutMs: 12_000 });
  const standby = createFaultInjectingStorageAdapter(createMemoryStorageAdapter({ name: 'standby', buckets: ['failover-standby'] }), { seed: 2, latencyMs: 1 });
  const pc = polycloud(primary, standby);
  const r = await load(
    pc,
    mode === 'outage' ? 'memory: primary refuses every call (outage)' : 'memory: primary black-holed (every call and probe hangs)',
    () => (mode === 'outage' ? primary.outage(true) : primary.setTimeoutRate(1)),
    { everyMs: 2, maxInFlight: 4096, warmMs: 1000, afterMs: 2000 },
  );
  await pc.close();
  return r;
}

// The SDK's clock unrefs its timers (a library must not hold a process open); the
// bench must stay alive while puts wait on them.
const keepAlive = setInterval(() => {}, 1000);
const results: Result[] = [];
if (!process.argv.includes('--memory-only')) {
  try {
    results.push(await emulatorScenario());
  } catch (e) {
    console.error(`emulator scenario could not run: ${(e as Error).message}`);
  }
}
results.push(await memoryScenario('outage'));
results.push(await memoryScenario('blackhole'));

console.log(`failover bench — default router settings, node ${process.version}, ${new Date().toISOString()}`);
console.log('| scenario | RTO (ms) | failed operations | failed attempts | puts before | puts after | puts/s after |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of results)
  console.log(`| ${r.scenario} | ${r.rtoMs ?? 'none'} | ${r.failedOps} | ${r.failedAttempts} | ${r.opsBefore} | ${r.opsAfter} | ${r.opsPerSecAfter} |`);
clearInterval(keepAlive);
process.exit(0);
