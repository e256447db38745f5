import { ApiException, BatchV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1Job, Watch } from '@kubernetes/client-node';
import type { FakeKubernetesApiServer } from '@polycloud/kubernetes/testing';

export const NS = 'default';

export function clients(server: FakeKubernetesApiServer, options: { token?: string | null } = {}) {
  const kc = new KubeConfig();
  kc.loadFromOptions(server.kubeconfig(options));
  return {
    kc,
    batch: kc.makeApiClient(BatchV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    coordination: kc.makeApiClient(CoordinationV1Api),
    core: kc.makeApiClient(CoreV1Api),
    watch: new Watch(kc),
  };
}

/** The Status body of a failed call (client-node 1.x puts the raw body in ApiException.body). */
export async function statusOf(
  call: Promise<unknown>,
): Promise<{ code: number; reason: string; message: string; details?: { causes?: { field: string; reason: string }[] } }> {
  try {
    await call;
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    const body = typeof e.body === 'string' ? (JSON.parse(e.body) as object) : (e.body as object);
    return { code: e.code, ...(body as { reason: string; message: string }) };
  }
  throw new Error('expected the call to fail');
}

export const job = (name: string, extra: Partial<V1Job['spec']> = {}, labels: Record<string, string> = {}): V1Job => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, labels },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', command: ['true'] }] } }, ...extra },
});

export const dataJob = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'batch.mcp/v1',
  kind: 'DataJob',
  metadata: { name },
  spec: { cloud: 'CLOUD_A', image: 'data-processor:v1', resources: { cpu: 2, memory: '4Gi' }, ...spec },
});

export const DJ = { group: 'batch.mcp', version: 'v1', namespace: NS, plural: 'datajobs' } as const;

/** Opens a watch and collects its events until `stop()`. */
export async function collectWatch(
  w: Watch,
  path: string,
  query: Record<string, string | boolean>,
): Promise<{ events: { type: string; object: Record<string, unknown> }[]; done: Promise<unknown>; stop(): void }> {
  const events: { type: string; object: Record<string, unknown> }[] = [];
  let resolveDone!: (err: unknown) => void;
  const done = new Promise<unknown>((r) => (resolveDone = r));
  const controller = await w.watch(
    path,
    query,
    (type, object) => events.push({ type, object }),
    (err) => resolveDone(err),
  );
  return { events, done, stop: () => controller.abort() };
}

/** Polls until `check` is true (generous: the machine is shared). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
