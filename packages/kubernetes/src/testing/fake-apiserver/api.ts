import type { FakeJobRunnerOptions } from './job-runner.js';
import type { FakeKubeconfig } from './kubeconfig.js';
import type { StatusCause } from './status.js';
import type { KubeObject } from './store.js';

// The public shape of the fake API server (`@polycloud/kubernetes/testing`).

export interface FakeKubernetesApiServerOptions {
  /** Bearer token every request must carry (default: a random `fake-…` token). */
  token?: string;
  /** Namespace of the kubeconfig's context. Default `default`. */
  namespace?: string;
  /** The simulated job controller. */
  jobs?: FakeJobRunnerOptions;
  /** How often an open watch with `allowWatchBookmarks` gets a BOOKMARK. Default 1000 ms. */
  bookmarkIntervalMs?: number;
  /** Watch events kept for resuming; older resource versions get 410 Gone. Default 10 000. */
  historyLimit?: number;
  /**
   * The namespaces that exist: a create in any other gets 404 `namespaces "x" not found`,
   * as on a real cluster. Default: every namespace exists.
   */
  namespaces?: string[];
}

/** Which requests a fault applies to (every given field must match). */
export interface FakeRequestMatch {
  method?: string;
  /** Plural resource name: `jobs`, `datajobs`, `leases`, `events`, `pods`. */
  resource?: string;
  subresource?: string;
  /** True: only watch requests; false: only non-watch requests. */
  watch?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path and query (never a header: the token is not recorded). */
  path: string;
  status: number;
  contentType?: string;
}

/** A request whose body the server refused as invalid (422), with the causes it answered. */
export interface InvalidRequest {
  method: string;
  path: string;
  kind: string;
  name: string;
  causes: StatusCause[];
  body: unknown;
}

export interface FakeKubernetesApiServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly token: string;
  readonly namespace: string;
  /** A kubeconfig for `KubeConfig.loadFromOptions`; `{ token: null }` leaves the token out (requests get 401). */
  kubeconfig(options?: { token?: string | null; namespace?: string }): FakeKubeconfig;
  /** The same as a kubeconfig file's YAML. */
  kubeconfigYaml(options?: { token?: string | null; namespace?: string }): string;
  /** Every request answered so far (hung ones once they end). */
  readonly requests: readonly RecordedRequest[];
  /** Every request refused with 422 Invalid: a test asserts this stays empty for the code under test. */
  readonly invalidRequests: readonly InvalidRequest[];
  /** Fields the server pruned from custom resources (the real server's `Warning: unknown field` headers). */
  readonly warnings: readonly string[];
  /** The stored object (a copy), or undefined. `resource` is the plural: `jobs`, `datajobs`, `leases`, `events`, `pods`. */
  get(resource: string, namespace: string, name: string): KubeObject | undefined;
  list(resource: string, namespace?: string): KubeObject[];
  /** The latest resourceVersion (cluster-wide counter). */
  readonly resourceVersion: number;
  /** Makes a created Job active now; false if it is already active, finished, suspended or missing. */
  startJob(namespace: string, name: string): boolean;
  /** Finishes an active Job (starting it first if it is still pending): exit code 0 → Complete, else Failed. */
  finishJob(namespace: string, name: string, outcome?: { exitCode?: number; message?: string }): boolean;
  /** The next `count` matching requests fail with this Status (default 500 InternalError). */
  failNext(count: number, options?: { status?: number; reason?: string; message?: string; match?: FakeRequestMatch }): void;
  /** The next `count` matching requests are never answered (until the client gives up or the server closes). */
  hangNext(count: number, options?: { match?: FakeRequestMatch }): void;
  /** A ResourceQuota on `count/<resource>`: creates beyond `limit` objects in a namespace get 403 `exceeded quota`. `undefined` lifts it. */
  setQuota(resource: string, limit: number | undefined): void;
  /** Ends every open watch with an ERROR event (410 Expired) and compacts history, so resuming from any old resourceVersion gets 410. */
  expireWatches(): void;
  /** Compacts history: a watch from a resourceVersion before now gets 410 (open watches stay open). */
  compact(): void;
  /** Sends a BOOKMARK now to every open watch that allows bookmarks. */
  sendBookmarks(): void;
  /** Watches currently open. */
  readonly openWatches: number;
  close(): Promise<void>;
}
