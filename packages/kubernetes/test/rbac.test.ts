import { describe, expect, it } from 'vitest';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { granted, rbacDocuments } from './rbac-grants.js';

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  ServiceAccount: ServiceAccount as never,
  ClusterRole: ClusterRole as never,
  ClusterRoleBinding: ClusterRoleBinding as never,
  Role: Role as never,
  RoleBinding: RoleBinding as never,
};

describe('manifests/rbac.yaml', () => {
  const docs = rbacDocuments();

  it('is a ServiceAccount, a ClusterRole and a Role with their bindings, each valid against the Kubernetes schemas', () => {
    expect(docs.map((d) => d['kind'])).toEqual(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
    for (const doc of docs) {
      const Model = MODELS[doc['kind'] as string]!;
      expect(() => new Model(doc as never).validate(), String(doc['kind'])).not.toThrow();
    }
  });

  it('a broken document fails that validation (the check can fail)', () => {
    const role = structuredClone(docs.find((d) => d['kind'] === 'ClusterRole')!) as { rules: { verbs: unknown }[] };
    role.rules[0]!.verbs = 'get';
    expect(() => new ClusterRole(role as never).validate()).toThrow();
  });

  it('binds both roles to the ServiceAccount it creates', () => {
    const sa = docs[0]!['metadata'] as { name: string; namespace: string };
    for (const binding of docs.filter((d) => String(d['kind']).endsWith('Binding'))) {
      expect(binding['subjects']).toEqual([{ kind: 'ServiceAccount', name: sa.name, namespace: sa.namespace }]);
      const role = docs.find((d) => d['kind'] === (binding['roleRef'] as { kind: string }).kind)!;
      expect((role['metadata'] as { name: string }).name).toBe((binding['roleRef'] as { name: string }).name);
    }
  });

  it('grants what the controller needs and nothing beyond it on datajobs (no delete, no patch, no create)', () => {
    for (const verb of ['get', 'list', 'watch', 'update']) expect(granted(verb, 'batch.mcp', 'datajobs')).toBe(true);
    for (const verb of ['create', 'delete', 'patch', 'deletecollection']) expect(granted(verb, 'batch.mcp', 'datajobs')).toBe(false);
    expect(granted('update', 'batch.mcp', 'datajobs/status')).toBe(true);
    expect(granted('update', 'batch.mcp', 'datajobs/finalizers')).toBe(true);
    expect(granted('create', '', 'events')).toBe(true);
    for (const verb of ['get', 'create', 'update']) expect(granted(verb, 'coordination.k8s.io', 'leases')).toBe(true);
    expect(granted('delete', 'coordination.k8s.io', 'leases')).toBe(false);
    // The kubernetes adapter (the cluster as a binding): create, status, cancel (suspend patch), probe; exit codes from pods.
    for (const verb of ['get', 'list', 'create', 'patch']) expect(granted(verb, 'batch', 'jobs')).toBe(true);
    expect(granted('delete', 'batch', 'jobs')).toBe(false);
    expect(granted('list', '', 'pods')).toBe(true);
    expect(granted('get', '', 'secrets')).toBe(false);
  });
});
