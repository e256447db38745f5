import type { ObjectInfo, UserMetadata } from '@polycloud/core/spi';

/** The fields of a GCS object resource the adapter reads. */
export interface GcsObjectResource {
  name?: string;
  size?: string | number;
  generation?: string | number;
  updated?: string;
  timeCreated?: string;
  contentType?: string;
  metadata?: Record<string, unknown> | null;
}

/**
 * Custom metadata as written. GCS stores custom metadata as JSON strings, so any
 * UTF-8 value round-trips without encoding; non-string values (written by other
 * tools) are stringified, and `null` (a deleted key) is dropped.
 */
export function fromGcsMetadata(raw: Record<string, unknown> | null | undefined): UserMetadata {
  const out: UserMetadata = {};
  if (!raw) return out;
  for (const [k, v] of Object.entries(raw)) {
    if (v === null || v === undefined) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

/** Portable ObjectInfo from a GCS object resource; `versionToken` is the generation. */
export function toObjectInfo(resource: GcsObjectResource, key: string, withMetadata: boolean): ObjectInfo {
  const info: ObjectInfo = {
    key: resource.name ?? key,
    size: Number(resource.size ?? 0),
    versionToken: String(resource.generation ?? ''),
    lastModified: new Date(resource.updated ?? resource.timeCreated ?? 0),
  };
  if (resource.contentType) info.contentType = resource.contentType;
  if (withMetadata) info.metadata = fromGcsMetadata(resource.metadata);
  return info;
}

/** True if `token` can be a GCS generation (a positive decimal int64); anything else never matches. */
export function isGeneration(token: string): boolean {
  return /^[1-9]\d{0,19}$/.test(token);
}
