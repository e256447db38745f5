import pLimit from 'p-limit';
import { type Binding, isReservedKey, PolycloudError, type ReconcileOptions, type ReconcileReport, toPolycloudError, toRecord } from '@polycloud/core/spi';
import type { SyncContext } from './context.js';
import type { JournalWriter } from './journal.js';
import { compareUtf8 } from './kv-store.js';
import { partitionOf } from './membership.js';
import type { Replicator } from './replicator.js';
import { CHUNK_KEYS, type PartitionState, type StateRecord } from './state.js';

export type { ReconcileOptions, ReconcileReport } from '@polycloud/core';

/** Keys applied per batch (and between checkpoints of the state and the position). */
const BATCH = 512;

interface Cursor {
  binding: Binding;
  /** Next key and token, or undefined at the end. */
  head: { key: string; token: string } | undefined;
  next(): Promise<void>;
  listed: number;
}

/** Thrown when a binding lists out of UTF-8 order: that binding is then read whole into memory. */
class Unsorted extends Error {
  constructor(readonly binding: string) {
    super(`binding ${binding} does not list in UTF-8 order`);
  }
}

function cursorOf(ctx: SyncContext, b: Binding, buffered: boolean): Cursor {
  const adapter = ctx.adapterOf(b.id);
  let page: { key: string; token: string }[] = [];
  let i = 0;
  let token: string | undefined;
  let done = false;
  let prev: string | undefined;
  const load = async () => {
    const got = await adapter.list(b.physical_id, { ...(token ? { continuationToken: token } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
    page = got.objects.filter((o) => !isReservedKey(o.key)).map((o) => ({ key: o.key, token: o.versionToken }));
    i = 0;
    token = got.continuationToken;
    if (!token) done = true;
  };
  const cursor: Cursor = {
    binding: b,
    head: undefined,
    listed: 0,
    async next() {
      while (i >= page.length && !(done && i >= page.length)) await load();
      if (i >= page.length) {
        cursor.head = undefined;
        return;
      }
      const h = page[i++]!;
      if (prev !== undefined && compareUtf8(h.key, prev) <= 0) throw new Unsorted(b.id);
      prev = h.key;
      cursor.head = h;
      cursor.listed++;
    },
  };
  if (!buffered) return cursor;
  // Read the whole listing, then serve it sorted (memory grows with this binding's listing).
  const all: { key: string; token: string }[] = [];
  let j = 0;
  const sortedCursor: Cursor = {
    binding: b,
    head: undefined,
    listed: 0,
    async next() {
      if (j === 0 && !all.length) {
        do {
          await load();
          all.push(...page);
        } while (!done);
        all.sort((x, y) => compareUtf8(x.key, y.key));
        sortedCursor.listed = all.length;
      }
      sortedCursor.head = all[j++];
    },
  };
  return sortedCursor;
}

interface Planned {
  key: string;
  partition: number;
  prior: StateRecord | undefined;
  deletedOutOfBand: string[];
  /** Applying it deletes the key everywhere (counted by the mass-delete guard). */
  wouldDelete: boolean;
}

/** Pass 2 found more deletes than pass 1 allowed (listings changed in between): stop. */
class MassDeleteStop extends Error {}

/**
 * Three-way reconcile, as rclone bisync does, streamed: every binding's listing (in
 * UTF-8 order, page by page) is merge-joined with the synchronised state of the
 * partitions this process holds, one key at a time, in bounded memory. A key missing
 * on one binding that was there at the last sync is a delete there, never a create
 * on the other; a key changed or new anywhere is merged like a journaled change.
 * A first pass plans (and is all a dry run does); if the mass-delete guard allows, a
 * second pass applies, saving the state and its position every few hundred keys so a
 * reconcile cut short resumes where it stopped.
 */
export async function reconcile(
  ctx: SyncContext,
  replicator: Replicator,
  writerFor: (binding: string) => JournalWriter,
  options: ReconcileOptions = {},
): Promise<ReconcileReport & { partitions: number[] }> {
  const bucketId = ctx.bucket.resource_id;
  await replicator.rebalance(true);
  // A lease the store did not give this time (not held by anyone) is taken before listing.
  for (let i = 0; i < 5 && replicator.unheld().length && !(await replicator.blockedBy()).length; i++) await replicator.rebalance(true);
  if (!replicator.held.length) {
    const blocked = await replicator.blockedBy();
    throw new PolycloudError(
      'CONFLICT',
      `another process holds the replication partitions of ${bucketId}${blocked[0] ? ` (${blocked[0].owner}, until ${new Date(blocked[0].expiresAt).toISOString()})` : ''}`,
      {
        retryable: true,
        context: { resource: bucketId, ...(blocked[0] ? { owner: blocked[0].owner, expiresAt: blocked[0].expiresAt } : {}) },
      },
    );
  }
  if (!options.dryRun) await replicator.drain();
  await replicator.pause();
  try {
    return await reconcileHeld(ctx, replicator, writerFor, options);
  } finally {
    replicator.resume();
  }
}

async function reconcileHeld(
  ctx: SyncContext,
  replicator: Replicator,
  writerFor: (binding: string) => JournalWriter,
  options: ReconcileOptions,
): Promise<ReconcileReport & { partitions: number[] }> {
  const bucketId = ctx.bucket.resource_id;
  const report: ReconcileReport & { partitions: number[] } = {
    status: 'ok',
    listed: {},
    unavailable: [],
    changed: 0,
    outOfBandDeletes: 0,
    wouldDelete: 0,
    total: 0,
    conflicts: 0,
    failedKeys: [],
    partitions: replicator.held,
  };
  const buffered = new Set<string>();

  // Pass 1: plan (counts only).
  const plan = async (apply?: (p: Planned) => Promise<void>) => {
    for (;;) {
      try {
        await scan(ctx, replicator, buffered, report, apply);
        return;
      } catch (e) {
        if (!(e instanceof Unsorted)) throw e;
        buffered.add(e.binding);
        ctx.events.emit('error', {
          resource: bucketId,
          operation: 'reconcile-list',
          error: new PolycloudError('UNEXPECTED', `${e.message}: its listing is read whole and sorted in memory`, {
            retryable: false,
            context: { binding: e.binding },
          }),
        });
      }
    }
  };
  await plan();
  const fraction = ctx.bucket.replication.max_delete_fraction;
  if (!options.allowMassDelete && report.wouldDelete > 0 && report.wouldDelete > fraction * Math.max(report.total, 1)) {
    report.status = 'blocked';
    ctx.events.emit('mass-delete', { bucket: bucketId, wouldDelete: report.wouldDelete, total: report.total, maxDeleteFraction: fraction });
    return report;
  }
  if (options.dryRun || report.changed === 0) return report;

  // Pass 2: apply, in batches, saving the state as it goes.
  const limit = pLimit(options.concurrency ?? 16);
  let batch: Planned[] = [];
  const flush = async () => {
    const work = batch;
    batch = [];
    // Leases renewed before each batch, and every request of it bounded by them.
    await replicator.rebalance();
    const lease = replicator.leaseSignal();
    try {
      await Promise.all(
        work.map((w) =>
          limit(async () => {
            const state = replicator.partitionState(w.partition);
            if (!state || lease.signal.aborted) return; // the partition moved to another process meanwhile: its reconcile covers it
            const outcome = await replicator.syncWithRetry(w.key, { deletedOutOfBand: w.deletedOutOfBand }, w.prior, lease.signal);
            state.set(w.key, outcome.record);
            if (outcome.conflict) report.conflicts++;
            if (outcome.failed) report.failedKeys.push(w.key);
            for (const d of outcome.derived)
              await writerFor(d.binding)
                .append({ key: d.key, op: 'put', version: toRecord(d.version), binding: d.binding, at: ctx.clock.now() }, lease.signal)
                .catch(() => undefined);
          }),
        ),
      );
    } finally {
      lease.done();
    }
    // A partition's changes are saved once they fill a chunk (not per batch: thousands of tiny deltas
    // made a large first reconcile quadratic); the rest at the end, then compacted.
    await replicator.commitHeld(CHUNK_KEYS);
  };
  const counting = { ...report, listed: {}, unavailable: [], changed: 0, outOfBandDeletes: 0, wouldDelete: 0, total: 0 };
  // The guard holds in this pass too: no more deletes than the plan allowed, and none judged on a binding
  // the plan could not list (its absences were not seen then).
  const allowance = options.allowMassDelete ? Infinity : Math.max(report.wouldDelete, Math.floor(fraction * Math.max(report.total, 1)));
  const listedInPlan = new Set(Object.keys(report.listed));
  try {
    await scan(ctx, replicator, buffered, counting, async (p) => {
      if (p.wouldDelete && counting.wouldDelete > allowance) throw new MassDeleteStop();
      batch.push({ ...p, deletedOutOfBand: p.deletedOutOfBand.filter((b) => listedInPlan.has(b)) });
      if (batch.length >= BATCH) await flush();
    });
  } catch (e) {
    if (e instanceof Unsorted)
      throw new PolycloudError('UNEXPECTED', `${e.message} (between the plan and the apply pass): run the reconcile again`, {
        retryable: true,
        context: { resource: bucketId, binding: e.binding },
      });
    if (!(e instanceof MassDeleteStop)) throw e;
    report.status = 'blocked';
    report.wouldDelete = counting.wouldDelete;
    ctx.events.emit('mass-delete', { bucket: bucketId, wouldDelete: counting.wouldDelete, total: report.total, maxDeleteFraction: fraction });
  }
  await flush();
  await replicator.commitHeld(0, true);
  return report;
}

/** One streamed pass: merge-joins the listings with the held partitions' state; calls `apply` for every changed key. */
async function scan(
  ctx: SyncContext,
  replicator: Replicator,
  buffered: ReadonlySet<string>,
  report: ReconcileReport,
  apply?: (p: Planned) => Promise<void>,
): Promise<void> {
  const P = replicator.partitionCount;
  const renewEveryMs = replicator.leaseTtlMs / 4;
  const held = new Set(replicator.held);
  const cursors: Cursor[] = [];
  report.unavailable = [];
  for (const b of ctx.bindings) {
    const c = cursorOf(ctx, b, buffered.has(b.id));
    try {
      await c.next();
      cursors.push(c);
    } catch (e) {
      if (e instanceof Unsorted) throw e;
      report.unavailable.push(b.id);
      ctx.events.emit('error', { resource: ctx.bucket.resource_id, operation: 'reconcile-list', error: toPolycloudError(e).withContext({ binding: b.id }) });
    }
  }
  // One sorted state stream per held partition.
  const states = new Map<number, { it: AsyncGenerator<[string, StateRecord]>; head: [string, StateRecord] | undefined; state: PartitionState }>();
  for (const p of held) {
    const state = replicator.partitionState(p)!;
    const it = state.entries(ctx.signal);
    const first = await it.next();
    states.set(p, { it, head: first.done ? undefined : first.value, state });
  }
  const listedIds = new Set(cursors.map((c) => c.binding.id));
  let renewedAt = ctx.clock.now();
  for (;;) {
    // A long listing keeps this process's leases and membership alive (the background loop is paused).
    if (ctx.clock.now() - renewedAt > renewEveryMs) {
      await replicator.rebalance();
      renewedAt = ctx.clock.now();
    }
    let key: string | undefined;
    for (const c of cursors) if (c.head && (key === undefined || compareUtf8(c.head.key, key) < 0)) key = c.head.key;
    for (const s of states.values()) if (s.head && (key === undefined || compareUtf8(s.head[0], key) < 0)) key = s.head[0];
    if (key === undefined) break;
    const tokens = new Map<string, string>();
    for (const c of cursors) {
      if (c.head?.key !== key) continue;
      tokens.set(c.binding.id, c.head.token);
      await c.next();
    }
    const p = partitionOf(key, P);
    const s = states.get(p);
    let rec: StateRecord | undefined;
    if (s?.head && s.head[0] === key) {
      rec = s.head[1];
      const n = await s.it.next();
      s.head = n.done ? undefined : n.value;
    }
    if (!held.has(p)) continue; // another process's partition
    const synced = rec && Object.keys(rec.tokens).length > 0;
    if (synced) report.total++;
    let changed = false;
    let modified = false;
    let presentSomewhere = false;
    const deleted: string[] = [];
    for (const id of listedIds) {
      const now = tokens.get(id);
      const before = rec?.tokens[id];
      if (now !== undefined) presentSomewhere = true;
      if (now === before) continue;
      changed = true;
      if (now === undefined && before !== undefined) deleted.push(id);
      else modified = true;
    }
    if (!changed && !rec?.pending) continue;
    report.changed++;
    if (deleted.length) report.outOfBandDeletes++;
    // A delete with no modification anywhere propagates (update wins otherwise).
    const wouldDelete = deleted.length > 0 && !modified && presentSomewhere && !rec?.tomb;
    if (wouldDelete) report.wouldDelete++;
    if (apply) await apply({ key, partition: p, prior: rec, deletedOutOfBand: deleted, wouldDelete });
  }
  for (const c of cursors) report.listed[c.binding.id] = c.listed;
}
