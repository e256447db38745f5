import { PolycloudError, type VersionRecord } from '@polycloud/core/spi';
import type { SyncContext } from './context.js';
import { parseEntry } from './journal.js';
import { isConditionFailure, type KvStore } from './kv-store.js';
import { partitionOf } from './membership.js';
import { ChunkCache, PartitionState, type StateRecord } from './state.js';

const MANIFEST = 'sync.json';
/** Journal segment names of the first format: a 12-digit sequence number. */
const V1_SEGMENT = /^journal\/\d{12}$/;

interface Manifest {
  v: 2;
  partitions: number;
  migratedFrom?: 1;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Reads the bucket's sync manifest (`sync.json`: format and partition count), creating
 * it on first use. A bucket synchronised by the first format (one `base` and one
 * `tombstones` document, numbered journal segments) is migrated once: its synchronised
 * state and tombstones are spread over the partitions, keys still in its journal are
 * marked pending, then the old objects are removed. Safe with several processes
 * starting at once: every step is a conditional create, and the loser reads the winner's.
 */
export async function migrateV1(kv: KvStore, ctx: SyncContext, wanted: number, journals: readonly KvStore[] = []): Promise<number> {
  const bucket = ctx.bucket.resource_id;
  const existing = await kv.get(MANIFEST);
  if (existing) {
    const m = parseJson(existing.value) as Partial<Manifest> | undefined;
    if (m && m.v === 2 && Number.isSafeInteger(m.partitions) && m.partitions! >= 1 && m.partitions! <= 4096) return m.partitions!;
    ctx.events.emit('error', {
      resource: bucket,
      operation: 'sync-state',
      error: new PolycloudError('UNEXPECTED', `sync manifest ${MANIFEST} of ${bucket} is corrupt or forged; using ${wanted} partitions`, {
        retryable: false,
        context: { resource: bucket, key: MANIFEST },
      }),
    });
    return wanted;
  }
  const base = await kv.get('base');
  const tombs = await kv.get('tombstones');
  let migrated = false;
  if (base || tombs) {
    const records = new Map<string, StateRecord>();
    const b = (base && (parseJson(base.value) as { data?: Record<string, { vv?: unknown; tokens?: unknown }> } | undefined)?.data) ?? {};
    for (const [key, r] of Object.entries(b)) {
      if (typeof r?.vv === 'string' && typeof r.tokens === 'object' && r.tokens !== null)
        records.set(key, { vv: r.vv, tokens: r.tokens as Record<string, string> });
    }
    const t = (tombs && (parseJson(tombs.value) as { data?: Record<string, { version?: unknown; appliedAt?: unknown }> } | undefined)?.data) ?? {};
    for (const [key, r] of Object.entries(t)) {
      const v = r?.version as VersionRecord | undefined;
      if (!v || typeof v.hlc !== 'string' || typeof v.origin !== 'string' || typeof v.vv !== 'string') continue;
      const rec = records.get(key) ?? { vv: '', tokens: {} };
      rec.tomb = { version: v, ...(typeof r.appliedAt === 'number' ? { appliedAt: r.appliedAt } : {}) };
      records.set(key, rec);
    }
    // Changes still in the old journals: pending, so the first rounds apply them.
    const old: { kv: KvStore; name: string }[] = [];
    for (const j of new Set([kv, ...journals])) {
      for (const name of await j.list('journal/')) {
        if (!V1_SEGMENT.test(name)) continue;
        old.push({ kv: j, name });
        const got = await j.get(name);
        for (const line of got?.value.toString('utf8').split('\n') ?? []) {
          const e = line ? parseEntry(line) : undefined;
          if (!e) continue;
          const rec = records.get(e.key) ?? { vv: '', tokens: {} };
          rec.pending = ctx.clock.now();
          records.set(e.key, rec);
        }
      }
    }
    const cache = new ChunkCache(8 << 20);
    const byPartition = new Map<number, [string, StateRecord][]>();
    for (const entry of records) {
      const p = partitionOf(entry[0], wanted);
      const l = byPartition.get(p);
      if (l) l.push(entry);
      else byPartition.set(p, [entry]);
    }
    for (const [p, list] of byPartition) {
      const state = new PartitionState(kv, p, cache, ctx.events, bucket);
      await state.load();
      if (state.head.chunks.length || state.head.deltas.length) continue; // another process migrated it
      for (const [k, r] of list) state.set(k, r);
      try {
        await state.commit(0, {});
      } catch (e) {
        // Another process migrating at the same time wrote this partition's head first: its copy stands.
        if (!isPolycloudError409(e)) throw e;
      }
    }
    migrated = true;
    ctx.events.emit('sync-migrated', { bucket, from: 1, to: 2, keys: records.size, partitions: wanted });
    await writeManifest(kv, { v: 2, partitions: wanted, migratedFrom: 1 });
    for (const name of ['base', 'tombstones']) await kv.delete(name).catch(() => undefined);
    for (const name of await kv.list('checkpoints/').catch(() => [] as string[])) await kv.delete(name).catch(() => undefined);
    for (const o of old) await o.kv.delete(o.name).catch(() => undefined);
    await kv.delete('lease').catch(() => undefined);
  }
  if (!migrated) await writeManifest(kv, { v: 2, partitions: wanted });
  const m = parseJson((await kv.get(MANIFEST))!.value) as Manifest;
  return m.partitions;
}

async function writeManifest(kv: KvStore, m: Manifest): Promise<void> {
  try {
    await kv.put(MANIFEST, JSON.stringify(m), { ifNoneMatch: '*' });
  } catch (e) {
    if (!isConditionFailure(e, { ifNoneMatch: '*' })) throw e;
  }
}

/** A partition head written by another process at the same time (fenced): it migrated that partition. */
function isPolycloudError409(e: unknown): boolean {
  return (e as { code?: string }).code === 'CONFLICT' || isConditionFailure(e);
}
