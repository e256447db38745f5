import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FakeKubernetesApiServer, FakeKubernetesApiServerOptions, FakeRequestMatch, InvalidRequest, RecordedRequest } from './api.js';
import { discoveryDocument } from './discovery.js';
import { defaultJob } from './job-defaults.js';
import { FakeJobRunner } from './job-runner.js';
import { kubeconfigObject, kubeconfigYaml } from './kubeconfig.js';
import { applyPatch } from './patch.js';
import { type ParsedPath, parsePath, qualifiedName, RESOURCE_TYPES, type ResourceType, apiVersionOf } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selector.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  gone,
  internalError,
  invalid,
  type KubeStatus,
  methodNotAllowed,
  notFound,
  pageNotFound,
  StatusError,
  unauthorized,
} from './status.js';
import { type KubeObject, newObjectFor, ObjectStore, type StoredEvent } from './store.js';

export type { FakeKubernetesApiServer, FakeKubernetesApiServerOptions, FakeRequestMatch, InvalidRequest, RecordedRequest } from './api.js';
import { jobImmutableCauses, validateDeleteOptions, validateObject } from './validate.js';

interface Fault {
  kind: 'fail' | 'hang';
  remaining: number;
  match: FakeRequestMatch;
  status?: number;
  reason?: string;
  message?: string;
}

interface OpenWatch {
  type: ResourceType;
  bookmarks: boolean;
  send(line: object): void;
  end(): void;
}

const MAX_BODY = 3 * 1024 * 1024;
const typeByPlural = (plural: string) => {
  const t = RESOURCE_TYPES.find((r) => r.plural === plural);
  if (!t) throw new Error(`fake API server: no resource ${plural} (one of ${RESOURCE_TYPES.map((r) => r.plural).join(', ')})`);
  return t;
};
const labelsOf = (o: KubeObject | undefined) => (o?.metadata['labels'] ?? {}) as Record<string, string>;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Starts a fake Kubernetes API server on 127.0.0.1 that follows the real server's
 * semantics for the subset polycloud uses (see packages/kubernetes/README.md): CRUD,
 * list and watch of batch/v1 Jobs, batch.mcp/v1 DataJobs (with the status subresource),
 * coordination.k8s.io/v1 Leases and core/v1 Events (and read-only Pods the simulated
 * job controller makes), validating every body it receives.
 */
