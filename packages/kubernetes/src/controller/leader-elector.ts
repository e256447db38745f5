import type { V1Lease } from '@kubernetes/client-node';
import { isPolycloudError, type PolycloudError, toPolycloudError } from '@polycloud/core/spi';
import type { ControllerKubeApi } from './kube-api.js';
import { type LeaseRecord, nextLeaseStep, observe, type ObservedLease, stillLeading } from './leader-state.js';

export interface LeaderElectorOptions {
  api: ControllerKubeApi;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Called when this candidate becomes leader, and when it stops being one (lost or stopped). */
  onChange(leading: boolean): void;
  onError?(error: PolycloudError): void;
  now?: () => number;
}

/** Lease times are MicroTime: RFC 3339 with microseconds. */
const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/**
 * Leader election on a coordination.k8s.io/v1 Lease (see leader-state.ts for the
 * rules). Every `retryPeriodMs` it reads the Lease and creates, renews or takes it
 * over with the resourceVersion it read; {@link leading} is true only within
 * `renewDeadlineMs` of the last renewal that succeeded, checked at each use, so a
 * holder cut off from the API server stops leading on its own clock even while its
 * renewal calls hang.
 */
export class LeaderElector {
  readonly #o: LeaderElectorOptions;
  readonly #now: () => number;
  #observed: ObservedLease | undefined;
  #renewSentAt: number | undefined;
  #wasLeading = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #running: Promise<void> | undefined;
  #lastResourceVersion: string | undefined;

  constructor(options: LeaderElectorOptions) {
    if (options.renewDeadlineMs >= options.leaseDurationMs) throw new RangeError('renewDeadlineMs must be shorter than leaseDurationMs');
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** True while this candidate holds the Lease (within the renew deadline of its last renewal). */
  get leading(): boolean {
    const leading = stillLeading(this.#renewSentAt, this.#now(), this.#o.renewDeadlineMs);
    if (!leading && this.#wasLeading) this.#setLeading(false);
    return leading;
  }

  /** Milliseconds of leadership left (0 when not leading). */
  remainingMs(): number {
    if (!this.leading || this.#renewSentAt === undefined) return 0;
    return Math.max(0, this.#renewSentAt + this.#o.renewDeadlineMs - this.#now());
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops campaigning; with `release`, a held Lease is given up (empty holder) so another replica takes over at once. */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
    const held = this.leading;
    this.#renewSentAt = undefined;
    if (this.#wasLeading) this.#setLeading(false);
    if (options.release && held) await this.#release().catch(() => undefined);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      // A round the API server does not answer is abandoned after the renew deadline (the
      // holder has stopped leading by then anyway), so the next round can try again.
      let cut: NodeJS.Timeout | undefined;
      const abandoned = new Promise<void>((resolve) => (cut = setTimeout(resolve, this.#o.renewDeadlineMs)));
      this.#running = Promise.race([this.#round(), abandoned]).finally(() => {
        clearTimeout(cut);
        this.#running = undefined;
        this.#schedule(this.#o.retryPeriodMs);
      });
    }, ms);
  }

  #setLeading(leading: boolean): void {
    this.#wasLeading = leading;
    this.#o.onChange(leading);
  }

  async #round(): Promise<void> {
    const { api, namespace, name, identity } = this.#o;
    try {
      const lease = await api.readLease(namespace, name);
      const record: LeaseRecord | undefined = lease
        ? {
            resourceVersion: lease.metadata?.resourceVersion ?? '',
            ...(lease.spec?.holderIdentity ? { holderIdentity: lease.spec.holderIdentity } : {}),
            ...(lease.spec?.leaseDurationSeconds === undefined ? {} : { leaseDurationSeconds: lease.spec.leaseDurationSeconds }),
            ...(lease.spec?.leaseTransitions === undefined ? {} : { leaseTransitions: lease.spec.leaseTransitions }),
            ...(lease.spec?.acquireTime ? { acquireTime: String(lease.spec.acquireTime) } : {}),
          }
        : undefined;
      const now = this.#now();
      const step = nextLeaseStep(record, this.#observed, identity, now, { leaseDurationMs: this.#o.leaseDurationMs });
      this.#observed = observe(record, this.#observed, now);
      if (this.#stopped || step.action === 'wait') {
        void this.leading;
        return;
      }
      const sentAt = this.#now();
      const time = microTime(new Date());
      const spec = {
        holderIdentity: identity,
        leaseDurationSeconds: Math.max(1, Math.ceil(this.#o.leaseDurationMs / 1000)),
        renewTime: time as unknown as Date,
        leaseTransitions: step.action === 'create' ? 0 : step.transitions,
        acquireTime: (step.action === 'renew' && step.acquireTime ? step.acquireTime : time) as unknown as Date,
      };
      let written: V1Lease;
      if (step.action === 'create') {
        written = await api.createLease(namespace, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec });
      } else {
        written = await api.replaceLease(namespace, name, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace, resourceVersion: record!.resourceVersion },
          spec,
        });
      }
      if (this.#stopped) return;
      this.#lastResourceVersion = written.metadata?.resourceVersion;
      // An answer that comes after the renew deadline of its own request does not make us leader.
      if (this.#renewSentAt === undefined || sentAt > this.#renewSentAt) this.#renewSentAt = sentAt;
      if (!this.#wasLeading && this.leading) this.#setLeading(true);
    } catch (e) {
      const error = toPolycloudError(e, { operation: 'leader election', resource: `${namespace}/${name}` });
      // CONFLICT / ALREADY_EXISTS: another candidate wrote first; the next read shows who.
      if (!isPolycloudError(error, 'CONFLICT') && !isPolycloudError(error, 'ALREADY_EXISTS')) this.#o.onError?.(error);
      void this.leading;
    }
  }

  async #release(): Promise<void> {
    const { api, namespace, name, identity } = this.#o;
    const lease = await api.readLease(namespace, name);
    if (!lease || lease.spec?.holderIdentity !== identity) return;
    if (this.#lastResourceVersion !== undefined && lease.metadata?.resourceVersion !== this.#lastResourceVersion) return;
    const spec = { ...lease.spec };
    delete spec.holderIdentity;
    await api.replaceLease(namespace, name, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion ?? '' },
      spec: { ...spec, leaseDurationSeconds: 1 },
    });
  }
}
