/**
 * `npm run demo` — the README's main job. Three clouds on loopback (Azurite, s3rver,
 * the GCS emulator; or in-memory clouds with --embedded), one LogicalBucket across
 * them, routed writes, replication, a real conflict, a failover with its measured
 * RTO, catch-up, and the original design's DataJob routed by price.
 */
import { createHash } from 'node:crypto';
import { createAdapterRegistry, createPolycloud, isPolycloudError, localComputeAdapterFactory, type Polycloud, readAll } from '@polycloud/core';
import { createRouter } from '@polycloud/router';
import { CLOUDS, type CloudName, type DemoEnvironment, startEnvironment } from './demo/environment.js';
import { createSync } from '@polycloud/sync';

const embedded = process.argv.includes('--embedded');
// The pinned AWS SDK runs on Node 20; its notice that releases from 2027 need Node 22
// is for the host's upgrade plans, not for this tour.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const started = performance.now();
const say = (line = '') => process.stdout.write(`${line}\n`);
const step = (n: number, title: string) => say(`\n== ${n}. ${title} ${'='.repeat(Math.max(0, 60 - title.length))}`);
const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;

const DATAJOB_YAML = `
apiVersion: batch.mcp/v1
kind: DataJob
metadata:
  name: data-cleaning
spec:
  image: data-processor:v1   # the local adapter ignores the image and runs the command
  command: ["node", "-e", "const rows=[3,1,2].sort(); console.log('cleaned', rows.length, 'rows')"]
  resources:
    cpu: 2
    memory: 4Gi
`;

function makePolycloud(env: DemoEnvironment, primary: CloudName, owner: string): Polycloud {
  return createPolycloud({
    registry: createAdapterRegistry([localComputeAdapterFactory]),
    router: createRouter({ seed: 42 }),
    residency: { eu: ['europe-*', 'westeurope'] },
    retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 },
    timeoutMs: 15_000,
    providers: [...CLOUDS.map((c) => ({ name: c, adapter: env.adapters[c] })), { name: 'local-us', type: 'local' }, { name: 'local-eu', type: 'local' }],
    resources: [
      {
        resource_id: 'lb-demo',
        type: 'LogicalBucket',
        routing: { strategy: 'primary' },
        replication: { mode: 'async', conflict: 'lww' },
        providers: CLOUDS.map((c) => ({
          cloud: c,
          physical_id: env.buckets[c],
          region: { aws: 'us-east-1', azure: 'westeurope', gcp: 'europe-west1' }[c],
          role: c === primary ? ('primary' as const) : ('standby' as const),
          priority: c === primary ? 0 : c === 'azure' ? 1 : 2,
          price: { storage_gb_month: { aws: 0.023, azure: 0.018, gcp: 0.02 }[c], egress_gb: { aws: 0.09, azure: 0.087, gcp: 0.12 }[c] },
        })),
      },
      {
        resource_id: 'lc-demo',
        type: 'LogicalCluster',
        providers: [
          { cloud: 'CLOUD_A', provider: 'local-us', physical_id: 'us-pool', region: 'us-east-1', price: { vcpu_hour: 0.04, memory_gib_hour: 0.0045 } },
          {
            cloud: 'CLOUD_B',
            provider: 'local-eu',
            physical_id: 'eu-pool',
            region: 'europe-west1',
            price: { vcpu_hour: 0.05, memory_gib_hour: 0.0055, schedule: [{ from: '20:00', to: '08:00', multiplier: 0.5 }] },
          },
        ],
      },
    ],
    // Journal, lease and checkpoints on the Azure binding: Azurite (and memory) enforce
    // conditional writes, which s3rver and the GCS emulator ignore.
    sync: createSync({ autoStart: false, stateBinding: 'azure', journalPlacement: 'state', owner, baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 2 }),
  });
}

async function snapshot(env: DemoEnvironment, cloud: CloudName): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await env.adapters[cloud].list(env.buckets[cloud], token ? { continuationToken: token } : {});
    for (const o of page.objects) {
      if (o.key.startsWith('_polycloud/')) continue;
      const { body } = await env.adapters[cloud].get(env.buckets[cloud], o.key);
      out.set(
        o.key,
        createHash('sha256')
          .update(await readAll(body))
          .digest('hex')
          .slice(0, 12),
      );
    }
    token = page.continuationToken;
  } while (token);
  return out;
}

