import type { UserMetadata } from '../adapter/storage-adapter.js';
import type { ObjectVersion } from './version.js';

/** One of the concurrent versions handed to a custom merge function. */
export interface ConflictSide {
  version: ObjectVersion;
  /** A binding holding it. */
  binding: string;
  /** Reads its body. */
  read(): Promise<Buffer>;
}

/** What a merge function decides: keep one side, or write new content. */
export type MergeResult = { keep: number } | { body: Uint8Array; metadata?: UserMetadata; contentType?: string };

/**
 * A user merge function for `conflict: custom`: given the concurrent versions of a
 * key (deterministic order), returns which to keep or a merged body. It must be
 * deterministic: the same sides must give the same result.
 */
export type MergeFunction = (conflict: { bucket: string; key: string; sides: ConflictSide[] }) => Promise<MergeResult> | MergeResult;
