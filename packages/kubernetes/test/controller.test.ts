import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeyForUid } from '@polycloud/kubernetes';
import { type Harness, NS, sleepCommand, startHarness, waitFor } from './controller-harness.js';
import { granted, rbacDocuments } from './rbac-grants.js';

// The original design's DataJob (origin/004, §三.2), verbatim.
const ORIGINAL_DATAJOB = `
apiVersion: batch.mcp/v1
kind: DataJob
metadata:
  name: data-cleaning
spec:
  cloud: CLOUD_A # 可动态替换为CLOUD_B
  image: data-processor:v1
  resources:
    cpu: 2
    memory: 4Gi
`;

const job = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'batch.mcp/v1',
  kind: 'DataJob',
  metadata: { name },
  spec: { image: 'data-processor:v1', command: sleepCommand(300), resources: { cpu: 1, memory: '1Gi' }, ...spec },
});

const phase = (h: Harness, name: string) => h.get(name)?.['status']?.phase as string | undefined;
const condition = (h: Harness, name: string, type: string) =>
  (h.get(name)?.['status']?.conditions as Record<string, string>[] | undefined)?.find((c) => c['type'] === type);
const startsOf = (h: Harness, key: string) => [...h.clouds.CLOUD_A.starts, ...h.clouds.CLOUD_B.starts].filter((k) => k === key).length;