export async function startFakeKubernetesApiServer(options: FakeKubernetesApiServerOptions = {}): Promise<FakeKubernetesApiServer> {
  const token = options.token ?? `fake-${randomBytes(16).toString('hex')}`;
  const namespace = options.namespace ?? 'default';
  const store = new ObjectStore(options.historyLimit);
  const runner = new FakeJobRunner(store, options.jobs);
  const requests: RecordedRequest[] = [];
  const invalidRequests: InvalidRequest[] = [];
  const warnings: string[] = [];
  const faults: Fault[] = [];
  const quotas = new Map<string, number>();
  const watches = new Set<OpenWatch>();
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const sendStatus = (res: ServerResponse, s: KubeStatus) => send(res, s.code, s);

  const matches = (m: FakeRequestMatch, method: string, parsed: ParsedPath | undefined, watch: boolean) =>
    (m.method === undefined || m.method.toUpperCase() === method) &&
    (m.resource === undefined || parsed?.type.plural === m.resource) &&
    (m.subresource === undefined || parsed?.subresource === m.subresource) &&
    (m.watch === undefined || m.watch === watch);

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw new StatusError({ ...badRequest('request entity too large').status, code: 413, reason: 'RequestEntityTooLarge' });
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw badRequest('the body of the request could not be decoded as JSON');
    }
  }

  function requireObject(body: unknown): KubeObject {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body of the request must be a JSON object');
    const o = body as KubeObject;
    if (typeof o.metadata !== 'object' || o.metadata === null) o.metadata = {};
    return o;
  }

  async function validateOrThrow(method: string, path: string, type: ResourceType, obj: KubeObject, body: unknown): Promise<void> {
    const { causes, unknown } = await validateObject(type, obj);
    warnings.push(...unknown.map((f) => `unknown field "${f}"`));
    if (causes.length) {
      const name = String(obj.metadata['name'] ?? '');
      invalidRequests.push({ method, path, kind: type.kind, name, causes, body });
      throw invalid(type, name, causes);
    }
  }

  // ---- watches ----
  function watchEventFor(e: StoredEvent, t: ResourceType, ns: string | undefined, selector: (o: KubeObject) => boolean) {
    if (e.resource !== t) return undefined;
    if (ns !== undefined && e.object.metadata['namespace'] !== ns) return undefined;
    const now = selector(e.object);
    if (e.type === 'MODIFIED' && e.previous) {
      const before = selector(e.previous);
      if (before && !now) return { type: 'DELETED', object: e.object };
      if (!before && now) return { type: 'ADDED', object: e.object };
    }
    return now ? { type: e.type, object: e.object } : undefined;
  }

  function serveWatch(req: IncomingMessage, res: ServerResponse, parsed: ParsedPath, query: URLSearchParams) {
    const t = parsed.type;
    const ns = parsed.namespace;
    const labels = parseLabelSelector(query.get('labelSelector'));
    const fields = parseFieldSelector(query.get('fieldSelector'));
    const selector = (o: KubeObject) => labels(labelsOf(o)) && fields(o);
    const rvParam = query.get('resourceVersion');
    if (rvParam && !/^\d+$/.test(rvParam)) throw badRequest(`resourceVersion: Invalid value: ${JSON.stringify(rvParam)}: must be a non-negative integer`);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const line = (o: object) => {
      if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify(o)}\n`);
    };
    let backlog: object[];
    if (!rvParam || rvParam === '0') {
      // "Get State and Start at Most Recent": synthetic ADDED for every object, then changes.
      backlog = store
        .list(t, ns)
        .filter((o) => selector(o))
        .map((object) => ({ type: 'ADDED', object }));
    } else {
      const events = store.since(Number(rvParam));
      if (!events) {
        line({ type: 'ERROR', object: gone(`too old resource version: ${rvParam} (${store.compactedRv})`).status });
        res.end();
        return;
      }
      backlog = events.flatMap((e) => watchEventFor(e, t, ns, selector) ?? []);
    }
    for (const e of backlog) line(e);
    const w: OpenWatch = {
      type: t,
      bookmarks: query.get('allowWatchBookmarks') === 'true' || query.get('allowWatchBookmarks') === '1',
      send: line,
      end: () => res.end(),
    };
    const unsubscribe = store.subscribe((e) => {
      const out = watchEventFor(e, t, ns, selector);
      if (out) line(out);
    });
    const bookmark = w.bookmarks ? setInterval(() => sendBookmark(w), options.bookmarkIntervalMs ?? 1000) : undefined;
    const timeoutSeconds = Number(query.get('timeoutSeconds'));
    const timeout = timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined;
    watches.add(w);
    const stop = () => {
      watches.delete(w);
      unsubscribe();
      if (bookmark) clearInterval(bookmark);
      if (timeout) clearTimeout(timeout);
    };
    res.on('close', stop);
    req.on('close', stop);
  }

  function sendBookmark(w: OpenWatch) {
    w.send({ type: 'BOOKMARK', object: { kind: w.type.kind, apiVersion: apiVersionOf(w.type), metadata: { resourceVersion: String(store.rv) } } });
  }

  // ---- reads ----
  function serveList(res: ServerResponse, parsed: ParsedPath, query: URLSearchParams) {
    const selector = parseLabelSelector(query.get('labelSelector'));
    const fields = parseFieldSelector(query.get('fieldSelector'));
    let items = store.list(parsed.type, parsed.namespace).filter((o) => selector(labelsOf(o)) && fields(o));
    const offset = query.get('continue') ? Number(Buffer.from(query.get('continue')!, 'base64url').toString()) : 0;
    const limit = Number(query.get('limit')) || 0;
    const total = items.length;
    items = items.slice(offset, limit > 0 ? offset + limit : undefined);
    const next = limit > 0 && offset + limit < total ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
    send(res, 200, {
      kind: `${parsed.type.kind}List`,
      apiVersion: apiVersionOf(parsed.type),
      metadata: { resourceVersion: String(store.rv), ...(next ? { continue: next, remainingItemCount: total - offset - limit } : {}) },
      items,
    });
  }

  // ---- writes ----
  async function create(method: string, path: string, res: ServerResponse, parsed: ParsedPath, body: unknown) {
    const t = parsed.type;
    if (parsed.name || t.readOnly) throw methodNotAllowed();
    const ns = parsed.namespace;
    if (!ns) throw badRequest('the namespace of the object must be given in the request path');
    if (options.namespaces && !options.namespaces.includes(ns)) {
      throw new StatusError({ ...notFound(t, ns).status, message: `namespaces "${ns}" not found`, details: { name: ns, kind: 'namespaces' } });
    }
    const obj = newObjectFor(t, requireObject(body));
    const given = requireObject(body);
    if ((given['apiVersion'] !== undefined && given['apiVersion'] !== apiVersionOf(t)) || (given['kind'] !== undefined && given['kind'] !== t.kind)) {
      throw badRequest(`the API version in the data (${String(given['apiVersion'])}) does not match the expected API version (${apiVersionOf(t)})`);
    }
    const meta = obj.metadata;
    if (meta['namespace'] !== undefined && meta['namespace'] !== ns)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    if (meta['resourceVersion']) throw badRequest('resourceVersion should not be set on objects to be created');
    if (!meta['name'] && typeof meta['generateName'] === 'string') meta['name'] = `${meta['generateName']}${randomBytes(4).toString('hex').slice(0, 5)}`;
    for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'managedFields']) delete meta[k];
    meta['namespace'] = ns;
    if (t.statusSubresource) delete obj['status'];
    if (t.kind === 'Job') defaultJob(obj);
    await validateOrThrow(method, path, t, obj, body);
    const limit = quotas.get(t.plural);
    if (limit !== undefined) {
      const used = store.list(t, ns).length;
      if (used >= limit) {
        const what = `count/${qualifiedName(t)}`;
        throw forbidden(t, String(meta['name']), `exceeded quota: polycloud-quota, requested: ${what}=1, used: ${what}=${used}, limited: ${what}=${limit}`);
      }
    }
    if (store.get(t, ns, String(meta['name']))) throw alreadyExists(t, String(meta['name']));
    const created = store.create(t, obj);
    if (t.kind === 'Job') runner.onCreated(created);
    send(res, 201, created, warningHeaders());
  }

  let pendingWarnings = 0;
  function warningHeaders(): Record<string, string> {
    const fresh = warnings.slice(pendingWarnings);
    pendingWarnings = warnings.length;
    return fresh.length ? { Warning: fresh.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') } : {};
  }

  /** PUT and PATCH: the new object for the main resource or the status subresource, then the shared update rules. */
  async function update(method: string, path: string, res: ServerResponse, parsed: ParsedPath, body: unknown, contentType: string) {
    const t = parsed.type;
    if (!parsed.name || !parsed.namespace || t.readOnly) throw methodNotAllowed();
    if (parsed.subresource && (parsed.subresource !== 'status' || !t.statusSubresource)) throw pageNotFound();
    const old = store.get(t, parsed.namespace, parsed.name);
    if (!old) throw notFound(t, parsed.name);
    const candidate = method === 'PATCH' ? requireObject(applyPatch(contentType, old, body)) : requireObject(body);
    if (candidate.metadata['name'] !== undefined && candidate.metadata['name'] !== parsed.name) {
      throw badRequest('the name of the object does not match the name on the URL');
    }
    const givenRv = candidate.metadata['resourceVersion'];
    if (givenRv !== undefined && givenRv !== '' && String(givenRv) !== old.metadata['resourceVersion']) throw conflict(t, parsed.name);
    if ((givenRv === undefined || givenRv === '') && method === 'PUT' && !t.allowUnconditionalUpdate) {
      const cause = { reason: 'FieldValueInvalid', message: 'Invalid value: 0x0: must be specified for an update', field: 'metadata.resourceVersion' };
      invalidRequests.push({ method, path, kind: t.kind, name: parsed.name, causes: [cause], body });
      throw invalid(t, parsed.name, [cause]);
    }
    let next: KubeObject;
    if (parsed.subresource === 'status') {
      // The status subresource ignores everything but status.
      next = { ...structuredClone(old), status: candidate['status'] };
      if (candidate['status'] === undefined) delete next['status'];
    } else {
      next = newObjectFor(t, candidate);
      if (t.statusSubresource) {
        if (old['status'] === undefined) delete next['status'];
        else next['status'] = old['status'];
      }
      const keep = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace', 'name'];
      next.metadata = { ...candidate.metadata, ...Object.fromEntries(keep.filter((k) => old.metadata[k] !== undefined).map((k) => [k, old.metadata[k]])) };
      for (const k of keep) if (old.metadata[k] === undefined) delete next.metadata[k];
      if (t.statusSubresource && !same(old['spec'], next['spec'])) next.metadata['generation'] = Number(old.metadata['generation'] ?? 1) + 1;
      const before = new Set((old.metadata['finalizers'] as string[] | undefined) ?? []);
      const added = ((next.metadata['finalizers'] as string[] | undefined) ?? []).filter((f) => !before.has(f));
      if (old.metadata['deletionTimestamp'] && added.length) {
        const cause = {
          reason: 'FieldValueForbidden',
          message: 'Forbidden: no new finalizers can be added if the object is being deleted',
          field: 'metadata.finalizers',
        };
        invalidRequests.push({ method, path, kind: t.kind, name: parsed.name, causes: [cause], body });
        throw invalid(t, parsed.name, [cause]);
      }
    }
    next.metadata['resourceVersion'] = old.metadata['resourceVersion'];
    if (t.kind === 'Job' && parsed.subresource !== 'status') {
      const immutable = jobImmutableCauses(old, next);
      if (immutable.length) {
        invalidRequests.push({ method, path, kind: t.kind, name: parsed.name, causes: immutable, body });
        throw invalid(t, parsed.name, immutable);
      }
    }
    await validateOrThrow(method, path, t, next, body);
    if (same(next, old)) return send(res, 200, old, warningHeaders()); // a no-op write does not bump the resourceVersion
    let stored = store.update(t, next, old);
    if (t.kind === 'Job') runner.onUpdated(old, stored);
    if (stored.metadata['deletionTimestamp'] && !((stored.metadata['finalizers'] as string[] | undefined) ?? []).length) {
      store.remove(t, stored);
      if (t.kind === 'Job') runner.onDeleted(stored, undefined);
      stored = { ...stored };
    }
    send(res, 200, stored, warningHeaders());
  }

  async function remove(path: string, res: ServerResponse, parsed: ParsedPath, query: URLSearchParams, body: unknown) {
    const t = parsed.type;
    if (!parsed.name || !parsed.namespace || parsed.subresource || t.readOnly) throw methodNotAllowed();
    const optionCauses = validateDeleteOptions(body);
    const queryPolicy = query.get('propagationPolicy');
    if (queryPolicy !== null && !['Orphan', 'Background', 'Foreground'].includes(queryPolicy))
      optionCauses.push(...validateDeleteOptions({ propagationPolicy: queryPolicy }));
    if (optionCauses.length) {
      invalidRequests.push({ method: 'DELETE', path, kind: 'DeleteOptions', name: parsed.name, causes: optionCauses, body });
      throw new StatusError({
        ...invalid(t, parsed.name, optionCauses).status,
        details: { name: parsed.name, group: t.group, kind: 'DeleteOptions', causes: optionCauses },
      });
    }
    const old = store.get(t, parsed.namespace, parsed.name);
    if (!old) throw notFound(t, parsed.name);
    const opts = (typeof body === 'object' && body !== null ? body : {}) as {
      propagationPolicy?: string;
      preconditions?: { uid?: string; resourceVersion?: string };
    };
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== old.metadata['uid']) {
      throw new StatusError({
        ...conflict(t, parsed.name).status,
        message: `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(old.metadata['uid'])}`,
      });
    }
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata['resourceVersion']) {
      throw new StatusError({
        ...conflict(t, parsed.name).status,
        message: `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(old.metadata['resourceVersion'])}`,
      });
    }
    const policy = opts.propagationPolicy ?? query.get('propagationPolicy') ?? undefined;
    if (((old.metadata['finalizers'] as string[] | undefined) ?? []).length) {
      // Graceful deletion: the object stays, marked, until its finalizers are removed.
      if (old.metadata['deletionTimestamp']) return send(res, 200, old);
      const marked = structuredClone(old);
      marked.metadata['deletionTimestamp'] = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      marked.metadata['deletionGracePeriodSeconds'] = 0;
      return send(res, 200, store.update(t, marked, old));
    }
    store.remove(t, old);
    if (t.kind === 'Job') runner.onDeleted(old, policy);
    send(res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: parsed.name, group: t.group, kind: t.plural, uid: old.metadata['uid'] },
    });
  }

  // ---- the HTTP server ----
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = `${url.pathname}${url.search}`;
    const contentType = req.headers['content-type'];
    res.on('close', () => requests.push({ method, path, status: res.statusCode, ...(contentType ? { contentType } : {}) }));
    if (req.headers.authorization !== `Bearer ${token}`) return sendStatus(res, unauthorized().status);
    const parsed = parsePath(url.pathname);
    const watch = method === 'GET' && (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1');
    const fault = faults.find((f) => f.remaining > 0 && matches(f.match, method, parsed, watch));
    if (fault) {
      fault.remaining--;
      if (fault.kind === 'hang') {
        hung.add(res);
        res.on('close', () => hung.delete(res));
        return;
      }
      const code = fault.status ?? 500;
      return sendStatus(res, {
        ...internalError(fault.message ?? 'injected fault').status,
        code,
        reason: fault.reason ?? (code === 500 ? 'InternalError' : 'ServiceUnavailable'),
      });
    }
    if (url.pathname === '/readyz' || url.pathname === '/livez' || url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return res.end('ok');
    }
    if (url.pathname === '/version') return send(res, 200, { major: '1', minor: '33', gitVersion: 'v1.33.0-polycloud-fake', platform: 'linux/amd64' });
    if (!parsed) {
      const discovery = method === 'GET' ? discoveryDocument(url.pathname) : undefined;
      return discovery ? send(res, 200, discovery) : sendStatus(res, pageNotFound().status);
    }
    try {
      switch (method) {
        case 'GET':
          if (watch) return serveWatch(req, res, parsed, url.searchParams);
          if (parsed.name) {
            if (parsed.subresource && parsed.subresource !== 'status') throw pageNotFound();
            const o = parsed.namespace ? store.get(parsed.type, parsed.namespace, parsed.name) : undefined;
            if (!o) throw notFound(parsed.type, parsed.name);
            return send(res, 200, o);
          }
          return serveList(res, parsed, url.searchParams);
        case 'POST':
          return await create(method, path, res, parsed, await readBody(req));
        case 'PUT':
          return await update(method, path, res, parsed, await readBody(req), 'application/json');
        case 'PATCH':
          return await update(method, path, res, parsed, await readBody(req), contentType ?? '');
        case 'DELETE':
          return await remove(path, res, parsed, url.searchParams, await readBody(req));
        default:
          throw methodNotAllowed();
      }
    } catch (e) {
      if (e instanceof StatusError) return sendStatus(res, e.status);
      return sendStatus(res, internalError(e instanceof Error ? e.message : String(e)).status);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendStatus(res, internalError(String(e)).status);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokenFor = (o: { token?: string | null } = {}) => (o.token === null ? undefined : (o.token ?? token));

  return {
    url,
    token,
    namespace,
    kubeconfig: (o = {}) => kubeconfigObject(url, tokenFor(o), o.namespace ?? namespace),
    kubeconfigYaml: (o = {}) => kubeconfigYaml(url, tokenFor(o), o.namespace ?? namespace),
    requests,
    invalidRequests,
    warnings,
    get: (resource, ns, name) => store.get(typeByPlural(resource), ns, name),
    list: (resource, ns) => store.list(typeByPlural(resource), ns),
    get resourceVersion() {
      return store.rv;
    },
    startJob: (ns, name) => runner.start(ns, name),
    finishJob(ns, name, outcome = {}) {
      runner.start(ns, name);
      return runner.finish(ns, name, { exitCode: outcome.exitCode ?? 0, ...(outcome.message ? { message: outcome.message } : {}) });
    },
    failNext(count, o = {}) {
      faults.push({
        kind: 'fail',
        remaining: count,
        match: o.match ?? {},
        ...(o.status ? { status: o.status } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
        ...(o.message ? { message: o.message } : {}),
      });
    },
    hangNext(count, o = {}) {
      faults.push({ kind: 'hang', remaining: count, match: o.match ?? {} });
    },
    setQuota(resource, limit) {
      typeByPlural(resource);
      if (limit === undefined) quotas.delete(resource);
      else quotas.set(resource, limit);
    },
    expireWatches() {
      store.compact();
      for (const w of [...watches]) {
        w.send({ type: 'ERROR', object: gone(`too old resource version: ${store.compactedRv - 1} (${store.compactedRv})`).status });
        w.end();
      }
    },
    compact: () => store.compact(),
    sendBookmarks() {
      for (const w of watches) if (w.bookmarks) sendBookmark(w);
    },
    get openWatches() {
      return watches.size;
    },
    async close() {
      runner.close();
      for (const w of [...watches]) w.end();
      for (const r of [...hung]) r.destroy();
      for (const s of [...sockets]) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
