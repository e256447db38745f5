import type { Readable } from 'node:stream';
import {
  type Binding,
  compareVectors,
  complianceVerdict,
  conflictKey,
  decodeVector,
  encodeVector,
  exactLength,
  fromRecord,
  type Hlc,
  isPolycloudError,
  joinVectors,
  newVersion,
  type ObjectInfo,
  type ObjectVersion,
  PolycloudError,
  readAll,
  resolveVersions,
  sameVersion,
  sha256,
  type StorageAdapter,
  toPolycloudError,
  toRecord,
  userPart,
  versionFromMetadata,
  versionId,
  versionMetadata,
  type VersionRecord,
  withDot,
} from '@polycloud/core/spi';
import type { SyncContext } from './context.js';
import type { Expectation, StateRecord } from './state.js';

/** What the journal or the reconciler knows about a key beyond the bindings' current state. */
export interface KeyHints {
  /** Journaled deletes (their tombstone versions). */
  tombstones?: readonly ObjectVersion[];
  /** Bindings where the reconciler saw a delete made outside polycloud. */
  deletedOutOfBand?: readonly string[];
  /**
   * The binding that most likely holds the newest version (the journaled write's):
   * it is observed with one GET instead of HEAD + GET, and that body is streamed to
   * the first target that needs it.
   */
  source?: string;
  /**
   * Earlier attempts of a journaled write whose outcome is unknown: an object on
   * that binding without a stamp, or with that attempt's stamp, is what the attempt
   * left (possibly partial) and is superseded by the write, never adopted as newer.
   */
  unknown?: readonly { binding: string; version: VersionRecord }[];
  /**
   * Journaled changes to confirm: a change record is written alongside its data, so it
   * counts only once its effect shows on its binding (a put: a version there that
   * includes it; a delete: the version it removes is gone), awaited until `until`, void
   * after that (the call failed — a failed delete must not be applied elsewhere).
   */
  expect?: readonly Expectation[];
}

export interface BindingOutcome {
  ok: boolean;
  /** `residency`, `classification`, `clock-skew`, or an error code. */
  reason?: string;
  /** The binding now holds the winner because this run wrote (or deleted) it. */
  wrote?: boolean;
  token?: string;
}

export interface KeyOutcome {
  key: string;
  winner?: ObjectVersion;
  conflict: boolean;
  bindings: Record<string, BindingOutcome>;
  /** Writes derived from this key (keep-both losers) that must be journaled. */
  derived: { key: string; version: ObjectVersion; binding: string }[];
  /** The key's state after this sync (`null`: nothing to remember). */
  record: StateRecord | null;
  /** The key stays pending: some binding misses the winner, or a journaled change is not visible yet. */
  pending: boolean;
  /** Some binding still misses the winner for a reason that may pass (retried later). */
  failed?: boolean;
}

interface Observed {
  binding: Binding;
  adapter: StorageAdapter;
  state: 'present' | 'absent' | 'error';
  info?: ObjectInfo;
  version?: ObjectVersion;
  error?: PolycloudError;
  /** Body fetched while observing (source binding only), until a write consumes it. */
  body?: Readable;
}

const ADOPT_HASH_LIMIT = 16 * 1024 * 1024;
/** The reason given for a binding left out of a key's merge while a journaled put may still be landing there. */
export const LANDING = 'landing';

async function observe(ctx: SyncContext, binding: Binding, key: string, prefetch = false): Promise<Observed> {
  const adapter = ctx.adapterOf(binding.id);
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  try {
    if (prefetch) {
      const { info, body } = await adapter.get(binding.physical_id, key, signal);
      // An adapter whose get does not return metadata: fall back to head.
      if (info.metadata === undefined) body.destroy();
      else {
        const version = versionFromMetadata(info.metadata);
        return { binding, adapter, state: 'present', info, body, ...(version ? { version } : {}) };
      }
    }
    const info = await adapter.head(binding.physical_id, key, signal);
    const version = versionFromMetadata(info.metadata);
    return { binding, adapter, state: 'present', info, ...(version ? { version } : {}) };
  } catch (e) {
    if (isPolycloudError(e) && e.code === 'NOT_FOUND') return { binding, adapter, state: 'absent' };
    return { binding, adapter, state: 'error', error: toPolycloudError(e) };
  }
}

function cas(adapter: StorageAdapter, target: Observed): { ifMatch?: string; ifNoneMatch?: '*' } {
  if (!adapter.capabilities.conditionalWrite) return {};
  return target.state === 'present' ? { ifMatch: target.info!.versionToken } : { ifNoneMatch: '*' };
}

