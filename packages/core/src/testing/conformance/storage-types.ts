import type { StorageAdapter, StorageCapabilities, StorageCapability } from '@polycloud/core/spi';

/**
 * What a case may need: a boolean capability, `nonAsciiMetadata` (declared by
 * `userMetadata`), or `utf8ListOrder` (listing in UTF-8 byte order: part of every
 * adapter's contract, so only a gap skips it — e.g. an emulator sorting case-insensitively),
 * or `midBodyDrop` (a body cut off mid-read errors: part of the contract, only a gap skips it).
 */
export type StorageConformanceNeed = StorageCapability | 'nonAsciiMetadata' | 'utf8ListOrder' | 'midBodyDrop';

/** Known gaps of an environment (an emulator lacks X): cases needing X are skipped with this text. */
export type StorageConformanceGaps = Partial<Record<StorageConformanceNeed, string>>;

/** What `create` returns: an adapter and an existing physical bucket to work in. */
export interface StorageConformanceEnv {
  adapter: StorageAdapter;
  bucket: string;
  cleanup?: () => Promise<void>;
}

/** What one case runs against. Every key a case writes lies under `prefix`. */
export interface StorageCaseContext {
  adapter: StorageAdapter;
  bucket: string;
  /** Unique to this run and case, ends with `/`. */
  prefix: string;
  /** `prefix + name`. */
  key(name: string): string;
}

/** One conformance case, as data: exported so cases can run without vitest. */
export interface StorageConformanceCase {
  name: string;
  needs: readonly StorageConformanceNeed[];
  /** Per-case timeout for slow cases (large bodies), ms. */
  timeoutMs?: number;
  run(ctx: StorageCaseContext): Promise<void>;
}

/**
 * Why a case cannot run here, or undefined when it can: a gap's text wins, then
 * "adapter does not declare X" for a capability the adapter does not declare.
 */
export function storageSkipReason(
  capabilities: Readonly<StorageCapabilities>,
  needs: readonly StorageConformanceNeed[],
  gaps: StorageConformanceGaps = {},
): string | undefined {
  for (const need of needs) {
    const gap = gaps[need];
    if (gap) return `${need}: ${gap}`;
    if (need === 'utf8ListOrder' || need === 'midBodyDrop') continue;
    const capability = need === 'nonAsciiMetadata' ? 'userMetadata' : need;
    if (capabilities[capability] !== true) return `adapter does not declare ${capability}`;
  }
  return undefined;
}

/**
 * Control over the storage behind the adapter, for the fault cases: an emulator's
 * stop and restart. Pass it as `faults` and the suite checks the failure behaviour
 * every adapter shares (a stopped storage, a body cut off mid-read).
 */
export interface StorageConformanceFaults {
  /** Makes the storage unreachable (stop the emulator: nothing listens on its port). Resolves once it is down. */
  stop(): Promise<void>;
  /** Brings it back on the same endpoint; it may have lost every bucket (the cases create theirs again). */
  start(): Promise<void>;
}

/** One fault case: runs with the `faults` hook, after every other case (a restart may lose data). */
export interface StorageFaultCase {
  name: string;
  needs: readonly StorageConformanceNeed[];
  timeoutMs?: number;
  run(ctx: StorageCaseContext, faults: StorageConformanceFaults): Promise<void>;
}
