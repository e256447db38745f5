import pLimit from 'p-limit';
import { PolycloudError, type ReconcileOptions, type ReconcileReport, toPolycloudError } from '@polycloud/core';
import type { SyncContext } from './context.js';
import type { ChangeJournal } from './journal.js';
import type { Replicator } from './replicator.js';
import type { KeyOutcome } from './sync-key.js';
import { toRecord } from '@polycloud/core';

export type { ReconcileOptions, ReconcileReport } from '@polycloud/core';

/**
 * Three-way reconcile, as rclone bisync: each binding's listing is compared with
 * the last synchronised state (key → version tokens per binding), not with the
 * other binding — so a key missing on one side that was synchronised before is a
 * delete there, never a create on the other; a key changed or new anywhere is
 * merged like a journaled change. Drains the journal first, holds the lease.
 */
export async function reconcile(ctx: SyncContext, replicator: Replicator, journalFor: (binding: string) => ChangeJournal, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const bucketId = ctx.bucket.resource_id;
  const epoch = await replicator.acquire();
  if (epoch === undefined) {
    throw new PolycloudError('CONFLICT', `another process holds the replication lease of ${bucketId}`, { retryable: true, context: { resource: bucketId } });
  }
  await replicator.drain();
  const report: ReconcileReport = { status: 'ok', listed: {}, unavailable: [], changed: 0, outOfBandDeletes: 0, wouldDelete: 0, total: ctx.base.size, conflicts: 0, failedKeys: [] };

  const listings = new Map<string, Map<string, string>>();
  await Promise.all(
    ctx.bindings.map(async (b) => {
      const adapter = ctx.adapterOf(b.id);
      const map = new Map<string, string>();
      try {
        let token: string | undefined;
        do {
          const page = await adapter.list(b.physical_id, token ? { continuationToken: token } : {});
          for (const o of page.objects) if (!o.key.startsWith(ctx.reservedPrefix)) map.set(o.key, o.versionToken);
          token = page.continuationToken;
        } while (token);
        listings.set(b.id, map);
        report.listed[b.id] = map.size;
      } catch (e) {
        report.unavailable.push(b.id);
        ctx.events.emit('error', { resource: bucketId, operation: 'reconcile-list', error: toPolycloudError(e) });
      }
    }),
  );

  const keys = new Set<string>(ctx.base.keys());
  for (const m of listings.values()) for (const k of m.keys()) keys.add(k);
  const work: { key: string; deletedOutOfBand: string[] }[] = [];
  for (const key of keys) {
    const base = ctx.base.get(key);
    let changed = false;
    const deleted: string[] = [];
    let presentSomewhere = false;
    let modified = false;
    for (const [id, listing] of listings) {
      const now = listing.get(key);
      const before = base?.tokens[id];
      if (now !== undefined) presentSomewhere = true;
      if (now === before) continue;
      changed = true;
      if (now === undefined && before !== undefined) deleted.push(id);
      else modified = true;
    }
    if (!changed) continue;
    work.push({ key, deletedOutOfBand: deleted });
    if (deleted.length) report.outOfBandDeletes++;
    // A delete with no modification anywhere propagates (update wins otherwise).
    if (deleted.length && !modified && presentSomewhere && !ctx.tombstones.has(key)) report.wouldDelete++;
  }
  report.changed = work.length;

  const fraction = ctx.bucket.replication.max_delete_fraction;
  if (!options.allowMassDelete && report.wouldDelete > 0 && report.wouldDelete > fraction * Math.max(report.total, 1)) {
    report.status = 'blocked';
    ctx.events.emit('mass-delete', { bucket: bucketId, wouldDelete: report.wouldDelete, total: report.total, maxDeleteFraction: fraction });
    return report;
  }

  const limit = pLimit(options.concurrency ?? 16);
  const outcomes: KeyOutcome[] = await Promise.all(work.map((w) => limit(() => replicator.syncWithRetry(w.key, { deletedOutOfBand: w.deletedOutOfBand }))));
  for (const o of outcomes) {
    if (o.conflict) report.conflicts++;
    if (Object.values(o.bindings).some((b) => !b.ok && b.reason !== 'residency' && b.reason !== 'classification' && b.reason !== 'clock-skew')) report.failedKeys.push(o.key);
    for (const d of o.derived) await journalFor(d.binding).append({ key: d.key, op: 'put', version: toRecord(d.version), binding: d.binding, at: ctx.clock.now() });
  }
  await replicator.persistState(epoch);
  return report;
}
