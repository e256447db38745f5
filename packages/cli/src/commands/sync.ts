import type { ReconcileReport } from '@polycloud/core/spi';
import { PolycloudError } from '@polycloud/core/spi';
import { type CommandContext, openPolycloud } from '../context.js';
import { bytes, seconds, table } from '../format.js';
import { EXIT, interruptCode, line } from '../io.js';
import { createProgress, type Progress } from '../progress.js';

export interface SyncOptions {
  reconcile?: boolean;
  dryRun?: boolean;
  allowMassDelete?: boolean;
  json?: boolean;
}

/** Resolves when the signal aborts (never, without one). */
function aborted(signal: AbortSignal | undefined): Promise<'aborted'> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
}

const planJson = (p: ReconcileReport) => ({
  status: p.status,
  changed: p.changed,
  outOfBandDeletes: p.outOfBandDeletes,
  wouldDelete: p.wouldDelete,
  total: p.total,
  conflicts: p.conflicts,
  listed: p.listed,
  unavailable: p.unavailable,
});

/**
 * `polycloud sync <bucket> [--reconcile] [--dry-run]`.
 *
 * Interrupted (SIGINT / SIGTERM on the context's signal): stops after the round in
 * flight is abandoned, restores the terminal, stops the bucket's replication (which
 * releases its partition leases, so the next run starts at once), prints what was
 * done, and exits 130 / 143.
 */
