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
  /** The caller's own condition (a read-modify-write): the version it read, or `*` for create-only. */
  ifMatch?: string;
  ifNoneMatch?: '*';
}

/** A write the home binding has accepted. */
export interface AppliedWrite extends PendingWrite {
  binding: Binding;
  result?: PutResult;
  size?: number;
  contentHash?: string;
}

/** The attempt a stamp is made for: its signal (deadline, failover cut, caller abort) and how many times this attempt lost a race. */
export interface StampAttempt {
  signal: AbortSignal;
  /** When the whole call gives up (clock ms): a change record of this attempt is void after it. */
  deadline: number;
  /** 0 for the first stamp of an attempt; n after the write lost n races to concurrent writers (condition failed). */
  race: number;
}

/** The call a commit belongs to: the caller's signal and the operation's deadline (clock ms). */
export interface CommitCall {
  signal?: AbortSignal;
  deadline: number;
}

/**
 * Hooks the LogicalBucket facade calls around every put and delete, in order:
 * `prepare` before routing, `stamp` inside each attempt once the binding is chosen
 * (version metadata and conditions; may start the durable change record, which runs
 * concurrently with the data request), and `commit` after the home binding accepted
 * the write and before the caller is acknowledged (waits for the change record). A
 * pipeline must not report a stored write as failed because of its own bookkeeping;
 * every request it makes carries the attempt's or the call's signal.
 * `@polycloud/sync` implements this; without it writes go straight to the adapter.
 */
export interface WritePipeline {
  prepare?(write: PendingWrite): Promise<PendingWrite> | PendingWrite;
  /**
   * Called inside each attempt once the binding is chosen, before the adapter call:
   * returns the metadata to write (version stamp for that binding), the body to send
   * (e.g. wrapped to hash it while it streams) and optional conditions (compare-and-set
   * on the version expected). `digest()` is read after the write for `contentHash`.
   */
  stamp?(write: PendingWrite, binding: Binding, body: AdapterBody | undefined, attempt: StampAttempt): Promise<StampedWrite>;
  /** After the home binding accepted the write, before the caller is acknowledged. */
  commit?(write: AppliedWrite, call: CommitCall): Promise<void>;
}

/** What `stamp` returns for one attempt. */
export interface StampedWrite {
  metadata: UserMetadata;
  body?: AdapterBody;
  ifMatch?: string;
  ifNoneMatch?: '*';
  digest?: () => string | undefined;
}
