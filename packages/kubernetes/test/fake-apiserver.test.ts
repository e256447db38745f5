// One test per API-server behaviour the adapter and the controller rely on, each naming
// the Kubernetes convention it follows:
//   [concepts] https://kubernetes.io/docs/reference/using-api/api-concepts/
//   [conventions] https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md
//   [finalizers] https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/
//   [crd] https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/
import { KubernetesObjectApi, makeInformer, Observable, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeKubernetesApiServer, startFakeKubernetesApiServer } from '@polycloud/kubernetes/testing';
import { clients, collectWatch, DJ, dataJob, job, NS, statusOf, until } from './fake-apiserver-helpers.js';

let server: FakeKubernetesApiServer;
let k: ReturnType<typeof clients>;
beforeEach(async () => {
  // The simulated job controller acts only when a test says so (startJob / finishJob), so no status write races a test's own.
  server = await startFakeKubernetesApiServer({ token: 'fake-token-FAKESECRET-1234', bookmarkIntervalMs: 60_000, jobs: { startAfterMs: 3_600_000 } });
  k = clients(server);
});
afterEach(async () => {
  await server.close();
  // tests that send an invalid body on purpose clear what they sent; nothing else may be refused
  expect(server.invalidRequests).toEqual([]);
});

type Obj = { metadata: Record<string, unknown>; spec?: Record<string, unknown>; status?: Record<string, unknown> };
const getDataJob = async (name: string) => (await k.custom.getNamespacedCustomObject({ ...DJ, name })) as Obj;

