import { apiVersionOf, RESOURCE_TYPES } from './resources.js';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/**
 * The discovery documents (`/api`, `/api/v1`, `/apis`, `/apis/<group>/<version>`) for the
 * kinds the fake serves, so that clients that look a kind up first (client-node's
 * `KubernetesObjectApi`, kubectl) find it. Undefined for any other path.
 */
export function discoveryDocument(pathname: string): object | undefined {
  const path = pathname.replace(/\/+$/, '');
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (path === '/apis') {
    const groups = [...new Set(RESOURCE_TYPES.filter((t) => t.group).map((t) => t.group))];
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((name) => {
        const version = { groupVersion: `${name}/v1`, version: 'v1' };
        return { name, versions: [version], preferredVersion: version };
      }),
    };
  }
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!m) return undefined;
  const [group, version] = m[1] ? ['', m[1]] : [m[2]!, m[3]!];
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  if (!types.length) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(types[0]!),
    resources: types.flatMap((t) => [
      { name: t.plural, singularName: t.kind.toLowerCase(), namespaced: true, kind: t.kind, verbs: t.readOnly ? ['get', 'list', 'watch'] : VERBS },
      ...(t.statusSubresource ? [{ name: `${t.plural}/status`, singularName: '', namespaced: true, kind: t.kind, verbs: ['get', 'patch', 'update'] }] : []),
    ]),
  };
}
