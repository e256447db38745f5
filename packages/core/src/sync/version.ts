import type { UserMetadata } from '../adapter/storage-adapter.js';
import { compareHlc, decodeHlc, encodeHlc, type Hlc } from './hlc.js';
import { compareVectors, decodeVector, encodeVector, type VersionVector } from './version-vector.js';

/** Reserved metadata names carried by every object written through polycloud (same on every cloud). */
export const META = {
  hlc: 'pc_hlc',
  origin: 'pc_origin',
  vv: 'pc_vv',
  hash: 'pc_sha256',
  residency: 'pc_residency',
  classification: 'pc_class',
} as const;

/**
 * The version of one object (or of a delete: `deleted`). Identity is
 * (hlc, origin, vv); causal order is the vector's.
 */
export interface ObjectVersion {
  hlc: Hlc;
  /** Binding the write was accepted by. */
  origin: string;
  /** Causal context including this write's own dot. */
  vv: VersionVector;
  /** sha256 of the body, base64url, when known. */
  hash?: string;
  /** Data tags that restrict placement (`residency`, `classification`). */
  residency?: string;
  classification?: string;
  deleted?: boolean;
}

/** Encodes a tag value into ASCII-safe metadata (percent-encoding). */
function ascii(v: string): string {
  return encodeURIComponent(v);
}

/** The reserved `pc_*` entries for a version (values ASCII). */
export function versionMetadata(v: ObjectVersion): UserMetadata {
  return {
    [META.hlc]: encodeHlc(v.hlc),
    [META.origin]: v.origin,
    [META.vv]: encodeVector(v.vv),
    ...(v.hash ? { [META.hash]: v.hash } : {}),
    ...(v.residency ? { [META.residency]: ascii(v.residency) } : {}),
    ...(v.classification ? { [META.classification]: ascii(v.classification) } : {}),
  };
}

/** The version an object's metadata carries, or `undefined` if it was not written by polycloud (or is malformed). */
export function versionFromMetadata(metadata: UserMetadata | undefined): ObjectVersion | undefined {
  if (!metadata) return undefined;
  const hlc = metadata[META.hlc];
  const origin = metadata[META.origin];
  const vv = metadata[META.vv];
  if (hlc === undefined || origin === undefined || vv === undefined) return undefined;
  try {
    const out: ObjectVersion = { hlc: decodeHlc(hlc), origin, vv: decodeVector(vv) };
    const hash = metadata[META.hash];
    const residency = metadata[META.residency];
    const classification = metadata[META.classification];
    if (hash) out.hash = hash;
    if (residency) out.residency = decodeURIComponent(residency);
    if (classification) out.classification = decodeURIComponent(classification);
    return out;
  } catch {
    return undefined;
  }
}

/** User metadata without the reserved entries. */
export function userPart(metadata: UserMetadata | undefined): UserMetadata {
  return Object.fromEntries(Object.entries(metadata ?? {}).filter(([k]) => !k.startsWith('pc_')));
}

/** Same write (same identity and causal context). */
export function sameVersion(a: ObjectVersion, b: ObjectVersion): boolean {
  return a.origin === b.origin && compareHlc(a.hlc, b.hlc) === 0 && compareVectors(a.vv, b.vv) === 'equal' && !!a.deleted === !!b.deleted;
}

/** Deterministic total order used for tie-breaks: HLC, then origin id. */
export function compareVersionsLww(a: ObjectVersion, b: ObjectVersion): number {
  const c = compareHlc(a.hlc, b.hlc);
  if (c !== 0) return c;
  return a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0;
}

/** A short printable id: `<hlc>@<origin>`. */
export function versionId(v: ObjectVersion): string {
  return `${encodeHlc(v.hlc)}@${v.origin}`;
}

/** JSON-safe form (for the journal and state documents). */
export interface VersionRecord {
  hlc: string;
  origin: string;
  vv: string;
  hash?: string;
  residency?: string;
  classification?: string;
  deleted?: boolean;
}

export function toRecord(v: ObjectVersion): VersionRecord {
  return {
    hlc: encodeHlc(v.hlc),
    origin: v.origin,
    vv: encodeVector(v.vv),
    ...(v.hash ? { hash: v.hash } : {}),
    ...(v.residency ? { residency: v.residency } : {}),
    ...(v.classification ? { classification: v.classification } : {}),
    ...(v.deleted ? { deleted: true } : {}),
  };
}

export function fromRecord(r: VersionRecord): ObjectVersion {
  return {
    hlc: decodeHlc(r.hlc),
    origin: r.origin,
    vv: decodeVector(r.vv),
    ...(r.hash ? { hash: r.hash } : {}),
    ...(r.residency ? { residency: r.residency } : {}),
    ...(r.classification ? { classification: r.classification } : {}),
    ...(r.deleted ? { deleted: true } : {}),
  };
}
