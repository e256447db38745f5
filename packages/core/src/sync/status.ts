/** Replication state as MinIO reports it: the origin shows PENDING/COMPLETED/FAILED, a copy REPLICA. */
export type ReplicationState = 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';

export interface BindingStatus {
  state: ReplicationState;
  /** Why it failed: `residency`, `classification`, `clock-skew`, `unavailable`, or an error code. */
  reason?: string;
}

/** Replication status of one object. */
export interface ObjectReplicationStatus {
  key: string;
  /** `<hlc>@<origin>` of the version being replicated (`deleted` for a delete). */
  version?: string;
  origin?: string;
  deleted?: boolean;
  /** Aggregate: COMPLETED once every compliant binding holds it. */
  state: 'PENDING' | 'COMPLETED' | 'FAILED';
  bindings: Record<string, BindingStatus>;
  updatedAt: number;
}

/** Replication progress of one target binding. */
export interface TargetStatus {
  binding: string;
  /** Journal position applied up to, per journal (source id → position). */
  checkpoints: Record<string, number>;
  /** Journal entries not yet applied to it. */
  backlog: number;
  /** Age (ms) of the oldest change not yet applied to it; 0 when caught up. */
  lagMs: number;
  /** Keys whose last attempt failed on it. */
  failed: number;
}

/** In-process record of per-object replication status (bounded; oldest forgotten first). */
export class SyncStatusBook {
  readonly #objects = new Map<string, ObjectReplicationStatus>();
  readonly #limit: number;

  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  set(status: ObjectReplicationStatus): void {
    this.#objects.delete(status.key);
    this.#objects.set(status.key, status);
    if (this.#objects.size > this.#limit) this.#objects.delete(this.#objects.keys().next().value!);
  }

  get(key: string): ObjectReplicationStatus | undefined {
    return this.#objects.get(key);
  }

  /** Objects whose last attempt failed somewhere. */
  failed(): ObjectReplicationStatus[] {
    return [...this.#objects.values()].filter((s) => s.state === 'FAILED');
  }

  failedOn(binding: string): number {
    let n = 0;
    for (const s of this.#objects.values()) if (s.bindings[binding]?.state === 'FAILED') n++;
    return n;
  }
}
