import type { Polycloud } from '@polycloud/core';
import { PolycloudError } from '@polycloud/core/spi';
import { type CommandContext, openPolycloud } from '../context.js';
import { bytes, seconds, table } from '../format.js';
import { EXIT, line } from '../io.js';
import { createProgress } from '../progress.js';

export interface SyncOptions {
  reconcile?: boolean;
  dryRun?: boolean;
  allowMassDelete?: boolean;
}

interface Plan {
  bindings: { binding: string; objects: number; bytes: number; missing: number; missingBytes: number }[];
  differing: number;
  total: number;
}

/** What a reconcile would copy: keys some binding lacks, by listing every binding. */
async function plan(polycloud: Polycloud, bucket: string): Promise<Plan> {
  const client = polycloud.bucket(bucket);
  const listings = await Promise.all(
    client.resource.providers.map(async (b) => {
      const objects = new Map<string, { size: number }>();
      let token: string | undefined;
      do {
        const page = await client.adapter(b.id).list(b.physical_id, token ? { continuationToken: token } : {});
        for (const o of page.objects) if (!o.key.startsWith('_polycloud/')) objects.set(o.key, { size: o.size });
        token = page.continuationToken;
      } while (token);
      return { binding: b.id, objects };
    }),
  );
  const all = new Map<string, number>();
  for (const l of listings) for (const [k, o] of l.objects) all.set(k, Math.max(all.get(k) ?? 0, o.size));
  let differing = 0;
  for (const k of all.keys()) {
    const sizes = new Set(listings.flatMap((l) => (l.objects.has(k) ? [l.objects.get(k)!.size] : [])));
    if (sizes.size > 1) differing++;
  }
  const bindings = listings.map((l) => {
    const missing = [...all.keys()].filter((k) => !l.objects.has(k));
    return {
      binding: l.binding,
      objects: l.objects.size,
      bytes: [...l.objects.values()].reduce((n, o) => n + o.size, 0),
      missing: missing.length,
      missingBytes: missing.reduce((n, k) => n + all.get(k)!, 0),
    };
  });
  return { bindings, differing, total: bindings.reduce((n, b) => n + b.missing, 0) };
}

/** `polycloud sync <config> <bucket> [--reconcile] [--dry-run]`. */
export async function syncCommand(ctx: CommandContext, path: string, bucket: string, opts: SyncOptions): Promise<number> {
  const { polycloud } = await openPolycloud(ctx, path);
  try {
    const client = polycloud.bucket(bucket);
    if (client.resource.replication.mode === 'none') {
      throw new PolycloudError('INVALID_ARGUMENT', `bucket ${bucket} has replication.mode: none`, { context: { resource: bucket, path: ['replication', 'mode'] } });
    }
    const engine = polycloud.sync(bucket);
    let objects = 0;
    let transferred = 0;
    let conflicts = 0;
    const onReplicated = (...args: unknown[]) => {
      const p = (args[0] ?? {}) as { bucket?: string; resource?: string; bytes?: number };
      if ((p.bucket ?? p.resource) !== bucket) return;
      objects++;
      transferred += typeof p.bytes === 'number' ? p.bytes : 0;
      progress?.update(objects, transferred);
    };
    const onConflict = (...args: unknown[]) => {
      const p = (args[0] ?? {}) as { bucket?: string; resource?: string };
      if ((p.bucket ?? p.resource) === bucket) conflicts++;
    };
    let progress: ReturnType<typeof createProgress> | undefined;
    try {
      const started = performance.now();

      if (opts.reconcile) {
        const before = await plan(polycloud, bucket);
        line(ctx.stdout, table(['binding', 'objects', 'bytes', 'missing', 'to copy'], before.bindings.map((b) => [b.binding, b.objects, bytes(b.bytes), b.missing, bytes(b.missingBytes)])));
        if (before.differing) line(ctx.stdout, `${before.differing} key(s) differ between bindings (resolved by the bucket's conflict policy: ${client.resource.replication.conflict})`);
        if (opts.dryRun) {
          // The engine's own plan (the same pass the real run starts with), not a diff of its own.
          const planned = await engine.reconcile({ dryRun: true, ...(opts.allowMassDelete ? { allowMassDelete: true } : {}) });
          const blocked = planned.status === 'blocked';
          line(
            ctx.stdout,
            `dry run (the engine's plan): ${planned.changed} key(s) to bring in line, ${planned.outOfBandDeletes} deleted outside polycloud, ${planned.wouldDelete} to delete everywhere of ${planned.total} synchronised${blocked ? ' — blocked by the mass-delete guard (max_delete_fraction): the real run changes nothing without --allow-mass-delete' : ''}; nothing was changed`,
          );
          return blocked ? EXIT.failed : EXIT.ok;
        }
        polycloud.events.on('replicated', onReplicated);
        polycloud.events.on('conflict', onConflict);
        progress = createProgress(ctx.stdout, `reconcile ${bucket}`, before.total + before.differing);
        const report = await engine.reconcile(opts.allowMassDelete ? { allowMassDelete: true } : {});
        progress.stop();
        if (report.status === 'blocked') {
          line(ctx.stderr, `reconcile blocked by the mass-delete guard: it would delete ${report.wouldDelete} of ${report.total} objects (max_delete_fraction). Nothing was changed; rerun with --allow-mass-delete if that is intended.`);
          return EXIT.failed;
        }
        line(ctx.stdout, `reconciled ${bucket}: ${objects} change(s) applied, ${bytes(transferred)}, ${report.conflicts} conflict(s), ${report.unavailable.length ? `unavailable: ${report.unavailable.join(', ')}` : 'every binding listed'} in ${seconds(performance.now() - started)}`);
        return report.unavailable.length ? EXIT.failed : EXIT.ok;
      }

      const status = await engine.status();
      // Entries not yet applied everywhere: the largest backlog of any target.
      const total = status.targets.reduce((n, t) => Math.max(n, t.backlog), 0);
      if (opts.dryRun) {
        line(ctx.stdout, table(['binding', 'backlog', 'lag', 'failed'], status.targets.map((t) => [t.binding, t.backlog, seconds(t.lagMs), t.failed])));
        line(ctx.stdout, `dry run: ${total} journal entr${total === 1 ? 'y' : 'ies'} waiting; nothing was replicated`);
        return EXIT.ok;
      }
      polycloud.events.on('replicated', onReplicated);
      polycloud.events.on('conflict', onConflict);
      progress = createProgress(ctx.stdout, `replicate ${bucket}`, total);
      const failed = new Set<string>();
      for (let round = 0; round < 10_000; round++) {
        const report = await engine.runOnce();
        if (!report.leased) {
          progress.stop();
          line(ctx.stderr, `another process holds ${bucket}'s replication partitions; nothing was done`);
          return EXIT.failed;
        }
        report.failedKeys.forEach((k) => failed.add(k));
        if (!report.more) break;
      }
      progress.stop();
      const after = await engine.status();
      line(ctx.stdout, table(['binding', 'backlog', 'lag', 'failed'], after.targets.map((t) => [t.binding, t.backlog, seconds(t.lagMs), t.failed])));
      line(ctx.stdout, `replicated ${bucket}: ${objects} change(s) applied, ${bytes(transferred)}, ${conflicts} conflict(s), ${failed.size} failed key(s) in ${seconds(performance.now() - started)}`);
      return failed.size ? EXIT.failed : EXIT.ok;
    } finally {
      // An engine that throws must not leave the terminal with a hidden cursor and a half-drawn bar.
      progress?.stop();
    }
  } finally {
    await polycloud.close();
  }
}