export async function syncCommand(ctx: CommandContext, bucket: string, opts: SyncOptions): Promise<number> {
  const { polycloud } = await openPolycloud(ctx);
  let progress: Progress | undefined;
  try {
    const client = polycloud.bucket(bucket);
    if (client.resource.replication.mode === 'none') {
      throw new PolycloudError('INVALID_ARGUMENT', `bucket ${bucket} has replication.mode: none`, {
        context: { resource: bucket, path: ['replication', 'mode'] },
      });
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
    const started = performance.now();
    const interrupted = aborted(ctx.signal);
    /** Ctrl-C: the terminal back, the leases released, what was done so far. */
    const stopInterrupted = async (what: string): Promise<number> => {
      progress?.stop();
      const stopped = await engine.stop().catch(() => undefined);
      const summary = {
        ok: false,
        interrupted: String(ctx.signal?.reason ?? 'SIGINT'),
        bucket,
        applied: objects,
        bytes: transferred,
        conflicts,
        ...(stopped ? { pending: stopped.pending } : {}),
        seconds: Math.round(performance.now() - started) / 1000,
      };
      if (opts.json) line(ctx.stdout, JSON.stringify(summary, null, 2));
      else
        line(
          ctx.stderr,
          `${what} ${bucket} interrupted (${summary.interrupted}): ${objects} change(s) applied, ${bytes(transferred)}, ${conflicts} conflict(s)${stopped ? `, ${stopped.pending} pending` : ''} in ${seconds(performance.now() - started)}; replication stopped and its leases released — run it again to continue`,
        );
      return interruptCode(ctx.signal);
    };

    if (opts.reconcile) {
      if (opts.dryRun) {
        // The engine's own plan: the first pass of the real run, with the mass-delete guard's verdict.
        const planned = await Promise.race([engine.reconcile({ dryRun: true, ...(opts.allowMassDelete ? { allowMassDelete: true } : {}) }), interrupted]);
        if (planned === 'aborted') return await stopInterrupted('reconcile dry run of');
        const blocked = planned.status === 'blocked';
        if (opts.json)
          line(ctx.stdout, JSON.stringify({ ok: !blocked && !planned.unavailable.length, dryRun: true, bucket, plan: planJson(planned) }, null, 2));
        else {
          line(
            ctx.stdout,
            table(
              ['binding', 'listed'],
              Object.entries(planned.listed).map(([b, n]) => [b, n]),
            ),
          );
          line(
            ctx.stdout,
            `dry run (the engine's plan): ${planned.changed} key(s) to bring in line, ${planned.outOfBandDeletes} deleted outside polycloud, ${planned.wouldDelete} to delete everywhere of ${planned.total} synchronised${planned.conflicts ? `, ${planned.conflicts} conflict(s)` : ''}${planned.unavailable.length ? `, unavailable: ${planned.unavailable.join(', ')}` : ''}${blocked ? ' — blocked by the mass-delete guard (max_delete_fraction): the real run changes nothing without --allow-mass-delete' : ''}; nothing was changed`,
          );
        }
        return blocked || planned.unavailable.length ? EXIT.failed : EXIT.ok;
      }
      polycloud.events.on('replicated', onReplicated);
      polycloud.events.on('conflict', onConflict);
      // The number of changes is known only once the engine has listed every binding: counts and rate, no bar.
      progress = createProgress(ctx.stdout, `reconcile ${bucket}`, 0, { quiet: !!ctx.quiet || !!opts.json });
      const report = await Promise.race([engine.reconcile(opts.allowMassDelete ? { allowMassDelete: true } : {}), interrupted]);
      if (report === 'aborted') return await stopInterrupted('reconcile of');
      progress.stop();
      const blocked = report.status === 'blocked';
      if (opts.json)
        line(
          ctx.stdout,
          JSON.stringify(
            {
              ok: !blocked && !report.unavailable.length,
              bucket,
              applied: objects,
              bytes: transferred,
              report: planJson(report),
              failedKeys: report.failedKeys,
            },
            null,
            2,
          ),
        );
      else if (blocked) {
        line(
          ctx.stderr,
          `reconcile blocked by the mass-delete guard: it would delete ${report.wouldDelete} of ${report.total} objects (max_delete_fraction). Nothing was changed; rerun with --allow-mass-delete if that is intended.`,
        );
      } else {
        line(
          ctx.stdout,
          `reconciled ${bucket}: ${objects} change(s) applied, ${bytes(transferred)}, ${report.conflicts} conflict(s), ${report.unavailable.length ? `unavailable: ${report.unavailable.join(', ')}` : 'every binding listed'} in ${seconds(performance.now() - started)}`,
        );
      }
      return blocked || report.unavailable.length ? EXIT.failed : EXIT.ok;
    }

    const status = await engine.status();
    // Entries not yet applied everywhere: the largest backlog of any target.
    const total = status.targets.reduce((n, t) => Math.max(n, t.backlog), 0);
    const targets = (s: typeof status) => s.targets.map((t) => ({ binding: t.binding, backlog: t.backlog, lagMs: t.lagMs, failed: t.failed }));
    if (opts.dryRun) {
      if (opts.json) line(ctx.stdout, JSON.stringify({ ok: true, dryRun: true, bucket, pending: total, targets: targets(status) }, null, 2));
      else {
        line(
          ctx.stdout,
          table(
            ['binding', 'backlog', 'lag', 'failed'],
            status.targets.map((t) => [t.binding, t.backlog, seconds(t.lagMs), t.failed]),
          ),
        );
        line(ctx.stdout, `dry run: ${total} journal entr${total === 1 ? 'y' : 'ies'} waiting; nothing was replicated`);
      }
      return EXIT.ok;
    }
    polycloud.events.on('replicated', onReplicated);
    polycloud.events.on('conflict', onConflict);
    progress = createProgress(ctx.stdout, `replicate ${bucket}`, total, { quiet: !!ctx.quiet || !!opts.json });
    const failed = new Set<string>();
    for (let round = 0; round < 10_000; round++) {
      const report = await Promise.race([engine.runOnce(), interrupted]);
      if (report === 'aborted') return await stopInterrupted('replication of');
      if (!report.leased) {
        progress.stop();
        const message = `another process holds ${bucket}'s replication partitions; nothing was done`;
        if (opts.json) line(ctx.stdout, JSON.stringify({ ok: false, error: { code: 'CONFLICT', message } }, null, 2));
        else line(ctx.stderr, message);
        return EXIT.failed;
      }
      report.failedKeys.forEach((k) => failed.add(k));
      if (!report.more) break;
    }
    progress.stop();
    const after = await engine.status();
    if (opts.json) {
      line(
        ctx.stdout,
        JSON.stringify(
          {
            ok: failed.size === 0,
            bucket,
            applied: objects,
            bytes: transferred,
            conflicts,
            failedKeys: [...failed],
            targets: targets(after),
            seconds: Math.round(performance.now() - started) / 1000,
          },
          null,
          2,
        ),
      );
    } else {
      if (!ctx.quiet)
        line(
          ctx.stdout,
          table(
            ['binding', 'backlog', 'lag', 'failed'],
            after.targets.map((t) => [t.binding, t.backlog, seconds(t.lagMs), t.failed]),
          ),
        );
      line(
        ctx.stdout,
        `replicated ${bucket}: ${objects} change(s) applied, ${bytes(transferred)}, ${conflicts} conflict(s), ${failed.size} failed key(s) in ${seconds(performance.now() - started)}`,
      );
    }
    return failed.size ? EXIT.failed : EXIT.ok;
  } finally {
    // An engine that throws must not leave the terminal with a hidden cursor and a half-drawn bar.
    progress?.stop();
    await polycloud.close();
  }
}
