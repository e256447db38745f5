// @polycloud/kubernetes/testing — a fake Kubernetes API server on loopback for tests and demos,
// driven by the real @kubernetes/client-node. Validating bodies needs `kubernetes-models`
// (an optional peer dependency of this entry only).
export {
  startFakeKubernetesApiServer,
  type FakeKubernetesApiServer,
  type FakeKubernetesApiServerOptions,
  type FakeRequestMatch,
  type RecordedRequest,
  type InvalidRequest,
} from './fake-apiserver/server.js';
export type { FakeJobRunnerOptions } from './fake-apiserver/job-runner.js';
export type { FakeKubeconfig } from './fake-apiserver/kubeconfig.js';
export type { KubeStatus, StatusCause } from './fake-apiserver/status.js';
export type { KubeObject } from './fake-apiserver/store.js';
