import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

export const RBAC_PATH = new URL('../manifests/rbac.yaml', import.meta.url);

export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** The documents of manifests/rbac.yaml. */
export function rbacDocuments(): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(RBAC_PATH, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
}

/** Whether the manifest's ClusterRole or Role grants `verb` on `group`/`resource` (`datajobs/status`). */
export function granted(verb: string, group: string, resource: string): boolean {
  return rbacDocuments()
    .filter((d) => d['kind'] === 'ClusterRole' || d['kind'] === 'Role')
    .flatMap((d) => (d['rules'] as RbacRule[]) ?? [])
    .some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
}
