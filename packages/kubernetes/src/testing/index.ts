// @polycloud/kubernetes/testing — a fake Kubernetes API server on loopback for tests and demos.
// (Being built: issue 16.)
export {};
