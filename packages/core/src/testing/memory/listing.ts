import type { ListPage, ObjectInfo } from '@polycloud/core/spi';
import { searchUtf8 } from './cloud.js';
import { memoryError } from '../errors.js';

interface Cursor {
  /** Last key or common prefix returned. */
  after: string;
  /** True when `after` is a common prefix: every key under it was covered. */
  isPrefix: boolean;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.after, cursor.isPrefix ? 1 : 0]), 'utf8').toString('base64url');
}

export function decodeCursor(token: string): Cursor {
  try {
    const [after, isPrefix] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof after === 'string' && (isPrefix === 0 || isPrefix === 1)) return { after, isPrefix: isPrefix === 1 };
  } catch {
    // fall through
  }
  throw memoryError('INVALID_ARGUMENT', 'invalid continuation token', { path: ['continuationToken'] }, false);
}

export interface PageRequest {
  prefix: string;
  delimiter?: string;
  pageSize: number;
  cursor?: Cursor;
}

/**
 * One page over keys sorted in UTF-8 byte order, S3 style: objects and common
 * prefixes both count towards `pageSize`, and a token is returned only when at
 * least one more entry follows. Starts by binary search, so a page costs
 * O(log n + page) (plus any keys skipped inside a common prefix).
 */
export function listPage(keys: readonly string[], info: (key: string) => ObjectInfo, request: PageRequest): ListPage {
  const { prefix, delimiter, pageSize, cursor } = request;
  const page: ListPage = { objects: [], prefixes: [] };
  let last: Cursor | undefined;
  let i = searchUtf8(keys, prefix);
  if (cursor) i = Math.max(i, searchUtf8(keys, cursor.after, true));
  for (; i < keys.length; i++) {
    const key = keys[i]!;
    if (!key.startsWith(prefix)) break;
    if (cursor?.isPrefix && key.startsWith(cursor.after)) continue;
    let common: string | undefined;
    if (delimiter) {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) common = key.slice(0, at + delimiter.length);
    }
    if (common !== undefined && last?.isPrefix && last.after === common) continue;
    if (page.objects.length + page.prefixes.length >= pageSize) {
      page.continuationToken = encodeCursor(last!);
      break;
    }
    if (common !== undefined) {
      page.prefixes.push(common);
      last = { after: common, isPrefix: true };
    } else {
      page.objects.push(info(key));
      last = { after: key, isPrefix: false };
    }
  }
  return page;
}
