/** "Look at this key": what a native change feed contributes (ordered per object at best, delivered at least once). */
export interface ChangeHint {
  key: string;
  /** Binding the feed watches, if known. */
  binding?: string;
  /** Provider ordering info (S3 `sequencer`, GCS `objectGeneration`, change-feed cursor), for diagnostics. */
  position?: string;
}

/**
 * A source of change hints: S3 event notifications, GCS Pub/Sub notifications, the
 * Azure Blob change feed, or anything else. Hints are not trusted as facts: the
 * engine reads the key on every binding and merges, exactly as for the journal,
 * so duplicates, reordering and loss only cost latency (the reconciler catches
 * whatever a feed missed).
 */
export interface ChangeSource {
  readonly name: string;
  /** Starts delivering hints to `emit`; the source keeps its own cursor. */
  start(emit: (hints: ChangeHint[]) => void): Promise<void> | void;
  stop(): Promise<void> | void;
}