/**
 * Stamps an object written outside polycloud (no `pc_*` metadata) as a version at its
 * binding, dated by its own modification time — not by when it was found — so LWW
 * between out-of-band edits follows the time of the edits.
 */
async function adopt(ctx: SyncContext, o: Observed, key: string, prior: StateRecord | undefined): Promise<void> {
  o.body?.destroy();
  o.body = undefined;
  const context = prior && prior.vv ? decodeVector(prior.vv) : {};
  const modified = Math.floor(o.info!.lastModified.getTime());
  const before = context[o.binding.id];
  // Its dot: the modification time, after whatever this binding held at the last sync.
  const dot: Hlc =
    before && before.l >= modified ? { l: before.l, c: before.c + 1 } : { l: Number.isFinite(modified) && modified > 0 ? modified : ctx.clock.now(), c: 0 };
  const version: ObjectVersion = { hlc: dot, origin: o.binding.id, vv: withDot(context, o.binding.id, dot) };
  const { info, body } = await o.adapter.get(o.binding.physical_id, key, { ifMatch: o.info!.versionToken, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  let payload: Buffer | typeof body = body;
  if (info.size <= ADOPT_HASH_LIMIT) {
    payload = await readAll(body);
    version.hash = sha256(payload);
  }
  const r = await o.adapter.put(o.binding.physical_id, key, payload, {
    metadata: { ...userPart(info.metadata), ...versionMetadata(version) },
    ...(info.contentType ? { contentType: info.contentType } : {}),
    contentLength: info.size,
    ...cas(o.adapter, o),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  o.info = { ...info, versionToken: r.versionToken, metadata: { ...userPart(info.metadata), ...versionMetadata(version) } };
  o.version = version;
  ctx.events.emit('adopted', { bucket: ctx.bucket.resource_id, key, binding: o.binding.id, op: 'put', version: versionId(version), record: toRecord(version) });
}

function tagsOf(ctx: SyncContext, v: ObjectVersion): Record<string, string> {
  return { ...ctx.bucket.tags, ...(v.residency ? { residency: v.residency } : {}), ...(v.classification ? { classification: v.classification } : {}) };
}

/** Writes version `v` (content held by `source`, or `bytes`) to `target`; returns the new token. */
async function writeTo(
  ctx: SyncContext,
  key: string,
  targetKey: string,
  target: Observed | { binding: Binding; adapter: StorageAdapter; state: 'present' | 'absent'; info?: ObjectInfo },
  v: ObjectVersion,
  source: Observed | undefined,
  bytes?: { body: Uint8Array; metadata: Record<string, string>; contentType?: string },
): Promise<string> {
  const { adapter, binding } = target;
  const condition = cas(adapter, target as Observed);
  if (bytes) {
    const r = await adapter.put(binding.physical_id, targetKey, bytes.body, {
      metadata: { ...bytes.metadata, ...versionMetadata(v) },
      ...(bytes.contentType ? { contentType: bytes.contentType } : {}),
      contentLength: bytes.body.byteLength,
      ...condition,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return r.versionToken;
  }
  const src = source!;
  const metadata = { ...userPart(src.info!.metadata), ...versionMetadata(v) };
  if (src.binding.id === binding.id && targetKey === key && adapter.capabilities.copy) {
    const r = await adapter.copy(binding.physical_id, key, key, {
      metadata,
      ...(src.info!.contentType ? { contentType: src.info!.contentType } : {}),
      sourceIfMatch: src.info!.versionToken,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return r.versionToken;
  }
  // Memory in flight is bounded by bytes: a large copy waits for its share of the budget.
  const release = ctx.bytes ? await ctx.bytes.acquire(src.info!.size, ctx.signal) : undefined;
  const prefetched = src.body;
  src.body = undefined;
  let got: { info: ObjectInfo; body: Readable };
  try {
    got = prefetched
      ? { info: src.info!, body: prefetched }
      : await src.adapter.get(src.binding.physical_id, key, { ifMatch: src.info!.versionToken, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  } catch (e) {
    release?.();
    throw e;
  }
  const { info } = got;
  // The copy carries exactly the source's size: a source that ends early (cut off, or rewritten while read)
  // fails the copy, retryably, instead of committing a truncated replica.
  const body = exactLength(
    got.body,
    info.size,
    (n, size) =>
      new PolycloudError('UNAVAILABLE', `reading ${key} from ${src.binding.id} to copy it: ${n > size ? 'more' : 'fewer'} bytes than its size ${size}`, {
        retryable: true,
        context: { resource: ctx.bucket.resource_id, key, binding: src.binding.id },
      }),
  );
  try {
    const r = await adapter.put(binding.physical_id, targetKey, body, {
      metadata,
      ...(info.contentType ? { contentType: info.contentType } : {}),
      contentLength: info.size,
      ...condition,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return r.versionToken;
  } finally {
    if (!body.destroyed) body.destroy();
    if (!got.body.destroyed) got.body.destroy();
    release?.();
  }
}

/**
 * Brings one key to the same version on every binding (state-based, so applying
 * it twice is a no-op): reads each binding's version, adds the known tombstone and
 * out-of-band changes, resolves concurrent versions by policy, keeps keep-both
 * losers under conflict keys first, then writes the winner where it is missing —
 * conditionally on the version observed — never onto a binding outside the data's
 * residency (refused and reported).
 */
export async function syncKey(ctx: SyncContext, key: string, hints: KeyHints, prior: StateRecord | undefined): Promise<KeyOutcome> {
  const obs = await Promise.all(ctx.bindings.map((b) => observe(ctx, b, key, b.id === hints.source)));
  try {
    return await merge(ctx, key, hints, obs, prior);
  } finally {
    for (const o of obs) if (o.body && !o.body.destroyed) o.body.destroy();
  }
}

async function merge(ctx: SyncContext, key: string, hints: KeyHints, obs: Observed[], prior: StateRecord | undefined): Promise<KeyOutcome> {
  const bucketId = ctx.bucket.resource_id;
  const outcome: KeyOutcome = { key, conflict: false, bindings: {}, derived: [], record: prior ?? null, pending: false, failed: false };
  ctx.crash?.('observed');
  for (const o of obs) if (o.state === 'error') outcome.bindings[o.binding.id] = { ok: false, reason: o.error!.code };

  // Deletes: the journaled tombstone, the remembered one, and out-of-band deletes seen by the reconciler.
  const tombs: ObjectVersion[] = [];
  const known = prior?.tomb;
  if (known) tombs.push(fromRecord(known.version));
  for (const t of hints.tombstones ?? []) tombs.push({ ...t, deleted: true });
  // Journaled changes count once their effect shows on their binding (see KeyHints.expect).
  const waiting: Expectation[] = [];
  const observedAt = ctx.clock.now();
  const expectations = [...(prior?.expect ?? []), ...(hints.expect ?? [])];
  // Deletes first: a confirmed delete also supersedes the puts it covers.
  expectations.sort((x, y) => (x.op === y.op ? 0 : x.op === 'delete' ? -1 : 1));
  for (const x of expectations) {
    const v = fromRecord(x.version);
    const home = obs.find((o) => o.binding.id === x.binding);
    const covers = (w: ObjectVersion | undefined) => !!w && (compareVectors(w.vv, v.vv) === 'after' || compareVectors(w.vv, v.vv) === 'equal');
    if (x.op === 'put') {
      if (obs.some((o) => covers(o.version)) || tombs.some(covers)) continue; // visible, or superseded: nothing to wait for
    } else {
      // A delete took effect at home: the key is gone there, or holds a version the delete did not cover.
      const removed =
        home !== undefined &&
        (home.state === 'absent' ||
          (home.state === 'present' &&
            home.version !== undefined &&
            compareVectors(home.version.vv, v.vv) !== 'before' &&
            compareVectors(home.version.vv, v.vv) !== 'equal'));
      if (removed || x.until === 0) {
        tombs.push({ ...v, deleted: true });
        continue;
      }
    }
    // Not visible yet: wait while the call may still land it (or while its binding cannot be read); void after.
    if (observedAt < x.until || !home || home.state === 'error') waiting.push(x);
  }
  // A binding that shows the key while a journaled put there may still be landing (its call can still store
  // it) is left out of the key's merge until the put shows or its time is up: a store that shows an object
  // while writing it (s3rver's file grows in place, its metadata written last) shows it partial, unstamped
  // or under the old stamp, and adopting it, copying from it or writing over it races the store's own write.
  // (A binding without the key is not: a put that landed and was deleted since is a delete to propagate.)
  const landing = new Set(
    waiting.filter((x) => x.op === 'put' && observedAt < x.until && obs.some((o) => o.binding.id === x.binding && o.state === 'present')).map((x) => x.binding),
  );
  if (landing.size) {
    for (const o of obs) {
      if (!landing.has(o.binding.id)) continue;
      o.body?.destroy();
      o.body = undefined;
      outcome.bindings[o.binding.id] = { ok: false, reason: LANDING };
    }
    obs = obs.filter((o) => !landing.has(o.binding.id));
  }
  const base = prior && (prior.vv !== '' || Object.keys(prior.tokens).length) ? prior : undefined;
  // The binding of the latest journaled write no longer has the key although it held it at
  // the last sync: something deleted it there without a journaled delete (a delete whose
  // journal append failed, or one made outside polycloud) — a delete, not a gap to refill.
  const deletedSinceSync = [...(hints.deletedOutOfBand ?? [])];
  if (hints.source && base?.tokens[hints.source] !== undefined && !deletedSinceSync.includes(hints.source)) deletedSinceSync.push(hints.source);
  for (const id of deletedSinceSync) {
    const o = obs.find((x) => x.binding.id === id);
    if (!o || o.state !== 'absent' || !base) continue;
    const baseVv = decodeVector(base.vv);
    if (tombs.some((t) => compareVectors(t.vv, baseVv) !== 'before')) continue; // already explained by a delete we know
    const t = newVersion(ctx.hlc, id, baseVv, { deleted: true });
    tombs.push(t);
    ctx.events.emit('adopted', { bucket: bucketId, key, binding: id, op: 'delete', version: versionId(t), record: toRecord(t) });
  }

  // What an attempt of unknown outcome left on its binding (unstamped — perhaps partial —
  // or carrying that attempt's stamp) is that attempt's version: superseded by the write.
  // Only once the write itself is stored somewhere (its record is written alongside the data).
  const suspects = [
    ...(prior?.suspects ?? []).filter((x) => x.until > observedAt),
    ...(hints.unknown ?? []).map((u) => ({ ...u, until: observedAt + SUSPECT_MS })),
  ];
  for (const u of suspects) {
    const o = obs.find((x) => x.binding.id === u.binding);
    if (!o || o.state !== 'present') continue;
    const attempt = fromRecord(u.version);
    const superseded = obs.some((x) => x !== o && x.version && compareVectors(x.version.vv, attempt.vv) === 'after');
    if (superseded && (!o.version || sameVersion(o.version, attempt))) o.version = attempt;
  }

  // Objects written outside polycloud become versions at their binding.
  for (const o of obs) {
    if (o.state !== 'present' || o.version) continue;
    try {
      await adopt(ctx, o, key, base);
    } catch (e) {
      o.state = 'error';
      o.error = toPolycloudError(e);
      outcome.bindings[o.binding.id] = { ok: false, reason: o.error.code };
    }
  }
  ctx.crash?.('adopted');

  // Quarantine timestamps too far ahead: not believed, not propagated, not overwritten.
  const quarantined = new Set<string>();
  const present = obs.filter((o) => o.state === 'present' && o.version);
  for (const o of present) {
    if (ctx.hlc.isAhead(o.version!.hlc)) {
      quarantined.add(o.binding.id);
      outcome.bindings[o.binding.id] = { ok: false, reason: 'clock-skew' };
      ctx.events.emit('quarantine', { bucket: bucketId, key, binding: o.binding.id, version: versionId(o.version!) });
    }
  }
  const candidates = [...present.filter((o) => !quarantined.has(o.binding.id)).map((o) => o.version!), ...tombs.filter((t) => !ctx.hlc.isAhead(t.hlc))];
  if (candidates.length === 0) {
    for (const o of obs) outcome.bindings[o.binding.id] ??= { ok: true };
    outcome.failed = retryable(ctx, outcome);
    outcome.pending = outcome.failed || waiting.length > 0;
    const gone = landing.size === 0 && obs.every((o) => o.state === 'absent');
    outcome.record = record(gone ? undefined : base, undefined, outcome.pending ? (prior?.pending ?? ctx.clock.now()) : undefined, suspects, waiting);
    return outcome;
  }

  const resolution = resolveVersions(candidates, ctx.policy);
  let winner = resolution.winner;
  let merged: { body: Uint8Array; metadata: Record<string, string>; contentType?: string } | undefined;
  const holder = (v: ObjectVersion) => present.find((o) => o.version!.origin === v.origin && o.version!.hlc.l === v.hlc.l && o.version!.hlc.c === v.hlc.c);
  if (resolution.needsMerge && ctx.merge) {
    const sides = resolution.needsMerge.map((v) => {
      const h = holder(v)!;
      return {
        version: v,
        binding: h.binding.id,
        read: async () =>
          readAll((await h.adapter.get(h.binding.physical_id, key, { ifMatch: h.info!.versionToken, ...(ctx.signal ? { signal: ctx.signal } : {}) })).body),
      };
    });
    const result = await ctx.merge({ bucket: bucketId, key, sides });
    if ('keep' in result) {
      const kept = sides[result.keep];
      if (!kept)
        throw new PolycloudError('INVALID_ARGUMENT', `merge function returned keep: ${result.keep}, out of range (0..${sides.length - 1})`, {
          retryable: false,
          context: { key, path: ['merge', 'keep'] },
        });
      winner = kept.version;
    } else {
      // The merged data is bound by every side's residency and classification (the first one set; sides
      // that disagree keep the strictest we can name: the first) and is anchored on a binding allowed to hold it.
      const residency = sides.map((x) => x.version.residency).find((r) => r !== undefined);
      const classification = sides.map((x) => x.version.classification).find((c) => c !== undefined);
      const placement: Partial<ObjectVersion> = { ...(residency ? { residency } : {}), ...(classification ? { classification } : {}) };
      const anchor = (ctx.bindings.find((b) => complianceVerdict(b, tagsOf(ctx, { ...sides[0]!.version, ...placement }), ctx.zones).ok) ?? ctx.bindings[0]!).id;
      winner = newVersion(ctx.hlc, anchor, joinVectors(...sides.map((s) => s.version.vv)), { hash: sha256(result.body), ...placement });
      merged = {
        body: result.body,
        metadata: result.metadata ?? userPart(holder(sides[0]!.version)!.info!.metadata),
        ...(result.contentType ? { contentType: result.contentType } : {}),
      };
    }
  }
  outcome.winner = winner;
  outcome.conflict = resolution.conflict;

  // keep-both: every loser is written under its conflict key before anything is overwritten.
  const conflictKeys: string[] = [];
  if (ctx.policy.conflict === 'keep-both') {
    for (const loser of resolution.losers) {
      const src = holder(loser);
      if (!src) continue;
      const ck = conflictKey(key, loser);
      conflictKeys.push(ck);
      for (const o of obs) {
        if (o.state === 'error' || !complianceVerdict(o.binding, tagsOf(ctx, loser), ctx.zones).ok) continue;
        const there = await observe(ctx, o.binding, ck);
        if (there.state === 'error') throw there.error!;
        if (there.version && sameVersion(there.version, loser)) continue;
        await writeTo(ctx, key, ck, there, loser, src);
      }
      outcome.derived.push({ key: ck, version: loser, binding: src.binding.id });
    }
    ctx.crash?.('losers-kept');
  }
  if (resolution.conflict) {
    ctx.events.emit('conflict', {
      bucket: bucketId,
      key,
      policy: ctx.policy.conflict,
      winner: versionId(winner),
      deleted: !!winner.deleted,
      losers: resolution.losers.map(versionId),
      conflictKeys,
    });
  }

  // Apply the winner everywhere it is missing.
  const source = winner.deleted || merged ? undefined : holder(winner);
  for (const o of obs) {
    if (o.state === 'error' || quarantined.has(o.binding.id)) continue;
    const id = o.binding.id;
    try {
      if (winner.deleted) {
        if (o.state === 'present') {
          const del = { ...(o.adapter.capabilities.conditionalDelete ? { ifMatch: o.info!.versionToken } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) };
          await o.adapter.delete(o.binding.physical_id, key, del);
          outcome.bindings[id] = { ok: true, wrote: true };
          ctx.events.emit('replicated', { bucket: bucketId, key, binding: id, op: 'delete', version: versionId(winner), record: toRecord(winner) });
        } else outcome.bindings[id] = { ok: true };
      } else if (o.version && sameVersion(o.version, winner)) {
        outcome.bindings[id] = { ok: true, token: o.info!.versionToken };
      } else {
        const verdict = complianceVerdict(o.binding, tagsOf(ctx, winner), ctx.zones);
        if (!verdict.ok) {
          outcome.bindings[id] = { ok: false, reason: verdict.reason };
          ctx.events.emit('replication-refused', {
            bucket: bucketId,
            key,
            binding: id,
            reason: verdict.reason,
            detail: verdict.detail,
            version: versionId(winner),
          });
          continue;
        }
        if (!source && !merged) {
          outcome.bindings[id] = { ok: false, reason: 'NOT_FOUND' };
          continue;
        }
        const token = await writeTo(ctx, key, key, o, winner, source, merged);
        outcome.bindings[id] = { ok: true, wrote: true, token };
        ctx.events.emit('replicated', {
          bucket: bucketId,
          key,
          binding: id,
          op: 'put',
          version: versionId(winner),
          record: toRecord(winner),
          bytes: merged?.body.byteLength ?? source?.info?.size,
        });
      }
      ctx.crash?.(`applied:${id}`);
    } catch (e) {
      if ((e as { simulatedCrash?: boolean }).simulatedCrash) throw e;
      outcome.bindings[id] = { ok: false, reason: toPolycloudError(e).code };
    }
  }

  // Bookkeeping: tombstones kept until every binding has applied them; base = last synchronised state.
  const allOk = ctx.bindings.every(
    (b) => outcome.bindings[b.id]?.ok || outcome.bindings[b.id]?.reason === 'residency' || outcome.bindings[b.id]?.reason === 'classification',
  );
  const now = ctx.clock.now();
  let tomb = prior?.tomb;
  if (winner.deleted) {
    const appliedAt = allOk ? (prior?.tomb?.appliedAt ?? now) : undefined;
    // Concurrent deletes: the one kept carries every delete's causal context (as the put-winner branch
    // below joins them). Kept alone, the deletes it beat are forgotten, and a version only they
    // covered — still on a binding not reached yet — is concurrent with it and comes back.
    const kept = { ...winner, vv: joinVectors(winner.vv, ...tombs.filter((t) => !ctx.hlc.isAhead(t.hlc)).map((t) => t.vv)) };
    tomb =
      appliedAt !== undefined && now - appliedAt >= ctx.tombstoneGraceMs
        ? undefined
        : { version: toRecord(kept), ...(appliedAt !== undefined ? { appliedAt } : {}) };
  } else if (allOk) tomb = undefined;
  else if (tombs.length) tomb = { version: toRecord(tombs.reduce((a, b) => ({ ...a, vv: joinVectors(a.vv, b.vv) }))) };
  let synced: { vv: string; tokens: Record<string, string> } | undefined = base;
  if (allOk) {
    if (winner.deleted) synced = undefined;
    else {
      const tokens: Record<string, string> = {};
      for (const o of obs) {
        const t = outcome.bindings[o.binding.id]?.token ?? (o.state === 'present' ? o.info!.versionToken : undefined);
        if (t) tokens[o.binding.id] = t;
      }
      synced = { vv: encodeVector(winner.vv), tokens };
    }
  }
  outcome.failed = retryable(ctx, outcome);
  outcome.pending = outcome.failed || waiting.length > 0;
  outcome.record = record(synced, tomb, outcome.pending ? (prior?.pending ?? now) : undefined, suspects, waiting);
  return outcome;
}

/**
 * Some binding failed for a reason that may pass (not residency, classification or clock skew, which are
 * settled; nor a put still landing, which the key waits for without failing).
 */
function retryable(ctx: SyncContext, outcome: KeyOutcome): boolean {
  return ctx.bindings.some((b) => !settled(outcome.bindings[b.id]) && outcome.bindings[b.id]?.reason !== LANDING);
}

/** Done for a binding: applied, or refused for good (residency, classification) or quarantined (clock skew). */
export function settled(o: BindingOutcome | undefined): boolean {
  return !!o && (o.ok || o.reason === 'residency' || o.reason === 'classification' || o.reason === 'clock-skew');
}

function record(
  synced: { vv: string; tokens: Record<string, string> } | undefined,
  tomb: StateRecord['tomb'],
  pending: number | undefined,
  suspects: StateRecord['suspects'] = [],
  waiting: Expectation[] = [],
): StateRecord | null {
  if (!synced && !tomb && pending === undefined && !suspects.length && !waiting.length) return null;
  const r: StateRecord = { vv: synced?.vv ?? '', tokens: synced?.tokens ?? {} };
  if (tomb) r.tomb = tomb;
  if (pending !== undefined) r.pending = pending;
  // One per binding and attempt, at most a few.
  const seen = new Set<string>();
  const kept = suspects.filter((x) => !seen.has(`${x.binding}@${x.version.hlc}`) && seen.add(`${x.binding}@${x.version.hlc}`)).slice(-8);
  if (kept.length) r.suspects = kept;
  if (waiting.length) r.expect = waiting.slice(-16);
  return r;
}

/** How long an attempt of unknown outcome is remembered for its key (its leftovers recognised). */
const SUSPECT_MS = 6 * 3600_000;