describe('fake Kubernetes API server, driven by @kubernetes/client-node', () => {
  it('create sets uid, creationTimestamp, generation 1 and a resourceVersion from one cluster-wide counter ([concepts] Resource versions)', async () => {
    const a = await k.batch.createNamespacedJob({ namespace: NS, body: job('a') });
    const lease = await k.coordination.createNamespacedLease({ namespace: NS, body: { metadata: { name: 'l' }, spec: { holderIdentity: 'x' } } });
    const b = (await k.custom.createNamespacedCustomObject({ ...DJ, body: dataJob('b') })) as Obj;
    expect(a.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(a.metadata?.generation).toBe(1);
    const rvs = [a.metadata!.resourceVersion, lease.metadata!.resourceVersion, b.metadata['resourceVersion']].map(Number);
    expect(rvs[1]).toBeGreaterThan(rvs[0]!);
    expect(rvs[2]).toBeGreaterThan(rvs[1]!);
  });

  it("discovery: client-node's generic KubernetesObjectApi finds Jobs and DataJobs and creates / reads them ([concepts] Discovery API)", async () => {
    const objects = KubernetesObjectApi.makeApiClient(k.kc);
    await objects.create({ ...dataJob('generic'), metadata: { name: 'generic', namespace: NS } });
    await objects.create({ ...job('generic-job'), metadata: { name: 'generic-job', namespace: NS } });
    const read = await objects.read({ apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'generic', namespace: NS } });
    expect((read as { spec?: { image?: string } }).spec?.image).toBe('data-processor:v1');
    expect(server.get('jobs', NS, 'generic-job')).toBeDefined();
    expect(server.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(
      expect.arrayContaining(['GET /apis/batch.mcp/v1', 'GET /apis/batch/v1', 'POST /apis/batch.mcp/v1/namespaces/default/datajobs']),
    );
  });

  it('create of an existing name → 409 AlreadyExists Status ([conventions] HTTP status codes: 409 Conflict, reason AlreadyExists)', async () => {
    await k.batch.createNamespacedJob({ namespace: NS, body: job('dup') });
    const s = await statusOf(k.batch.createNamespacedJob({ namespace: NS, body: job('dup') }));
    expect([s.code, s.reason, s.message]).toEqual([409, 'AlreadyExists', 'jobs.batch "dup" already exists']);
  });

  it('get of a missing object → 404 NotFound Status with details ([conventions] Response Status Kind)', async () => {
    const s = await statusOf(k.batch.readNamespacedJob({ namespace: NS, name: 'nope' }));
    expect(s).toMatchObject({ code: 404, reason: 'NotFound', message: 'jobs.batch "nope" not found', details: { name: 'nope', group: 'batch', kind: 'jobs' } });
  });

  it('an update carrying a stale resourceVersion → 409 Conflict; the current one succeeds and bumps it ([conventions] Concurrency Control and Consistency)', async () => {
    const created = await k.coordination.createNamespacedLease({
      namespace: NS,
      body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } },
    });
    const renewed = await k.coordination.replaceNamespacedLease({
      namespace: NS,
      name: 'leader',
      body: { ...created, spec: { ...created.spec, holderIdentity: 'b' } },
    });
    expect(Number(renewed.metadata!.resourceVersion)).toBeGreaterThan(Number(created.metadata!.resourceVersion));
    const s = await statusOf(
      k.coordination.replaceNamespacedLease({ namespace: NS, name: 'leader', body: { ...created, spec: { ...created.spec, holderIdentity: 'c' } } }),
    );
    expect([s.code, s.reason]).toEqual([409, 'Conflict']);
    expect((await k.coordination.readNamespacedLease({ namespace: NS, name: 'leader' })).spec?.holderIdentity).toBe('b');
  });

  it('optimistic concurrency under contention: of concurrent read-modify-write loops each retrying on 409, no update is lost ([conventions] Concurrency Control and Consistency)', async () => {
    await k.coordination.createNamespacedLease({ namespace: NS, body: { metadata: { name: 'counter' }, spec: { leaseTransitions: 0 } } });
    const bump = async () => {
      for (;;) {
        const lease = await k.coordination.readNamespacedLease({ namespace: NS, name: 'counter' });
        lease.spec!.leaseTransitions = (lease.spec!.leaseTransitions ?? 0) + 1;
        try {
          await k.coordination.replaceNamespacedLease({ namespace: NS, name: 'counter', body: lease });
          return;
        } catch (e) {
          if ((e as { code?: number }).code !== 409) throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, () => Promise.all([bump(), bump()])));
    expect((await k.coordination.readNamespacedLease({ namespace: NS, name: 'counter' })).spec?.leaseTransitions).toBe(12);
  });

  it('custom resources refuse an update without a resourceVersion (422), as the real server does for CRs ([conventions] Concurrency Control and Consistency)', async () => {
    await k.custom.createNamespacedCustomObject({ ...DJ, body: dataJob('norv') });
    const s = await statusOf(k.custom.replaceNamespacedCustomObject({ ...DJ, name: 'norv', body: dataJob('norv') }));
    expect([s.code, s.reason, s.details?.causes?.[0]?.field]).toEqual([422, 'Invalid', 'metadata.resourceVersion']);
    (server.invalidRequests as unknown[]).length = 0;
  });

  it('status subresource: a write to the main resource ignores status, a write to /status ignores everything else; generation bumps on spec change only ([conventions] Spec and Status; [crd] Status subresource)', async () => {
    const created = (await k.custom.createNamespacedCustomObject({ ...DJ, body: { ...dataJob('st'), status: { phase: 'Faked' } } })) as Obj;
    expect(created.status).toBeUndefined();
    const withStatus = (await k.custom.replaceNamespacedCustomObjectStatus({
      ...DJ,
      name: 'st',
      body: { ...created, spec: { ...created.spec, image: 'ignored:v2' }, status: { phase: 'Running', observedGeneration: 1 } },
    })) as Obj;
    expect(withStatus.status).toEqual({ phase: 'Running', observedGeneration: 1 });
    expect(withStatus.spec?.['image']).toBe('data-processor:v1');
    expect(withStatus.metadata['generation']).toBe(1);
    const specChanged = (await k.custom.replaceNamespacedCustomObject({
      ...DJ,
      name: 'st',
      body: { ...withStatus, spec: { ...withStatus.spec, image: 'data-processor:v2' }, status: { phase: 'Ignored' } },
    })) as Obj;
    expect(specChanged.status).toEqual({ phase: 'Running', observedGeneration: 1 });
    expect(specChanged.metadata['generation']).toBe(2);
  });

  it('merge patch and JSON patch, with the content type client-node sends ([concepts] Patch operations)', async () => {
    await k.custom.createNamespacedCustomObject({ ...DJ, body: dataJob('p') });
    await k.custom.patchNamespacedCustomObject(
      { ...DJ, name: 'p', body: { metadata: { labels: { team: 'data' } }, spec: { retries: 2 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await k.custom.patchNamespacedCustomObjectStatus({ ...DJ, name: 'p', body: [{ op: 'add', path: '/status', value: { phase: 'Pending' } }] });
    const got = await getDataJob('p');
    expect([got.metadata['labels'], got.spec?.['retries'], got.status]).toEqual([{ team: 'data' }, 2, { phase: 'Pending' }]);
    expect(server.requests.filter((r) => r.method === 'PATCH').map((r) => r.contentType)).toEqual([
      'application/merge-patch+json',
      'application/json-patch+json',
    ]);
    const stale = await statusOf(
      k.custom.patchNamespacedCustomObject(
        { ...DJ, name: 'p', body: { metadata: { resourceVersion: '1' }, spec: { retries: 3 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(stale.code).toBe(409);
  });

  it('list filters by labelSelector and carries the list resourceVersion ([concepts] Efficient detection of changes; label selectors)', async () => {
    await k.batch.createNamespacedJob({ namespace: NS, body: job('x1', {}, { app: 'a', tier: 'batch' }) });
    await k.batch.createNamespacedJob({ namespace: NS, body: job('x2', {}, { app: 'b' }) });
    await k.batch.createNamespacedJob({ namespace: 'other', body: job('x3', {}, { app: 'a' }) });
    const names = async (labelSelector: string) => (await k.batch.listNamespacedJob({ namespace: NS, labelSelector })).items.map((j) => j.metadata?.name);
    expect(await names('app=a')).toEqual(['x1']);
    expect(await names('app in (a,b),!missing')).toEqual(['x1', 'x2']);
    expect(await names('app!=a')).toEqual(['x2']);
    const list = await k.batch.listNamespacedJob({ namespace: NS });
    expect(Number(list.metadata?.resourceVersion)).toBe(server.resourceVersion);
    expect((await k.batch.listJobForAllNamespaces({ labelSelector: 'app=a' })).items.map((j) => j.metadata?.namespace)).toEqual(['default', 'other']);
  });

  it('watch from a list resourceVersion delivers every later change in order; without one it starts with ADDED for what exists ([concepts] Efficient detection of changes, Semantics for watch)', async () => {
    await k.custom.createNamespacedCustomObject({ ...DJ, body: dataJob('w1') });
    const listed = (await k.custom.listNamespacedCustomObject({ ...DJ })) as { metadata: { resourceVersion: string } };
    const fromList = await collectWatch(k.watch, '/apis/batch.mcp/v1/namespaces/default/datajobs', { resourceVersion: listed.metadata.resourceVersion });
    const fresh = await collectWatch(k.watch, '/apis/batch.mcp/v1/namespaces/default/datajobs', {});
    await k.custom.createNamespacedCustomObject({ ...DJ, body: dataJob('w2') });
    await k.custom.patchNamespacedCustomObjectStatus({ ...DJ, name: 'w2', body: [{ op: 'add', path: '/status', value: { phase: 'Running' } }] });
    await k.custom.deleteNamespacedCustomObject({ ...DJ, name: 'w1' });
    await until(() => fromList.events.length >= 3 && fresh.events.length >= 4, 'watch events');
    const show = (e: { type: string; object: Record<string, unknown> }) => `${e.type} ${(e.object['metadata'] as { name: string }).name}`;
    expect(fromList.events.map(show)).toEqual(['ADDED w2', 'MODIFIED w2', 'DELETED w1']);
    expect(fresh.events.map(show)).toEqual(['ADDED w1', 'ADDED w2', 'MODIFIED w2', 'DELETED w1']);
    const rvs = fromList.events.map((e) => Number((e.object['metadata'] as { resourceVersion: string }).resourceVersion));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    fromList.stop();
    fresh.stop();
  });

  it("a watch with a labelSelector sees an object that starts matching as ADDED and one that stops matching as DELETED (the watch cache's filtering; [concepts] Efficient detection of changes)", async () => {
    await k.custom.createNamespacedCustomObject({ ...DJ, body: { ...dataJob('sel'), metadata: { name: 'sel', labels: { team: 'a' } } } });
    const w = await collectWatch(k.watch, '/apis/batch.mcp/v1/namespaces/default/datajobs', {
      labelSelector: 'team=b',
      resourceVersion: String(server.resourceVersion),
    });
    const relabel = (team: string) =>
      k.custom.patchNamespacedCustomObject(
        { ...DJ, name: 'sel', body: { metadata: { labels: { team } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await relabel('b');
    await relabel('b2');
    await until(() => w.events.length >= 2, 'two events');
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
    w.stop();
  });

  it('allowWatchBookmarks: BOOKMARK events carry the latest resourceVersion and nothing else ([concepts] Watch bookmarks)', async () => {
    const w = await collectWatch(k.watch, '/apis/batch/v1/namespaces/default/jobs', { allowWatchBookmarks: true });
    const plain = await collectWatch(k.watch, '/apis/batch/v1/namespaces/default/jobs', {});
    await until(() => server.openWatches === 2, 'two open watches');
    await k.batch.createNamespacedJob({ namespace: NS, body: job('bm') });
    server.sendBookmarks();
    await until(() => w.events.some((e) => e.type === 'BOOKMARK'), 'a bookmark');
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK')!;
    expect(bookmark.object).toEqual({ kind: 'Job', apiVersion: 'batch/v1', metadata: { resourceVersion: String(server.resourceVersion) } });
    expect(plain.events.map((e) => e.type)).not.toContain('BOOKMARK');
    w.stop();
    plain.stop();
  });

  it('410 Gone: a watch from a compacted resourceVersion gets an ERROR event with a 410 Expired Status, and expireWatches ends open watches so ([concepts] 410 Gone responses)', async () => {
    await k.batch.createNamespacedJob({ namespace: NS, body: job('g1') });
    const open = await collectWatch(k.watch, '/apis/batch/v1/namespaces/default/jobs', { resourceVersion: String(server.resourceVersion) });
    await until(() => server.openWatches === 1, 'an open watch');
    const old = String(server.resourceVersion);
    server.expireWatches();
    await open.done;
    expect(open.events.map((e) => [e.type, e.object['code'], e.object['reason']])).toEqual([['ERROR', 410, 'Expired']]);
    const again = await collectWatch(k.watch, '/apis/batch/v1/namespaces/default/jobs', { resourceVersion: String(Number(old) - 1) });
    await again.done;
    expect(again.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it("client-node's informer lists, watches, and after a 410 relists and carries on ([concepts] 410 Gone responses: clear the cache and relist)", async () => {
    await k.custom.createNamespacedCustomObject({ ...DJ, body: dataJob('inf1') });
    const informer = makeInformer(k.kc, '/apis/batch.mcp/v1/namespaces/default/datajobs', () => k.custom.listNamespacedCustomObject({ ...DJ }) as never);
    const seen: string[] = [];
    const errors: unknown[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('error', (e) => {
      errors.push(e);
      setTimeout(() => void informer.start(), 10); // what client-node's docs advise: restart after an error
    });
    await informer.start();
    await until(() => seen.includes('add inf1') && server.openWatches === 1, 'the informer to list and watch');
    server.expireWatches();
    await k.custom.createNamespacedCustomObject({ ...DJ, body: dataJob('inf2') });
    await until(() => seen.includes('add inf2') && informer.list().length === 2, 'the informer to relist after 410');
    expect(
      informer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['inf1', 'inf2']);
    await informer.stop();
  });

  it('finalizers: delete marks deletionTimestamp and keeps the object; removing the last finalizer deletes it with a DELETED event ([finalizers]; [conventions] Metadata)', async () => {
    await k.custom.createNamespacedCustomObject({ ...DJ, body: { ...dataJob('fin'), metadata: { name: 'fin', finalizers: ['batch.mcp/cleanup'] } } });
    const w = await collectWatch(k.watch, '/apis/batch.mcp/v1/namespaces/default/datajobs', { resourceVersion: String(server.resourceVersion) });
    await k.custom.deleteNamespacedCustomObject({ ...DJ, name: 'fin' });
    const marked = await getDataJob('fin');
    expect(marked.metadata['deletionTimestamp']).toEqual(expect.any(String));
    const addFinalizer = await statusOf(
      k.custom.patchNamespacedCustomObject(
        { ...DJ, name: 'fin', body: { metadata: { finalizers: ['batch.mcp/cleanup', 'x/y'] } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(addFinalizer.code).toBe(422);
    await k.custom.patchNamespacedCustomObject({ ...DJ, name: 'fin', body: [{ op: 'remove', path: '/metadata/finalizers' }] });
    expect((await statusOf(getDataJob('fin'))).code).toBe(404);
    await until(() => w.events.some((e) => e.type === 'DELETED'), 'the DELETED event');
    expect(w.events.map((e) => e.type)).toEqual(['MODIFIED', 'MODIFIED', 'DELETED']);
    (server.invalidRequests as unknown[]).length = 0; // the refused finalizer above was this test's own doing
    w.stop();
  });

  it('core/v1 Events are stored and listed as kubectl describe reads them: fieldSelector on involvedObject ([concepts] Field selectors)', async () => {
    const dj = (await k.custom.createNamespacedCustomObject({ ...DJ, body: dataJob('ev') })) as Obj;
    await k.core.createNamespacedEvent({
      namespace: NS,
      body: {
        metadata: { name: 'ev.1' },
        involvedObject: { apiVersion: 'batch.mcp/v1', kind: 'DataJob', name: 'ev', namespace: NS, uid: String(dj.metadata['uid']) },
        reason: 'Routed',
        message: 'dispatched to CLOUD_A',
        type: 'Normal',
        source: { component: 'polycloud-controller' },
      },
    });
    await k.core.createNamespacedEvent({
      namespace: NS,
      body: { metadata: { name: 'other.1' }, involvedObject: { kind: 'Job', name: 'other', namespace: NS }, reason: 'Created', message: 'x', type: 'Normal' },
    });
    const fieldSelector = `involvedObject.name=ev,involvedObject.namespace=${NS},involvedObject.uid=${String(dj.metadata['uid'])}`;
    const events = await k.core.listNamespacedEvent({ namespace: NS, fieldSelector });
    expect(events.items.map((e) => [e.reason, e.involvedObject.name])).toEqual([['Routed', 'ev']]);
    expect((await k.core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.kind!=DataJob' })).items.map((e) => e.metadata?.name)).toEqual([
      'other.1',
    ]);
  });

  it('every body is validated: an invalid Job, Lease or Event → 422 Invalid with causes naming the field, and is recorded ([conventions] HTTP status codes: 422)', async () => {
    const bad = job('bad', { backoffLimit: 'six' as never });
    (bad.spec!.template.spec as { restartPolicy: string }).restartPolicy = 'Always';
    const s = await statusOf(k.batch.createNamespacedJob({ namespace: NS, body: bad }));
    expect([s.code, s.reason]).toEqual([422, 'Invalid']);
    expect(s.details?.causes?.map((c) => c.field).sort()).toEqual(['spec.backoffLimit', 'spec.template.spec.restartPolicy']);
    const lease = await statusOf(
      k.coordination.createNamespacedLease({ namespace: NS, body: { metadata: { name: 'l' }, spec: { leaseDurationSeconds: 'x' as never } } }),
    );
    expect(lease.details?.causes?.map((c) => c.field)).toEqual(['spec.leaseDurationSeconds']);
    const labels = await statusOf(k.batch.createNamespacedJob({ namespace: NS, body: job('lbl', {}, { 'polycloud/tag': 'not a valid label value!' }) }));
    expect(labels.details?.causes?.map((c) => c.field)).toEqual(['metadata.labels']);
    expect(server.invalidRequests.map((r) => [r.kind, r.name])).toEqual([
      ['Job', 'bad'],
      ['Lease', 'l'],
      ['Job', 'lbl'],
    ]);
    (server.invalidRequests as unknown[]).length = 0;
  });

  it("DataJobs are validated against the CRD's own schema (422 with the field path), and unknown fields are pruned with a warning ([crd] Validation, Field pruning)", async () => {
    const s = await statusOf(k.custom.createNamespacedCustomObject({ ...DJ, body: dataJob('djbad', { retries: 12, resources: { cpu: 0.5 } }) }));
    expect(s.code).toBe(422);
    expect(s.details?.causes?.map((c) => c.field)).toEqual(['spec.resources.cpu', 'spec.retries']);
    expect(s.message).toContain('spec.retries: Invalid value: 12: spec.retries in body should be less than or equal to 9');
    (server.invalidRequests as unknown[]).length = 0;
    const ok = (await k.custom.createNamespacedCustomObject({ ...DJ, body: dataJob('djextra', { imagePullPolicy: 'Always' }) })) as Obj;
    expect(ok.spec?.['imagePullPolicy']).toBeUndefined();
    expect(server.warnings).toEqual(['unknown field "spec.imagePullPolicy"']);
  });

  it("built-in kinds: unknown fields are dropped with a warning, as with the server's default field validation (Warn) ([concepts] Field validation)", async () => {
    // client-node serializes through its typed models, which drop unknown fields before sending: a raw request shows the server side.
    const body = { ...job('typo'), extra: 1 } as Record<string, unknown> & ReturnType<typeof job>;
    (body.spec as unknown as Record<string, unknown>)['activeDeadline'] = 5;
    (body.spec!.template.spec!.containers[0] as unknown as Record<string, unknown>)['imagePullPolicyy'] = 'Always';
    const raw = await fetch(`${server.url}/apis/batch/v1/namespaces/default/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(raw.status).toBe(201);
    expect(raw.headers.get('warning')).toContain('299 - "unknown field \\"spec.activeDeadline\\""');
    const stored = server.get('jobs', NS, 'typo') as unknown as Record<string, unknown> & {
      spec: Record<string, unknown> & { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    expect([stored['extra'], stored.spec['activeDeadline'], stored.spec.template.spec.containers[0]!['imagePullPolicyy']]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect([...server.warnings].sort()).toEqual([
      'unknown field "extra"',
      'unknown field "spec.activeDeadline"',
      'unknown field "spec.template.spec.containers[0].imagePullPolicyy"',
    ]);
  });

  it('job runner: a Job becomes active, then Complete with succeeded / startTime / completionTime; a failing one Failed with BackoffLimitExceeded (batch/v1 Job status)', async () => {
    await k.batch.createNamespacedJob({ namespace: NS, body: job('ok') });
    await k.batch.createNamespacedJob({ namespace: NS, body: job('ko', { backoffLimit: 2 }) });
    expect(server.startJob(NS, 'ok')).toBe(true);
    expect((await k.batch.readNamespacedJob({ namespace: NS, name: 'ok' })).status?.active).toBe(1);
    expect(server.finishJob(NS, 'ok', { exitCode: 0 })).toBe(true);
    expect(server.finishJob(NS, 'ko', { exitCode: 3 })).toBe(true);
    const ok = await k.batch.readNamespacedJob({ namespace: NS, name: 'ok' });
    expect([ok.status?.succeeded, ok.status?.active, ok.status?.startTime instanceof Date, ok.status?.completionTime instanceof Date]).toEqual([
      1,
      0,
      true,
      true,
    ]);
    expect(ok.status?.conditions?.find((c) => c.type === 'Complete')?.status).toBe('True');
    const ko = await k.batch.readNamespacedJob({ namespace: NS, name: 'ko' });
    expect([ko.status?.failed, ko.status?.conditions?.find((c) => c.type === 'Failed')?.reason]).toEqual([3, 'BackoffLimitExceeded']);
    const pods = await k.core.listNamespacedPod({ namespace: NS, labelSelector: 'batch.kubernetes.io/job-name=ko' });
    expect(pods.items[0]?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
    expect(server.finishJob(NS, 'ok', { exitCode: 1 })).toBe(false);
  });

  it('job runner: automatic completion after a delay, activeDeadlineSeconds → Failed DeadlineExceeded, suspend → Suspended (batch/v1 Job)', async () => {
    const auto = await startFakeKubernetesApiServer({ jobs: { startAfterMs: 5, completeAfterMs: 30 } });
    try {
      const a = clients(auto);
      await a.batch.createNamespacedJob({ namespace: NS, body: job('auto') });
      await until(async () => (await a.batch.readNamespacedJob({ namespace: NS, name: 'auto' })).status?.succeeded === 1, 'automatic completion');
    } finally {
      await auto.close();
    }
    await k.batch.createNamespacedJob({ namespace: NS, body: job('slow', { activeDeadlineSeconds: 1 }) });
    server.startJob(NS, 'slow');
    await until(
      async () => (await k.batch.readNamespacedJob({ namespace: NS, name: 'slow' })).status?.conditions?.some((c) => c.type === 'Failed') ?? false,
      'the deadline',
    );
    expect((await k.batch.readNamespacedJob({ namespace: NS, name: 'slow' })).status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe(
      'DeadlineExceeded',
    );
    await k.batch.createNamespacedJob({ namespace: NS, body: job('susp') });
    server.startJob(NS, 'susp');
    await k.batch.patchNamespacedJob(
      { namespace: NS, name: 'susp', body: { spec: { suspend: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const s = await k.batch.readNamespacedJob({ namespace: NS, name: 'susp' });
    expect([s.status?.active, s.status?.conditions?.find((c) => c.type === 'Suspended')?.reason]).toEqual([0, 'JobSuspended']);
    expect(server.finishJob(NS, 'susp', { exitCode: 0 })).toBe(false);
  });

  it("DELETE: DeleteOptions are validated, preconditions are checked (409), Background propagation removes the Job's pods ([conventions] Concurrency Control; [concepts] Garbage collection / cascading deletion)", async () => {
    await k.batch.createNamespacedJob({ namespace: NS, body: job('del') });
    server.startJob(NS, 'del');
    expect(server.list('pods', NS)).toHaveLength(1);
    const bad = await statusOf(k.batch.deleteNamespacedJob({ namespace: NS, name: 'del', propagationPolicy: 'Sideways' }));
    expect([bad.code, bad.details?.causes?.[0]?.field]).toEqual([422, 'propagationPolicy']);
    const stale = await statusOf(k.batch.deleteNamespacedJob({ namespace: NS, name: 'del', body: { preconditions: { resourceVersion: '1' } } }));
    expect([stale.code, stale.reason]).toEqual([409, 'Conflict']);
    await k.batch.deleteNamespacedJob({ namespace: NS, name: 'del', propagationPolicy: 'Background' });
    expect((await statusOf(k.batch.readNamespacedJob({ namespace: NS, name: 'del' }))).code).toBe(404);
    expect(server.list('pods', NS)).toEqual([]);
    expect(server.invalidRequests.map((r) => r.kind)).toEqual(['DeleteOptions']);
    (server.invalidRequests as unknown[]).length = 0;
  });

  it("a Job's pod template is immutable: an update that changes it → 422 field is immutable (batch/v1 Job validation)", async () => {
    await k.batch.createNamespacedJob({ namespace: NS, body: job('imm') });
    const changed = await k.batch.readNamespacedJob({ namespace: NS, name: 'imm' });
    changed.spec!.template.spec!.containers[0]!.image = 'busybox:1.37';
    const s = await statusOf(k.batch.replaceNamespacedJob({ namespace: NS, name: 'imm', body: changed }));
    expect([s.code, s.details?.causes?.map((c) => c.field)]).toEqual([422, ['spec.template']]);
    const suspended = await k.batch.patchNamespacedJob(
      { namespace: NS, name: 'imm', body: { spec: { suspend: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(suspended.spec?.suspend).toBe(true);
    (server.invalidRequests as unknown[]).length = 0;
  });

  it('with `namespaces`, a create in a namespace that does not exist → 404 namespaces "x" not found (as on a real cluster)', async () => {
    const strict = await startFakeKubernetesApiServer({ namespaces: ['default'] });
    try {
      const s = await statusOf(clients(strict).batch.createNamespacedJob({ namespace: 'nope', body: job('n') }));
      expect([s.code, s.reason, s.message]).toEqual([404, 'NotFound', 'namespaces "nope" not found']);
      await clients(strict).batch.createNamespacedJob({ namespace: 'default', body: job('n') });
    } finally {
      await strict.close();
    }
  });

  it('ResourceQuota: a create beyond the quota → 403 Forbidden "exceeded quota: …" (admission, as the real server answers)', async () => {
    server.setQuota('jobs', 1);
    await k.batch.createNamespacedJob({ namespace: NS, body: job('q1') });
    const s = await statusOf(k.batch.createNamespacedJob({ namespace: NS, body: job('q2') }));
    expect([s.code, s.reason]).toEqual([403, 'Forbidden']);
    expect(s.message).toMatch(
      /^jobs\.batch "q2" is forbidden: exceeded quota: polycloud-quota, requested: count\/jobs\.batch=1, used: count\/jobs\.batch=1, limited: count\/jobs\.batch=1$/,
    );
  });

  it('bearer token: without it every request is 401, and the token never appears in any answer ([concepts] authentication)', async () => {
    const anon = clients(server, { token: null });
    const s = await statusOf(anon.batch.listNamespacedJob({ namespace: NS }));
    expect(s.code).toBe(401);
    const wrong = clients(server, { token: 'wrong' });
    expect((await statusOf(wrong.batch.listNamespacedJob({ namespace: NS }))).code).toBe(401);
    const raw = await fetch(`${server.url}/apis/batch/v1/namespaces/default/jobs/none`, { headers: { authorization: `Bearer ${server.token}` } });
    const text = await raw.text();
    expect(raw.status).toBe(404);
    expect(text).not.toContain('FAKESECRET');
    expect(JSON.stringify(server.requests)).not.toContain('FAKESECRET');
  });

  it("faults: failNext answers 500 then recovers; hangNext never answers, so only the caller's AbortSignal ends the call", async () => {
    server.failNext(1, { match: { resource: 'jobs', method: 'GET' } });
    expect((await statusOf(k.batch.listNamespacedJob({ namespace: NS }))).code).toBe(500);
    expect((await k.batch.listNamespacedJob({ namespace: NS })).items).toEqual([]);
    server.hangNext(1);
    const controller = new AbortController();
    const started = Date.now();
    const call = k.batch.listNamespacedJob(
      { namespace: NS },
      {
        middleware: [
          { pre: (ctx) => (ctx.setSignal(controller.signal), new Observable(Promise.resolve(ctx))), post: (r) => new Observable(Promise.resolve(r)) },
        ],
        middlewareMergeStrategy: 'append',
      },
    );
    setTimeout(() => controller.abort(), 100);
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
