import type { AdapterBody, PutResult, UserMetadata } from '../adapter/storage-adapter.js';
import type { Binding } from '../urm/binding.js';
import type { LogicalBucket } from '../urm/resources.js';

/** A write about to be sent to its home binding. */
export interface PendingWrite {
  bucket: LogicalBucket;
  op: 'put' | 'delete';
  key: string;
  /** Object tags (resource tags merged with the call's). */
  tags: Record<string, string>;
  /** User metadata of a put; a pipeline may add reserved `pc_` entries. */
  metadata: UserMetadata;
}

/** A write the home binding has accepted. */
export interface AppliedWrite extends PendingWrite {
  binding: Binding;
  result?: PutResult;
  size?: number;
  contentHash?: string;
}

/**
 * Hooks the LogicalBucket facade calls around every put and delete, in order:
 * `prepare` before the adapter call (stamp version metadata), `commit` after the
 * home binding accepted it and before the caller is acknowledged (append to the
 * change journal; in `sync` mode, copy to the other bindings). A `commit` that
 * throws fails the operation: nothing is acknowledged that was not journaled.
 * The sync engine implements this; core's default does nothing.
 */
export interface WritePipeline {
  prepare?(write: PendingWrite): Promise<PendingWrite> | PendingWrite;
  /**
   * Called inside each attempt once the binding is chosen, before the adapter call:
   * returns the metadata to write (version stamp for that binding), the body to send
   * (e.g. wrapped to hash it while it streams) and optional conditions (compare-and-set
   * on the version observed). `digest()` is read after the write for `contentHash`.
   */
  stamp?(write: PendingWrite, binding: Binding, body?: AdapterBody): Promise<StampedWrite>;
  /** The binding to send this write to, if the pipeline pins it (e.g. the key's home). */
  commit?(write: AppliedWrite): Promise<void>;
}

/** What `stamp` returns for one attempt. */
export interface StampedWrite {
  metadata: UserMetadata;
  body?: AdapterBody;
  ifMatch?: string;
  ifNoneMatch?: '*';
  digest?: () => string | undefined;
}
