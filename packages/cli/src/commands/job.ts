import { resolve } from 'node:path';
import { type DataJob, INPUT_LIMITS, isPolycloudError, PolycloudError, readTextFile } from '@polycloud/core/spi';
import type { Polycloud } from '@polycloud/core';
import { loadDataJob } from '@polycloud/core/config';
import { type CommandContext, openPolycloud } from '../context.js';
import { table } from '../format.js';
import { printExplanation } from './explain.js';
import { EXIT, line } from '../io.js';

export interface JobOptions {
  cluster?: string;
  wait?: boolean;
  json?: boolean;
}

function clusterId(polycloud: Polycloud, wanted: string | undefined): string {
  if (wanted) return wanted;
  const clusters = polycloud.resources.filter((r) => r.type === 'LogicalCluster').map((r) => r.resource_id);
  if (clusters.length === 1) return clusters[0]!;
  throw new PolycloudError(
    'INVALID_ARGUMENT',
    clusters.length
      ? `the config has ${clusters.length} LogicalClusters (${clusters.join(', ')}): name one with --cluster`
      : 'the config has no LogicalCluster',
    {
      context: { path: ['cluster'] },
    },
  );
}

/** A job id as the CLI prints it: `<cluster>/<binding>/<provider job id>`. */
export function formatJobId(cluster: string, binding: string, jobId: string): string {
  return `${cluster}/${binding}/${jobId}`;
}

function parseJobId(id: string): { cluster: string; binding: string; jobId: string } {
  const [cluster, binding, ...rest] = id.split('/');
  if (!cluster || !binding || rest.length === 0 || !rest.join('/')) {
    throw new PolycloudError('INVALID_ARGUMENT', `"${id}" is not a job id (expected <cluster>/<binding>/<job>, as job submit prints it)`, {
      context: { path: ['id'] },
    });
  }
  return { cluster, binding, jobId: rest.join('/') };
}

function loadJob(ctx: CommandContext, jobs: Record<string, DataJob>, ref: string): DataJob {
  if (jobs[ref]) return jobs[ref]!;
  const file = resolve(ctx.cwd ?? process.cwd(), ref);
  let text: string;
  try {
    // Never blocks: a FIFO or device is refused at once (INVALID_ARGUMENT), as is a file over the DataJob size limit.
    text = readTextFile(file, { maxBytes: INPUT_LIMITS.maxJobBytes, invalidCode: 'INVALID_ARGUMENT', what: 'DataJob file', path: ['job'] });
  } catch (e) {
    if (isPolycloudError(e, 'INVALID_ARGUMENT')) throw e;
    // A reference that names nothing is a usage error (exit 2); NOT_FOUND (exit 1) is kept for what a provider says.
    throw new PolycloudError('INVALID_ARGUMENT', `"${ref}" is neither a job in the config (${Object.keys(jobs).join(', ') || 'none'}) nor a readable file`, {
      context: { path: ['job'] },
    });
  }
  return loadDataJob(text);
}

/**
 * A job on the `local` adapter belongs to the process that started it: the adapter's
 * close() (when the CLI exits) cancels it. So a submit that would land on a local
 * binding must `--wait` (exit 2 otherwise, nothing submitted).
 */
function refuseLocalDetach(polycloud: Polycloud, cluster: string, job: DataJob): void {
  const chosen = polycloud.cluster(cluster).explain(job).chosen;
  if (!chosen) return; // the submit itself reports that no binding qualifies
  const doc = polycloud.resources.find((r) => r.resource_id === cluster);
  const binding = doc?.providers.find((b) => b.id === chosen);
  if (binding && polycloud.computeAdapter(binding.provider).type === 'local') {
    throw new PolycloudError(
      'INVALID_ARGUMENT',
      `${job.name} would run on ${chosen}, a local binding: its jobs are cancelled when the CLI exits. Use --wait (job submit --wait ${job.name}), or submit it from a long-running program`,
      { context: { path: ['wait'], binding: chosen } },
    );
  }
}

const when = (d: Date | undefined) => (d ? d.toISOString() : '-');

