import { createHash } from 'node:crypto';
import { IDEMPOTENCY_KEY } from '@polycloud/core/spi';

/**
 * The idempotency key of a DataJob resource: derived from its `metadata.uid` alone, so
 * every controller replica and every restart submits the object under the same key,
 * and a DataJob deleted and created again (a new uid) is a new job. A UUID uid gives
 * `dj-<uid>` (39 characters); any other uid is slugged and, when that is not a valid
 * key, replaced by `dj-` and 32 hex digits of its SHA-256. Deterministic, always
 * matching core's key rule (`[a-z]`, letters, digits, single hyphens, at most 63).
 */
export function idempotencyKeyForUid(uid: string): string {
  const slug = `dj-${uid
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')}`;
  if (slug.length > 3 && IDEMPOTENCY_KEY.test(slug)) return slug;
  return `dj-${createHash('sha256').update(uid).digest('hex').slice(0, 32)}`;
}