/** Whether every cloud holds the same bytes for every key it may hold (eu/ data never goes to aws, in us-east-1). */
async function converged(env: DemoEnvironment): Promise<{ ok: boolean; counts: Record<CloudName, number> }> {
  const [aws, azure, gcp] = await Promise.all(CLOUDS.map((cl) => snapshot(env, cl)));
  const same = (x: Map<string, string>, y: Map<string, string>, skip: (k: string) => boolean) => {
    const xs = [...x].filter(([k]) => !skip(k));
    const ys = [...y].filter(([k]) => !skip(k));
    return xs.length === ys.length && xs.every(([k, v]) => y.get(k) === v);
  };
  const euOnly = (k: string) => k.startsWith('eu/');
  const ok = same(azure!, gcp!, () => false) && same(aws!, azure!, euOnly) && ![...aws!.keys()].some(euOnly);
  return { ok, counts: { aws: aws!.size, azure: azure!.size, gcp: gcp!.size } };
}

async function main(): Promise<void> {
  say(`polycloud demo — ${embedded ? 'embedded (in-memory clouds)' : 'local cloud emulators on 127.0.0.1'}`);
  step(1, 'Start three clouds');
  const env = await startEnvironment(embedded);
  for (const c of CLOUDS) say(`  ${c.padEnd(6)} ${env.describe[c]}  bucket ${env.buckets[c]}`);
  const regionA = makePolycloud(env, 'aws', 'region-a');
  const summary: Record<string, string> = {};
  try {
    const bucket = regionA.bucket('lb-demo');
    const sync = regionA.sync('lb-demo');

    step(2, 'Write objects, printing routing decisions');
    const why = bucket.explain('write', 'reports/2026-11-01.csv');
    for (const c of why.candidates) {
      const s = c.scores;
      say(
        `  ${c.binding.padEnd(6)} ${c.verdict.padEnd(3)} rank ${c.rank ?? '-'}  tier ${s['priority']}  share ${s['tierShare']}  price ${Number((s['price'] ?? 0).toFixed(3))}  latency ${Number((s['latencyMs'] ?? 0).toFixed(1))} ms  errors ${s['errorRate']}  weight ${c.weight.toFixed(3)}`,
      );
    }
    let written = 0;
    for (let day = 1; day <= 12; day++) {
      const key = `reports/2026-11-${String(day).padStart(2, '0')}.csv`;
      const r = await bucket.put(key, `day,total\n${day},${day * 42}\n`, { contentType: 'text/csv', metadata: { source: 'demo' } });
      written++;
      if (day <= 3) say(`  put ${key} → ${r.binding} (version ${r.versionToken.slice(0, 16)})`);
    }
    const eu = await bucket.put('eu/patient-7.json', '{"name":"Ada"}', { tags: { residency: 'eu' } });
    written++;
    say(`  … ${written} objects; eu/patient-7.json (residency: eu) → ${eu.binding}`);
    summary['objects written'] = String(written);

    step(3, 'Replicate until every copy converges');
    const t0 = performance.now();
    const reports = await sync.drain();
    const replicated = reports.reduce((n, r) => n + r.writes, 0);
    const state = await converged(env);
    say(`  ${replicated} copies written in ${ms(performance.now() - t0)}; objects per cloud ${JSON.stringify(state.counts)}`);
    say(
      `  eu/patient-7.json on aws (us-east-1)? ${(await snapshot(env, 'aws')).has('eu/patient-7.json') ? 'YES — violation' : 'no — residency refused the copy'}`,
    );
    summary['replication'] = `${replicated} copies, ${ms(performance.now() - t0)}`;

    step(4, 'A real conflict: two regions write the same key at once');
    const regionB = makePolycloud(env, 'gcp', 'region-b');
    try {
      const conflicts: string[] = [];
      regionA.events.on('conflict', (payload: unknown) => {
        const e = payload as { key: string; winner: string; losers: string[]; policy: string };
        conflicts.push(`${e.key}: policy ${e.policy}, winner ${e.winner}, loser ${e.losers.join(', ')}`);
      });
      const [a, b] = await Promise.all([
        regionA.bucket('lb-demo').put('config/settings.json', '{"theme":"dark"}'),
        regionB.bucket('lb-demo').put('config/settings.json', '{"theme":"light"}'),
      ]);
      say(`  region A wrote on ${a.binding}, region B wrote on ${b.binding}, neither saw the other`);
      await sync.drain();
      for (const line of conflicts) say(`  conflict ${line}`);
      const winner = await bucket.getText('config/settings.json');
      const after = await converged(env);
      say(`  every copy now holds ${winner} (converged: ${after.ok})`);
      summary['conflict'] = `${conflicts.length} detected, resolved by lww → ${winner}`;
    } finally {
      await regionB.close();
    }

    step(5, 'Failover: the primary cloud (aws) goes down mid-load');
    let failed = 0;
    let stoppedAt = 0;
    let rto = -1;
    let during = 0;
    await env.stop('aws');
    stoppedAt = performance.now();
    for (let i = 0; i < 40; i++) {
      try {
        const r = await bucket.put(`events/${i}.json`, JSON.stringify({ i }));
        during++;
        if (rto < 0 && r.binding !== 'aws') {
          rto = performance.now() - stoppedAt;
          say(`  first write after the outage served by ${r.binding} after ${ms(rto)}`);
        }
      } catch (e) {
        failed++;
        say(`  write ${i} failed: ${isPolycloudError(e) ? e.code : String(e)}`);
      }
    }
    say(`  ${during} writes during the outage, ${failed} failed; measured RTO ${ms(rto)}`);
    summary['failover RTO'] = `${ms(rto)} (${failed} failed writes of ${during + failed})`;

    step(6, 'The primary comes back: catch-up');
    await env.restart('aws');
    const t1 = performance.now();
    let caught = await converged(env);
    for (let round = 0; round < 20 && !caught.ok; round++) {
      await sync.drain();
      caught = await converged(env);
    }
    const euOnAws = (await snapshot(env, 'aws')).has('eu/patient-7.json');
    say(`  converged: ${caught.ok} in ${ms(performance.now() - t1)}; objects per cloud ${JSON.stringify(caught.counts)} (aws holds no eu data: ${!euOnAws})`);
    summary['catch-up'] = `${caught.ok ? 'converged' : 'NOT converged'} in ${ms(performance.now() - t1)}`;

    step(7, "The original design's DataJob, routed by price");
    const cluster = regionA.cluster('lc-demo');
    const decision = regionA.router.explain({ resource: regionA.clusterResource('lc-demo'), operation: 'submit', tags: {}, job: { cpu: 2, memoryMiB: 4096 } });
    say('  CLOUD_A (us-east-1) $0.040/vCPU-h; CLOUD_B (europe-west1) $0.050/vCPU-h, half price 20:00–08:00 UTC');
    for (const c of decision.candidates)
      say(
        `  ${c.binding.padEnd(8)} price factor ${Number((c.scores['price'] ?? 0).toFixed(4))}  weight ${c.weight.toFixed(4)}${c.binding === decision.chosen ? '  ← chosen' : ''}`,
      );
    const job = await cluster.submit(DATAJOB_YAML);
    const status = await cluster.wait(job, { pollIntervalMs: 50, timeoutMs: 20_000 });
    say(
      `  data-cleaning ran on ${job.binding} (${new Date().toISOString().slice(11, 16)} UTC): ${status.state}, exit code ${status.exitCode}, log ${status.logLocation}`,
    );
    summary['DataJob'] = `${status.state} on ${job.binding}, exit ${status.exitCode}`;

    step(8, 'Summary');
    const final = await converged(env);
    summary['copies identical'] = String(final.ok);
    summary['mode'] = env.mode;
    summary['total time'] = ms(performance.now() - started);
    console.table(summary);
    if (!final.ok || failed > 0 || status.state !== 'SUCCEEDED') process.exitCode = 1;
  } finally {
    await regionA.close();
    await env.close();
  }
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${isPolycloudError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
