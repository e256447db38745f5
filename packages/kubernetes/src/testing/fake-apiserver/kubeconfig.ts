import { stringify } from 'yaml';

/** A kubeconfig as `KubeConfig.loadFromOptions` (@kubernetes/client-node) takes it. */
// A type alias, not an interface: it is then assignable to the adapter's `kubeconfig` option (an object with an index signature).
export type FakeKubeconfig = {
  clusters: { name: string; server: string; skipTLSVerify: boolean }[];
  users: { name: string; token?: string }[];
  contexts: { name: string; cluster: string; user: string; namespace: string }[];
  currentContext: string;
};

export function kubeconfigObject(server: string, token: string | undefined, namespace: string): FakeKubeconfig {
  return {
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'fake-user', ...(token === undefined ? {} : { token }) }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake-user', namespace }],
    currentContext: 'fake',
  };
}

/** The same kubeconfig as a kubeconfig file (YAML), for `KUBECONFIG` or a `kubeconfigPath`. */
export function kubeconfigYaml(server: string, token: string | undefined, namespace: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'fake-user', user: token === undefined ? {} : { token } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake-user', namespace } }],
    'current-context': 'fake',
  });
}