/** `polycloud job submit <config> <job.yaml | job name>`: submits a DataJob (idempotent) and prints its id. */
export async function jobSubmitCommand(ctx: CommandContext, ref: string, opts: JobOptions): Promise<number> {
  const { polycloud, config } = await openPolycloud(ctx);
  try {
    const job = loadJob(ctx, config.jobs, ref);
    const cluster = clusterId(polycloud, opts.cluster);
    const client = polycloud.cluster(cluster);
    if (!opts.wait) refuseLocalDetach(polycloud, cluster, job);
    const submitted = await client.submit(job);
    const id = formatJobId(cluster, submitted.binding, submitted.jobId);
    let status = submitted.status;
    if (opts.wait) status = await client.wait(submitted, { pollIntervalMs: 200 });
    const out = {
      id,
      cluster,
      binding: submitted.binding,
      jobId: submitted.jobId,
      idempotencyKey: submitted.idempotencyKey,
      existing: submitted.existing,
      state: status.state,
      ...(status.exitCode === undefined ? {} : { exitCode: status.exitCode }),
    };
    if (opts.json) line(ctx.stdout, JSON.stringify(out, null, 2));
    else {
      line(ctx.stdout, `${submitted.existing ? 'already submitted' : 'submitted'} ${job.name} → ${id}`);
      line(
        ctx.stdout,
        table(
          ['id', 'binding', 'idempotency key', 'state', 'exit code'],
          [[id, submitted.binding, submitted.idempotencyKey, status.state, status.exitCode ?? '-']],
        ),
      );
    }
    return status.state === 'FAILED' || status.state === 'CANCELLED' ? EXIT.failed : EXIT.ok;
  } finally {
    await polycloud.close();
  }
}

/** `polycloud job status <config> <id>`. */
export async function jobStatusCommand(ctx: CommandContext, id: string, opts: JobOptions): Promise<number> {
  const ref = parseJobId(id);
  const { polycloud } = await openPolycloud(ctx);
  try {
    // An id naming a cluster the config lacks is a usage error (2), like an unknown binding; NOT_FOUND (1) is the provider's answer.
    if (!polycloud.resources.some((r) => r.type === 'LogicalCluster' && r.resource_id === ref.cluster)) {
      throw new PolycloudError('INVALID_ARGUMENT', `"${id}" names cluster "${ref.cluster}", which the config does not define`, { context: { path: ['id'] } });
    }
    const status = await polycloud.cluster(ref.cluster).status({ resource: ref.cluster, binding: ref.binding, jobId: ref.jobId, idempotencyKey: ref.jobId });
    if (opts.json) line(ctx.stdout, JSON.stringify({ id, ...status }, null, 2));
    else {
      line(
        ctx.stdout,
        table(
          ['id', 'state', 'exit code', 'submitted', 'started', 'finished', 'reason'],
          [[id, status.state, status.exitCode ?? '-', when(status.submittedAt), when(status.startedAt), when(status.finishedAt), status.reason ?? '-']],
        ),
      );
      if (status.logLocation) line(ctx.stdout, `logs: ${status.logLocation}`);
    }
    return status.state === 'FAILED' || status.state === 'CANCELLED' ? EXIT.failed : EXIT.ok;
  } finally {
    await polycloud.close();
  }
}

/** `polycloud job explain <config> <job>`: where the job would run, and why (price, residency, health). */
export async function jobExplainCommand(ctx: CommandContext, ref: string, opts: JobOptions): Promise<number> {
  const { polycloud, config } = await openPolycloud(ctx);
  try {
    const job = loadJob(ctx, config.jobs, ref);
    const cluster = clusterId(polycloud, opts.cluster);
    const explanation = polycloud.cluster(cluster).explain(job);
    if (opts.json) line(ctx.stdout, JSON.stringify(explanation, null, 2));
    else printExplanation(ctx, explanation, `submit ${job.name} (${job.cpu} vCPU, ${job.memoryMiB} MiB) on ${cluster}`);
    return explanation.chosen ? EXIT.ok : EXIT.failed;
  } finally {
    await polycloud.close();
  }
}
