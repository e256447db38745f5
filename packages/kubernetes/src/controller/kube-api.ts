import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Lease, Watch } from '@kubernetes/client-node';
import { PolycloudError, redact } from '@polycloud/core/spi';
import { DATAJOB_GROUP, DATAJOB_PLURAL, DATAJOB_VERSION } from './constants.js';
import type { DataJobObject } from './status.js';

/** A page of DataJobs and the list's resourceVersion (where a watch starts). */
export interface DataJobList {
  items: DataJobObject[];
  resourceVersion: string;
}

/** One event of a watch stream (`ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`, `ERROR`). */
export interface WatchEvent {
  type: string;
  object: Record<string, unknown>;
}

/** The calls the controller makes to the API server: the verbs its RBAC manifest grants, no others. */
export interface ControllerKubeApi {
  listDataJobs(namespace: string | undefined): Promise<DataJobList>;
  /** Streams events until the server closes the stream (`done(undefined)`) or it fails (`done(error)`); returns the stop function. */
  watchDataJobs(
    namespace: string | undefined,
    resourceVersion: string,
    onEvent: (e: WatchEvent) => void,
    done: (error?: PolycloudError) => void,
  ): Promise<() => void>;
  getDataJob(namespace: string, name: string): Promise<DataJobObject>;
  /** PUT of the object (metadata.finalizers), conditional on its resourceVersion: CONFLICT when stale. */
  replaceDataJob(job: DataJobObject): Promise<DataJobObject>;
  /** PUT of the status subresource, conditional on the resourceVersion. */
  replaceDataJobStatus(job: DataJobObject): Promise<DataJobObject>;
  createEvent(namespace: string, event: Record<string, unknown>): Promise<void>;
  readLease(namespace: string, name: string): Promise<V1Lease | undefined>;
  createLease(namespace: string, lease: V1Lease): Promise<V1Lease>;
  replaceLease(namespace: string, name: string, lease: V1Lease): Promise<V1Lease>;
}

const GONE = 410;

/** HTTP status of a client-node failure (ApiException `code`, Watch `statusCode`). */
function httpStatus(e: unknown): number | undefined {
  const o = e as { code?: unknown; statusCode?: unknown } | null;
  if (typeof o?.code === 'number') return o.code;
  if (typeof o?.statusCode === 'number') return o.statusCode;
  return undefined;
}

/**
 * A client-node failure as a PolycloudError. The message names the operation and the
 * HTTP status and the server's own `message` (redacted); never the request (whose
 * headers carry the bearer token). A 410 Gone is CONFLICT with `context.gone`.
 */
export function kubeError(e: unknown, operation: string, path?: string): PolycloudError {
  if (e instanceof PolycloudError) return e;
  const status = httpStatus(e);
  const body = (e as { body?: unknown } | null)?.body;
  let detail = '';
  try {
    const parsed = typeof body === 'string' ? (JSON.parse(body) as { message?: unknown }) : (body as { message?: unknown } | undefined);
    if (typeof parsed?.message === 'string') detail = `: ${parsed.message}`;
  } catch {
    // not JSON: left out (it may be anything)
  }
  const context = { provider: 'kubernetes', operation, ...(path ? { key: path } : {}), ...(status === undefined ? {} : { status }) };
  const msg = (what: string) => redact(`kubernetes ${operation}${path ? ` ${path}` : ''}: ${what}${detail}`.slice(0, 500));
  if (status === undefined) {
    const code = (e as { code?: unknown } | null)?.code;
    return new PolycloudError('UNAVAILABLE', msg(`request failed${typeof code === 'string' ? ` (${code})` : ''}`), { context, retryable: true });
  }
  if (status === 404) return new PolycloudError('NOT_FOUND', msg('not found'), { context, retryable: false });
  if (status === 409) return new PolycloudError('CONFLICT', msg('conflict (stale resourceVersion or exists)'), { context, retryable: true });
  if (status === GONE)
    return new PolycloudError('CONFLICT', msg('410 Gone (resourceVersion too old)'), { context: { ...context, gone: true }, retryable: true });
  if (status === 401 || status === 403) return new PolycloudError('PERMISSION_DENIED', msg(`HTTP ${status}`), { context, retryable: false });
  if (status === 400 || status === 422) return new PolycloudError('INVALID_ARGUMENT', msg(`HTTP ${status}`), { context, retryable: false });
  if (status === 429) return new PolycloudError('RATE_LIMITED', msg('HTTP 429'), { context, retryable: true });
  return new PolycloudError('UNAVAILABLE', msg(`HTTP ${status}`), { context, retryable: true });
}

/** True for the watch / list failure that means "relist": 410 Gone. */
export function isGone(e: PolycloudError): boolean {
  return e.context['gone'] === true;
}

const crd = { group: DATAJOB_GROUP, version: DATAJOB_VERSION, plural: DATAJOB_PLURAL };

