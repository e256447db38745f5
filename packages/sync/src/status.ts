import type { ObjectReplicationStatus } from '@polycloud/core/spi';

export type { BindingStatus, ObjectReplicationStatus, ReplicationState, TargetStatus } from '@polycloud/core/spi';

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
