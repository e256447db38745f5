/**
 * Compute facade figures: (1) LogicalCluster submit overhead over three in-memory
 * bindings (routing + the all-bindings lookup + submit), and the same with a capacity
 * failover on every job; (2) the local adapter end to end, DataJob YAML → SUCCEEDED;
 * (3) submit with the claims in a bucket of each storage emulator (compute-claims.ts).
 *
 *   node --import tsx scripts/bench/compute-submit.ts
 */
import { createPolycloud } from '@polycloud/core';
import { createLocalComputeAdapter } from '@polycloud/core';
import { createMemoryComputeAdapter } from '@polycloud/core/testing';
import { benchClaims, printClaimRows } from './compute-claims.js';

const JOB = (name: string, command = '') => `apiVersion: batch.mcp/v1
kind: DataJob
metadata: {name: ${name}}
spec:
  image: data-processor:v1
  ${command}
  resources: {cpu: 500m, memory: 512Mi}
`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function facade(n: number, failover: boolean) {
  const adapters = ['a', 'b', 'c'].map((name) =>
    createMemoryComputeAdapter({ name, runMs: null, ...(failover && name === 'a' ? { maxConcurrentJobs: 1 } : {}) }),
  );
  const polycloud = createPolycloud({
    providers: adapters.map((adapter, i) => ({ name: `p${i}`, adapter })),
    resources: [
      { resource_id: 'lc', type: 'LogicalCluster', providers: adapters.map((_, i) => ({ cloud: `C${i}`, provider: `p${i}`, physical_id: `q${i}` })) },
    ],
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
  });
  let failovers = 0;
  polycloud.events.on('failover', () => failovers++);
  const cluster = polycloud.cluster('lc', { lookupSettleMs: 0 });
  if (failover) await cluster.submit(JOB('filler')); // takes binding a's only slot: later jobs fail over (or go straight to b while the router demotes a)
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await cluster.submit(JOB(`job-${i}`));
    times.push(performance.now() - t);
  }
  await polycloud.close();
  return Object.assign(times, { failovers });
}

async function local(n: number) {
  const polycloud = createPolycloud({
    providers: [{ name: 'local', adapter: createLocalComputeAdapter() }],
    resources: [{ resource_id: 'lc', type: 'LogicalCluster', providers: [{ cloud: 'local', physical_id: 'bench' }] }],
  });
  const cluster = polycloud.cluster('lc');
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const job = await cluster.submit(JOB(`local-${Date.now()}-${i}`, `command: ["${process.execPath}", "-e", "process.exit(0)"]`));
    const done = await cluster.wait(job, { pollIntervalMs: 5 });
    if (done.state !== 'SUCCEEDED') throw new Error(`job ended ${done.state}`);
    times.push(performance.now() - t);
  }
  await polycloud.close();
  return times;
}

const report = (label: string, xs: number[] & { failovers?: number }) =>
  console.log(
    `${label}: n=${xs.length} p50=${pct(xs, 0.5).toFixed(2)} ms p99=${pct(xs, 0.99).toFixed(2)} ms${xs.failovers === undefined ? '' : ` failovers=${xs.failovers}`}`,
  );
report('submit, 3 memory bindings', await facade(2000, false));
report('submit, binding a full (QUOTA_EXCEEDED)', await facade(2000, true));
report('local YAML → SUCCEEDED (node -e)', await local(20));
printClaimRows(await benchClaims(300));