describe('DataJob controller against the fake API server (client-node 1.4.0, local adapters)', { timeout: 90_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('one replica', () => {
    let stop: () => Promise<void>;
    beforeAll(async () => {
      const { controller } = h.controller('solo');
      await controller.start();
      stop = () => controller.stop();
      await waitFor('the solo replica to lead', () => controller.leading);
    });
    afterAll(async () => {
      await stop();
    });

    it("runs the original design's DataJob, applied verbatim, on its spec.cloud binding to Succeeded", async () => {
      const { uid } = await h.apply(ORIGINAL_DATAJOB);
      const key = idempotencyKeyForUid(uid);
      await waitFor('data-cleaning to succeed', () => phase(h, 'data-cleaning') === 'Succeeded');
      const obj = h.get('data-cleaning')!;
      expect(obj['status']).toMatchObject({ phase: 'Succeeded', binding: 'CLOUD_A', cloud: 'CLOUD_A', providerJobId: key, observedGeneration: 1 });
      expect(obj['status'].startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(obj['status'].completionTime).toMatch(/Z$/);
      expect(condition(h, 'data-cleaning', 'Completed')).toMatchObject({ status: 'True', reason: 'Completed' });
      expect(condition(h, 'data-cleaning', 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
      expect(h.clouds.CLOUD_A.starts).toEqual([key]);
      expect(h.clouds.CLOUD_B.starts).not.toContain(key);
      // The finalizer is gone once the job is finished (deleting it needs no controller).
      await waitFor('the finalizer to be removed', () => !(h.get('data-cleaning')!['metadata'].finalizers ?? []).length);
      const reasons = h.events('data-cleaning').map((e) => e['reason']);
      expect(reasons).toEqual(expect.arrayContaining(['Scheduled', 'Dispatched', 'Completed']));
    });

    it('routes by price without spec.cloud (the cheaper binding wins) and explains it in a Scheduled Event', async () => {
      const { uid } = await h.apply(job('by-price'));
      await waitFor('by-price to succeed', () => phase(h, 'by-price') === 'Succeeded');
      expect(h.get('by-price')!['status']).toMatchObject({ binding: 'CLOUD_A', cloud: 'CLOUD_A' });
      expect(h.clouds.CLOUD_A.starts).toContain(idempotencyKeyForUid(uid));
      const scheduled = h.events('by-price').find((e) => e['reason'] === 'Scheduled')!;
      expect(scheduled['type']).toBe('Normal');
      expect(scheduled['message']).toMatch(
        /^chose binding CLOUD_A; candidates: CLOUD_A \(CLOUD_A us-east-1\) weight [\d.e-]+ \[.*price=1.*\]; CLOUD_B \(CLOUD_B europe-west1\) weight/,
      );
      expect(scheduled['involvedObject']).toMatchObject({ kind: 'DataJob', apiVersion: 'batch.mcp/v1', name: 'by-price', uid });
    });

    it('never places a residency-tagged job on a non-compliant binding, even the cheaper one', async () => {
      const { uid } = await h.apply(job('eu-only', { tags: { residency: 'eu' } }));
      const key = idempotencyKeyForUid(uid);
      await waitFor('eu-only to succeed', () => phase(h, 'eu-only') === 'Succeeded');
      expect(h.get('eu-only')!['status']).toMatchObject({ binding: 'CLOUD_B', cloud: 'CLOUD_B' });
      expect(h.clouds.CLOUD_B.starts).toEqual(expect.arrayContaining([key]));
      expect(h.clouds.CLOUD_A.starts).not.toContain(key);
      expect(h.events('eu-only').find((e) => e['reason'] === 'Scheduled')!['message']).toMatch(
        /chose binding CLOUD_B.*CLOUD_A \(CLOUD_A us-east-1\) refused: residency/,
      );
      // Pinned to a non-compliant cloud: refused, nothing started.
      const { uid: pinned } = await h.apply(job('eu-pinned-us', { tags: { residency: 'eu' }, cloud: 'CLOUD_A' }));
      await waitFor('eu-pinned-us to fail', () => phase(h, 'eu-pinned-us') === 'Failed');
      expect(condition(h, 'eu-pinned-us', 'Accepted')).toMatchObject({ status: 'False', reason: 'Unschedulable' });
      expect(startsOf(h, idempotencyKeyForUid(pinned))).toBe(0);
    });

    it('dispatches to the Kubernetes cluster itself as a binding (the kubernetes adapter): a batch/v1 Job, Succeeded', async () => {
      const { uid } = await h.apply(job('on-k8s', { cloud: 'K8S' }));
      const key = idempotencyKeyForUid(uid);
      await waitFor('on-k8s to run', () => phase(h, 'on-k8s') === 'Running');
      // The fake's job runner keeps a Job active until told: it finishes with exit code 0.
      expect(h.server.finishJob(NS, key, { exitCode: 0 })).toBe(true);
      await waitFor('on-k8s to succeed', () => phase(h, 'on-k8s') === 'Succeeded');
      expect(h.get('on-k8s')!['status']).toMatchObject({ binding: 'K8S', cloud: 'K8S' });
      const jobs = h.server.list('jobs', NS).filter((j) => j.metadata['name'] === key);
      expect(jobs).toHaveLength(1);
      expect(startsOf(h, key)).toBe(0);
      // Deleting a DataJob running there cancels its Job (the adapter suspends it) before the object goes.
      const { uid: longUid, name } = await h.apply(job('on-k8s-cancelled', { cloud: 'K8S' }));
      const longKey = idempotencyKeyForUid(longUid);
      await waitFor('on-k8s-cancelled to be dispatched', () => h.get(name)?.['status']?.providerJobId === longKey);
      await h.custom.deleteNamespacedCustomObject({ group: 'batch.mcp', version: 'v1', plural: 'datajobs', namespace: NS, name });
      await waitFor('on-k8s-cancelled to be gone', () => h.get(name) === undefined);
      expect(h.server.requests.some((r) => r.method === 'PATCH' && r.path.includes(`/jobs/${longKey}`))).toBe(true);
    });

    it('a submit refused for quota starts nothing and is placed again after a back-off, until it fits', async () => {
      h.server.setQuota('jobs', 0);
      try {
        const { uid, name } = await h.apply(job('over-quota', { cloud: 'K8S' }));
        await waitFor('the quota refusal', () => condition(h, name, 'Accepted')?.['reason'] === 'Rejected');
        expect(phase(h, name)).toBe('Pending');
        expect(h.get(name)!['status'].binding).toBeUndefined();
        expect(condition(h, name, 'Accepted')!['message']).toMatch(/quota/i);
        expect(h.server.list('jobs', NS).some((j) => j.metadata['name'] === idempotencyKeyForUid(uid))).toBe(false);
        h.server.setQuota('jobs', undefined);
        await waitFor('over-quota to run', () => phase(h, name) === 'Running');
        expect(h.server.finishJob(NS, idempotencyKeyForUid(uid), { exitCode: 0 })).toBe(true);
        await waitFor('over-quota to succeed', () => phase(h, name) === 'Succeeded');
      } finally {
        h.server.setQuota('jobs', undefined);
      }
    });

    it('marks an invalid DataJob Failed with an Invalid condition naming the field path, and starts nothing', async () => {
      const { uid } = await h.apply(job('bad-memory', { resources: { cpu: 1, memory: '4 gigs' } }));
      await waitFor('bad-memory to fail', () => phase(h, 'bad-memory') === 'Failed');
      const accepted = condition(h, 'bad-memory', 'Accepted')!;
      expect(accepted).toMatchObject({ status: 'False', reason: 'Invalid' });
      expect(accepted['message']).toContain('spec.resources.memory');
      expect(h.get('bad-memory')!['status'].binding).toBeUndefined();
      expect(startsOf(h, idempotencyKeyForUid(uid))).toBe(0);
      // The Event follows the status write.
      const invalid = await waitFor('the Invalid Event', () => h.events('bad-memory').find((e) => e['reason'] === 'Invalid'));
      expect(invalid['type']).toBe('Warning');
      expect(invalid['message']).toContain('spec.resources.memory');
      await waitFor('the finalizer to be removed', () => !(h.get('bad-memory')!['metadata'].finalizers ?? []).length);
    });

    it('cancels the provider job through the finalizer when the DataJob is deleted, then lets it go', async () => {
      const { uid, name } = await h.apply(job('to-delete', { command: sleepCommand(60_000) }));
      const key = idempotencyKeyForUid(uid);
      await waitFor('to-delete to run', () => phase(h, name) === 'Running');
      expect(h.get(name)!['metadata'].finalizers).toEqual(['batch.mcp/cancel-provider-job']);
      await h.custom.deleteNamespacedCustomObject({ group: 'batch.mcp', version: 'v1', plural: 'datajobs', namespace: NS, name });
      await waitFor('to-delete to be gone', () => h.get(name) === undefined);
      expect(h.clouds.CLOUD_A.cancels).toContain(key);
      const status = await h.polycloud('inspect').cluster('lc-k8s').status({ resource: 'lc-k8s', binding: 'CLOUD_A', jobId: key, idempotencyKey: key });
      await waitFor('the provider job to be cancelled', async () =>
        (await h.polycloud('inspect2').cluster('lc-k8s').status({ resource: 'lc-k8s', binding: 'CLOUD_A', jobId: key, idempotencyKey: key })).state ===
        'CANCELLED'
          ? true
          : undefined,
      );
      expect(['RUNNING', 'CANCELLED']).toContain(status.state);
      expect(startsOf(h, key)).toBe(1);
    });

    it('resumes after a watch is cut with 410 Gone by relisting, without missing or repeating a job', async () => {
      const listsBefore = h.server.requests.filter((r) => r.method === 'GET' && /\/datajobs(\?|$)/.test(r.path) && !r.path.includes('watch=true')).length;
      const { uid: before } = await h.apply(job('before-gone'));
      await waitFor('before-gone to succeed', () => phase(h, 'before-gone') === 'Succeeded');
      h.server.expireWatches();
      // Created while the controller relists: it must still be seen, once.
      const { uid: after } = await h.apply(job('after-gone'));
      await waitFor('after-gone to succeed', () => phase(h, 'after-gone') === 'Succeeded');
      const listsAfter = h.server.requests.filter((r) => r.method === 'GET' && /\/datajobs(\?|$)/.test(r.path) && !r.path.includes('watch=true')).length;
      expect(listsAfter).toBeGreaterThan(listsBefore);
      expect(startsOf(h, idempotencyKeyForUid(before))).toBe(1);
      expect(startsOf(h, idempotencyKeyForUid(after))).toBe(1);
      // The relist re-delivers the finished before-gone: it is not dispatched again.
      await sleep(500);
      expect(startsOf(h, idempotencyKeyForUid(before))).toBe(1);
    });
    it('rides out API faults: a hung watch is dropped and resumed, failed status writes are retried; the job starts once', async () => {
      // The next watch request is never answered, and the next three status writes fail with 500.
      const lists = () => h.server.requests.filter((r) => r.method === 'GET' && /\/datajobs(\?|$)/.test(r.path) && !r.path.includes('watch=true')).length;
      const listed = lists();
      h.server.hangNext(1, { match: { resource: 'datajobs', watch: true } });
      h.server.expireWatches();
      // The relist is done and its watch hangs before the DataJob exists: only a resumed watch can bring it.
      await waitFor('the relist after 410', () => lists() > listed);
      await sleep(300);
      expect(h.server.openWatches).toBe(0);
      h.server.failNext(3, { match: { resource: 'datajobs', subresource: 'status', method: 'PUT' } });
      const { uid } = await h.apply(job('through-faults'));
      await waitFor('through-faults to succeed', () => phase(h, 'through-faults') === 'Succeeded');
      expect(startsOf(h, idempotencyKeyForUid(uid))).toBe(1);
      expect(h.server.requests.filter((r) => r.status === 500 && r.path.includes('/status')).length).toBe(3);
    });
  });

  describe('restarts and replicas', () => {
    it('a controller killed mid-run and a new instance: the job is not started twice', async () => {
      const first = h.controller('crashy');
      await first.controller.start();
      await waitFor('crashy to lead', () => first.controller.leading);
      const { uid, name } = await h.apply(job('survives-restart', { command: sleepCommand(12_000) }));
      const key = idempotencyKeyForUid(uid);
      await waitFor('the job to be dispatched', () => ['Pending', 'Running'].includes(phase(h, name) ?? ''));
      // Killed: stops without releasing its Lease (the next instance waits the Lease out, as after a crash).
      await first.controller.stop({ releaseLease: false });
      const second = h.controller('restarted');
      await second.controller.start();
      try {
        await waitFor('the new instance to lead', () => second.controller.leading);
        // Picked up mid-run: the job (12 s) is still going when the new instance takes over (it waits out the Lease, 3 s).
        expect(phase(h, name)).not.toBe('Succeeded');
        await waitFor('the job to succeed under the new instance', () => phase(h, name) === 'Succeeded');
        expect(second.controller.leading).toBe(true);
        expect(startsOf(h, key)).toBe(1);
      } finally {
        await second.controller.stop();
      }
    });

    it('a crash after the placement was written and the job submitted, before its id was recorded: adopted, not started again', async () => {
      // A DataJob as a crashed controller left it: placement on the dearer CLOUD_B written, the job started there, no job id recorded.
      const { uid, name } = await h.apply(job('half-done', { command: sleepCommand(500) }));
      const key = idempotencyKeyForUid(uid);
      const obj = h.get(name)!;
      await h.custom.replaceNamespacedCustomObjectStatus({
        group: 'batch.mcp',
        version: 'v1',
        plural: 'datajobs',
        namespace: NS,
        name,
        body: { ...obj, status: { phase: 'Dispatching', binding: 'CLOUD_B', cloud: 'CLOUD_B', observedGeneration: 1 } },
      });
      await h
        .polycloud('crashed')
        .cluster('lc-k8s')
        .submit({ ...job(name, { command: sleepCommand(500), cloud: 'CLOUD_B' }) }, { idempotencyKey: key });
      const { uid: placedOnly, name: placedName } = await h.apply(job('placed-only', { command: sleepCommand(200) }));
      const placed = h.get(placedName)!;
      await h.custom.replaceNamespacedCustomObjectStatus({
        group: 'batch.mcp',
        version: 'v1',
        plural: 'datajobs',
        namespace: NS,
        name: placedName,
        body: { ...placed, status: { phase: 'Dispatching', binding: 'CLOUD_B', cloud: 'CLOUD_B', observedGeneration: 1 } },
      });
      const { controller } = h.controller('recovering');
      await controller.start();
      try {
        await waitFor('half-done to succeed', () => phase(h, name) === 'Succeeded');
        await waitFor('placed-only to succeed', () => phase(h, placedName) === 'Succeeded');
        expect(startsOf(h, key)).toBe(1);
        expect(h.events(name).map((e) => e['reason'])).toContain('Adopted');
        // Placed but not submitted: submitted once, on the recorded binding (not re-routed to the cheaper one).
        expect(h.clouds.CLOUD_B.starts.filter((k) => k === idempotencyKeyForUid(placedOnly))).toHaveLength(1);
        expect(h.clouds.CLOUD_A.starts).not.toContain(idempotencyKeyForUid(placedOnly));
      } finally {
        await controller.stop();
      }
    });

    it('two replicas: exactly one leads and dispatches; when it stops the other takes over and nothing starts twice', async () => {
      const a = h.controller('replica-a');
      const b = h.controller('replica-b');
      await a.controller.start();
      await b.controller.start();
      let both = 0;
      const sampler = setInterval(() => {
        if (a.controller.leading && b.controller.leading) both++;
      }, 10);
      try {
        const leader = await waitFor('a leader', () => (a.controller.leading ? a : b.controller.leading ? b : undefined));
        const other = leader === a ? b : a;
        const first = await Promise.all(['pair-1', 'pair-2', 'pair-3'].map((n) => h.apply(job(n))));
        for (const n of ['pair-1', 'pair-2', 'pair-3']) await waitFor(`${n} to succeed`, () => phase(h, n) === 'Succeeded');
        const submitsBy = (label: string) => (h.clouds.CLOUD_A.submitsBy[label] ?? 0) + (h.clouds.CLOUD_B.submitsBy[label] ?? 0);
        const otherLabel = other === a ? 'replica-a' : 'replica-b';
        expect(submitsBy(otherLabel)).toBe(0);
        expect(other.controller.leading).toBe(false);

        await leader.controller.stop();
        await waitFor('the other replica to take over', () => other.controller.leading);
        const { uid } = await h.apply(job('pair-4'));
        await waitFor('pair-4 to succeed', () => phase(h, 'pair-4') === 'Succeeded');
        expect(submitsBy(otherLabel)).toBeGreaterThan(0);
        for (const { uid: u } of [...first, { uid }]) expect(startsOf(h, idempotencyKeyForUid(u))).toBe(1);
        expect(both).toBe(0);
        const lease = h.server.get('leases', NS, 'polycloud-datajob-controller')!;
        expect(lease['spec']).toMatchObject({ holderIdentity: otherLabel, leaseDurationSeconds: 3 });
        expect((lease['spec'] as { leaseTransitions: number }).leaseTransitions).toBeGreaterThanOrEqual(1);
      } finally {
        clearInterval(sampler);
        await Promise.all([a.controller.stop(), b.controller.stop()]);
      }
    });

    it('takes its Lease in its own namespace (POD_NAMESPACE) when none is configured, where the shipped RBAC grants leases', async () => {
      const before = process.env['POD_NAMESPACE'];
      process.env['POD_NAMESPACE'] = 'polycloud';
      const own = h.controller('own-namespace');
      try {
        await own.controller.start();
        await waitFor('its Lease in namespace polycloud', () => h.server.get('leases', 'polycloud', 'polycloud-datajob-controller'));
        expect((h.server.get('leases', 'polycloud', 'polycloud-datajob-controller')!['spec'] as { holderIdentity: string }).holderIdentity).toBe(
          'own-namespace',
        );
        const leaseRole = rbacDocuments().find(
          (d) => d['kind'] === 'Role' && (d['rules'] as { resources: string[] }[]).some((r) => r.resources.includes('leases')),
        ) as { metadata: { namespace: string } } | undefined;
        expect(leaseRole?.metadata.namespace).toBe('polycloud');
      } finally {
        if (before === undefined) delete process.env['POD_NAMESPACE'];
        else process.env['POD_NAMESPACE'] = before;
        await own.controller.stop();
      }
    });
  });

  describe('hygiene', () => {
    it('keeps the bearer token out of every log line, Event and status, even when the server refuses it', async () => {
      const wrong = new KubeConfig();
      wrong.loadFromOptions(h.server.kubeconfig({ token: 'wrong-token-0123456789abcdef' }));
      const { controller } = h.controller('unauthorised', { kubeConfig: wrong, leaderElection: { identity: 'unauthorised' } });
      await controller.start();
      await waitFor('an authorisation failure to be logged', () => h.logs.some((l) => l.startsWith('unauthorised') && l.includes('PERMISSION_DENIED')));
      await controller.stop();
      const everything = JSON.stringify([h.logs, h.server.list('events', NS), h.server.list('datajobs', NS)]);
      expect(everything).not.toContain(h.server.token);
      expect(everything).not.toContain('wrong-token-0123456789abcdef');
    });

    it('sent only valid objects (zero invalid requests recorded by the fake server, no field pruned from a DataJob)', () => {
      expect(h.server.invalidRequests).toEqual([]);
      expect(h.server.warnings).toEqual([]);
      // It did send plenty: status writes, finalizer updates, Events and Lease writes were all checked.
      expect(h.server.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/status')).length).toBeGreaterThan(10);
      expect(h.server.list('events', NS).length).toBeGreaterThan(10);
    });

    it('used only verbs the RBAC manifest grants (derived from the fake server request log)', () => {
      const used = new Set<string>();
      for (const r of h.server.requests) {
        const url = new URL(r.path, 'http://x');
        const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/[^/]+)?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(url.pathname);
        if (!m) continue;
        const [, group = '', resource, name, sub] = m;
        const watch = url.searchParams.get('watch') === 'true';
        const verb = {
          GET: watch ? 'watch' : name ? 'get' : 'list',
          POST: 'create',
          PUT: 'update',
          PATCH: 'patch',
          DELETE: name ? 'delete' : 'deletecollection',
        }[r.method]!;
        used.add(`${verb} ${group}/${resource}${sub ? `/${sub}` : ''}`);
      }
      // The test itself creates, deletes and edits DataJobs (as a user with kubectl would): those are not the controller's.
      const byTest = new Set(['create batch.mcp/datajobs', 'delete batch.mcp/datajobs']);
      const controllerUsed = [...used].filter((u) => !byTest.has(u));
      expect(controllerUsed).toEqual(
        expect.arrayContaining([
          'list batch.mcp/datajobs',
          'watch batch.mcp/datajobs',
          'update batch.mcp/datajobs',
          'update batch.mcp/datajobs/status',
          'create /events',
        ]),
      );
      for (const u of controllerUsed) {
        const [verb, path] = u.split(' ') as [string, string];
        const [group, ...rest] = path.split('/');
        expect(granted(verb, group!, rest.join('/')), u).toBe(true);
      }
    });
  });
});