export interface ControllerKubeApiOptions {
  /** Longest one request (not a watch) may take before it fails with TIMEOUT (retryable). Default 30 s. */
  requestTimeoutMs?: number;
  /** A watch asks the server to end it after this long (`timeoutSeconds`), and is dropped if still open min(10 s, this) later. Default 5 min. */
  watchTimeoutMs?: number;
}

/** {@link ControllerKubeApi} on @kubernetes/client-node. */
export function createControllerKubeApi(kubeConfig: KubeConfig, options: ControllerKubeApiOptions = {}): ControllerKubeApi {
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const watchTimeoutMs = options.watchTimeoutMs ?? 300_000;
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  const watch = new Watch(kubeConfig);
  // client-node requests have no deadline of their own: a hung API server would hold a
  // reconcile (and stop()) forever. The request is raced against a timer instead.
  const call = async <T>(operation: string, path: string, run: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new PolycloudError('TIMEOUT', `kubernetes ${operation} ${path}: no answer within ${requestTimeoutMs} ms`, {
              context: { provider: 'kubernetes', operation, key: path },
              retryable: true,
            }),
          ),
        requestTimeoutMs,
      );
    });
    try {
      return await Promise.race([run(), timeout]);
    } catch (e) {
      throw kubeError(e, operation, path);
    } finally {
      clearTimeout(timer);
    }
  };
  const nameOf = (job: DataJobObject) => `${job.metadata.namespace ?? ''}/${job.metadata.name}`;
  return {
    listDataJobs: (namespace) =>
      call('list datajobs', namespace ?? '*', async () => {
        const list = (namespace === undefined
          ? await custom.listClusterCustomObject({ ...crd })
          : await custom.listNamespacedCustomObject({ ...crd, namespace })) as unknown as { items?: DataJobObject[]; metadata?: { resourceVersion?: string } };
        return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
      }),
    async watchDataJobs(namespace, resourceVersion, onEvent, done) {
      const path =
        namespace === undefined
          ? `/apis/${DATAJOB_GROUP}/${DATAJOB_VERSION}/${DATAJOB_PLURAL}`
          : `/apis/${DATAJOB_GROUP}/${DATAJOB_VERSION}/namespaces/${encodeURIComponent(namespace)}/${DATAJOB_PLURAL}`;
      let finished = false;
      const open: { controller?: AbortController } = {};
      // Dropped when the server has not ended it a little after its own timeout (a hung connection, or one never answered).
      const limit = watchTimeoutMs + Math.min(10_000, watchTimeoutMs);
      const guard = setTimeout(() => {
        open.controller?.abort();
        finish(new PolycloudError('TIMEOUT', `kubernetes watch datajobs ${namespace ?? '*'}: still open after ${limit} ms`, { retryable: true }));
      }, limit);
      function finish(err?: unknown) {
        clearTimeout(guard);
        if (finished) return;
        finished = true;
        done(err === undefined || err === null ? undefined : kubeError(err, 'watch datajobs', namespace ?? '*'));
      }
      const controller = await watch.watch(
        path,
        { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: Math.max(1, Math.round(watchTimeoutMs / 1000)) },
        (type: string, object: Record<string, unknown>) => onEvent({ type, object }),
        finish,
      );
      open.controller = controller;
      if (finished) controller.abort();
      return () => {
        clearTimeout(guard);
        finished = true;
        controller.abort();
      };
    },
    getDataJob: (namespace, name) =>
      call('get datajob', `${namespace}/${name}`, async () => (await custom.getNamespacedCustomObject({ ...crd, namespace, name })) as DataJobObject),
    replaceDataJob: (job) =>
      call(
        'update datajob',
        nameOf(job),
        async () =>
          (await custom.replaceNamespacedCustomObject({
            ...crd,
            namespace: job.metadata.namespace ?? 'default',
            name: job.metadata.name,
            body: job,
          })) as DataJobObject,
      ),
    replaceDataJobStatus: (job) =>
      call(
        'update datajob status',
        nameOf(job),
        async () =>
          (await custom.replaceNamespacedCustomObjectStatus({
            ...crd,
            namespace: job.metadata.namespace ?? 'default',
            name: job.metadata.name,
            body: job,
          })) as DataJobObject,
      ),
    createEvent: (namespace, event) =>
      call('create event', namespace, async () => {
        await core.createNamespacedEvent({ namespace, body: event as never });
      }),
    readLease: (namespace, name) =>
      call('get lease', `${namespace}/${name}`, async () => {
        try {
          return await coordination.readNamespacedLease({ namespace, name });
        } catch (e) {
          if (httpStatus(e) === 404) return undefined;
          throw e;
        }
      }),
    createLease: (namespace, lease) => call('create lease', namespace, () => coordination.createNamespacedLease({ namespace, body: lease })),
    replaceLease: (namespace, name, lease) =>
      call('update lease', `${namespace}/${name}`, () => coordination.replaceNamespacedLease({ namespace, name, body: lease })),
  };
}
