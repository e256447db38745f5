import { compareVectors } from './version-vector.js';
import { compareVersionsLww, type ObjectVersion, sameVersion } from './version.js';

export type ConflictPolicyName = 'lww' | 'priority' | 'keep-both' | 'custom';

export interface ResolverPolicy {
  conflict: ConflictPolicyName;
  /** Binding ids, winner first (`priority`). */
  priority?: readonly string[];
  /** A delete concurrent with an update wins (default false: the update wins). */
  deleteWins: boolean;
}

/** The outcome of merging the versions of one key found on the bindings. */
export interface Resolution {
  /** The version every binding must hold (one of the inputs, unchanged, except for a custom merge). */
  winner: ObjectVersion;
  /** Whether concurrent versions were found. */
  conflict: boolean;
  /** Concurrent versions that lost (objects only). Under `keep-both` they are kept under conflict keys. */
  losers: ObjectVersion[];
  /** Under `custom`: the concurrent versions the merge function must decide between (winner is provisional). */
  needsMerge?: ObjectVersion[];
}

/** The versions no other version causally includes (duplicates removed), in a deterministic order. */
export function maximalVersions(versions: readonly ObjectVersion[]): ObjectVersion[] {
  const unique: ObjectVersion[] = [];
  for (const v of versions) if (!unique.some((u) => sameVersion(u, v))) unique.push(v);
  const out = unique.filter((v) =>
    unique.every((o) => {
      if (o === v) return true;
      const c = compareVectors(v.vv, o.vv);
      // Equal vectors with different identity cannot both be true writes; keep the LWW-greater.
      return c === 'after' || c === 'concurrent' || (c === 'equal' && compareVersionsLww(v, o) >= 0);
    }),
  );
  return out.sort(compareVersionsLww);
}

/** Conflict key for a keep-both loser: `<key>.conflict-<origin>-<hlc>`. */
export function conflictKey(key: string, loser: ObjectVersion): string {
  return `${key}.conflict-${loser.origin}-${loser.hlc.l.toString(36)}.${loser.hlc.c.toString(36)}`;
}

function rank(policy: ResolverPolicy, v: ObjectVersion): number {
  const i = policy.priority?.indexOf(v.origin) ?? -1;
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}

/**
 * Merges the versions of one key. Deterministic: the same inputs give the same
 * winner on every process, whatever their order.
 * - one maximal version: it wins, no conflict;
 * - delete vs update (concurrent): `deleteWins` decides (default: the update);
 * - update vs update: `lww` highest (HLC, origin); `priority` first listed origin
 *   (then LWW); `keep-both` LWW winner, losers kept; `custom` left to the merge function.
 * The winner is one of the inputs, unchanged: re-resolving the same versions (a
 * replayed change) gives the same winner and writes nothing.
 */
export function resolveVersions(versions: readonly ObjectVersion[], policy: ResolverPolicy): Resolution {
  const max = maximalVersions(versions);
  if (max.length === 0) throw new Error('resolveVersions needs at least one version');
  if (max.length === 1) return { winner: max[0]!, conflict: false, losers: [] };
  const objects = max.filter((v) => !v.deleted);
  const tombs = max.filter((v) => v.deleted);
  const lwwMax = (vs: ObjectVersion[]) => vs.reduce((a, b) => (compareVersionsLww(a, b) >= 0 ? a : b));
  if (objects.length === 0) return { winner: lwwMax(tombs), conflict: true, losers: [] };
  if (tombs.length > 0 && policy.deleteWins) {
    return { winner: lwwMax(tombs), conflict: true, losers: policy.conflict === 'keep-both' ? objects : [] };
  }
  let winner: ObjectVersion;
  switch (policy.conflict) {
    case 'priority':
      winner = objects.reduce((a, b) => {
        const d = rank(policy, a) - rank(policy, b);
        return d < 0 || (d === 0 && compareVersionsLww(a, b) >= 0) ? a : b;
      });
      break;
    case 'custom':
      winner = lwwMax(objects);
      if (objects.length > 1) return { winner, conflict: true, losers: objects.filter((o) => o !== winner), needsMerge: objects };
      break;
    default:
      winner = lwwMax(objects);
  }
  const losers = objects.filter((o) => o !== winner);
  return { winner, conflict: true, losers };
}
