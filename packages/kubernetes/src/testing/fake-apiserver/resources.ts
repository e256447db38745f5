/** The kinds the fake API server serves, keyed `<apiVersion>/<plural>` (core: `v1/events`). */
export interface ResourceType {
  /** `batch`, `batch.mcp`, `coordination.k8s.io`, or '' for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
  /** Has a `status` subresource: writes to the main resource keep the stored status, writes to `/status` keep everything else. */
  statusSubresource: boolean;
  /** A PUT without `metadata.resourceVersion` is allowed (unconditional update); custom resources refuse it. */
  allowUnconditionalUpdate: boolean;
  /** Clients may not write it (objects the simulated job controller makes). */
  readOnly?: boolean;
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', statusSubresource: true, allowUnconditionalUpdate: true },
  { group: 'batch.mcp', version: 'v1', plural: 'datajobs', kind: 'DataJob', statusSubresource: true, allowUnconditionalUpdate: false },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', statusSubresource: false, allowUnconditionalUpdate: true },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', statusSubresource: false, allowUnconditionalUpdate: true },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', statusSubresource: true, allowUnconditionalUpdate: true, readOnly: true },
];

export const apiVersionOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);
/** `jobs.batch`, `events` — how the API server names a resource in messages. */
export const qualifiedName = (t: ResourceType) => (t.group ? `${t.plural}.${t.group}` : t.plural);
/** `Job.batch`, `Event` — how the API server names a kind in Invalid messages. */
export const qualifiedKind = (t: ResourceType) => (t.group ? `${t.kind}.${t.group}` : t.kind);

export interface ParsedPath {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/**
 * `/api/v1/namespaces/ns/events/name`, `/apis/batch/v1/namespaces/ns/jobs/name/status`,
 * `/apis/batch/v1/jobs` (every namespace). Undefined for anything else.
 */
export function parsePath(pathname: string): ParsedPath | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    rest = parts.slice(1);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!;
    rest = parts.slice(2);
  } else return undefined;
  const version = rest[0];
  rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (extra.length) return undefined;
  const type = RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
  if (!type) return undefined;
  return { type, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}), ...(subresource ? { subresource } : {}) };
}
