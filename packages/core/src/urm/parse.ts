import { errorFromIssues } from '../errors/from-zod.js';
import { didYouMean, schemaIssues } from '../config/suggest.js';
import { INPUT_LIMITS } from '../input/limits.js';
import { toPlainData } from '../input/plain-data.js';
import type { ErrorIssue } from '../errors/polycloud-error.js';
import type { Binding, BindingSpec } from './binding.js';
import { type LogicalBucket, type LogicalCluster, type UrmDocument, UrmDocumentSchema } from './resources.js';

type Path = (string | number)[];

function resolveBindings(providers: BindingSpec[], path: Path, issues: ErrorIssue[]): Binding[] {
  const seen = new Map<string, number>();
  return providers.map((b, i) => {
    const id = b.id ?? b.cloud;
    const previous = seen.get(id);
    if (previous !== undefined) {
      issues.push({
        path: [...path, 'providers', i, b.id ? 'id' : 'cloud'],
        message: `duplicate binding id "${id}" (also providers[${previous}]); give each binding a distinct "id"`,
      });
    } else seen.set(id, i);
    return { ...b, id, provider: b.provider ?? b.cloud, priority: b.priority ?? (b.role === 'standby' ? 1 : 0) };
  });
}

function crossCheck(doc: UrmDocument, path: Path, issues: ErrorIssue[]): void {
  const ids = new Set(doc.providers.map((b) => b.id));
  const canary = doc.routing.canary;
  if (canary && !ids.has(canary.binding)) {
    issues.push({ path: [...path, 'routing', 'canary', 'binding'], message: `no binding with id "${canary.binding}"` });
  }
  if (doc.type === 'LogicalBucket') {
    const r = doc.replication;
    r.priority?.forEach((id, j) => {
      if (!ids.has(id)) issues.push({ path: [...path, 'replication', 'priority', j], message: `no binding with id "${id}"` });
    });
    if (r.state_binding !== undefined && !ids.has(r.state_binding)) {
      issues.push({ path: [...path, 'replication', 'state_binding'], message: `no binding with id "${r.state_binding}"${didYouMean(r.state_binding, ids)}` });
    }
    if (r.journal_placement === 'state' && r.state_binding === undefined) {
      issues.push({
        path: [...path, 'replication', 'journal_placement'],
        message: 'journal_placement "state" needs state_binding (the binding whose journal takes every record)',
      });
    }
    for (const id of Object.keys(r.state_buckets ?? {})) {
      if (!ids.has(id)) issues.push({ path: [...path, 'replication', 'state_buckets', id], message: `no binding with id "${id}"${didYouMean(id, ids)}` });
    }
    if (r.conflict === 'priority' && !r.priority?.length) {
      issues.push({ path: [...path, 'replication', 'priority'], message: 'conflict "priority" needs a priority list of binding ids' });
    }
  }
  if (doc.providers.every((b) => b.weight === 0)) {
    issues.push({ path: [...path, 'providers'], message: 'at least one binding needs a weight above 0' });
  }
}

function parseOne(input: unknown, path: Path, issues: ErrorIssue[]): UrmDocument | undefined {
  // A plain copy within the input limits first: getters and Proxies are read once,
  // inside a try; `__proto__` keys (which zod would drop) are refused at their path.
  const before = issues.length;
  const plain = toPlainData(input, issues, path);
  if (issues.length > before) return undefined;
  const result = UrmDocumentSchema.safeParse(plain);
  if (!result.success) {
    issues.push(...schemaIssues(UrmDocumentSchema, result.error, plain, path));
    return undefined;
  }
  const doc = { ...result.data, providers: resolveBindings(result.data.providers, path, issues) } as UrmDocument;
  if (issues.length === before) crossCheck(doc, path, issues);
  return issues.length === before ? doc : undefined;
}

/**
 * Validates one URM document (LogicalBucket or LogicalCluster) and resolves its
 * bindings. Throws CONFIG_INVALID listing every problem with its path.
 */
export function parseUrmDocument(input: unknown): UrmDocument {
  const issues: ErrorIssue[] = [];
  const doc = parseOne(input, [], issues);
  if (!doc) throw errorFromIssues('invalid URM document', issues);
  return doc;
}

export function parseLogicalBucket(input: unknown): LogicalBucket {
  const doc = parseUrmDocument(input);
  if (doc.type !== 'LogicalBucket') {
    throw errorFromIssues('invalid URM document', [{ path: ['type'], message: 'expected "LogicalBucket"' }]);
  }
  return doc;
}

export function parseLogicalCluster(input: unknown): LogicalCluster {
  const doc = parseUrmDocument(input);
  if (doc.type !== 'LogicalCluster') {
    throw errorFromIssues('invalid URM document', [{ path: ['type'], message: 'expected "LogicalCluster"' }]);
  }
  return doc;
}

/**
 * Validates a list of URM documents: each one, plus unique `resource_id`s across
 * the list. Reports every problem at once, paths prefixed with `pathPrefix`.
 */
export function parseUrmDocuments(inputs: unknown, pathPrefix: Path = []): UrmDocument[] {
  const issues: ErrorIssue[] = [];
  let isArray = false;
  try {
    isArray = Array.isArray(inputs);
  } catch {
    // a revoked Proxy
  }
  if (!isArray) {
    throw errorFromIssues('invalid URM documents', [{ path: pathPrefix, message: 'expected an array of URM documents' }]);
  }
  // The list itself, read safely (each document is checked on its own by parseOne).
  const list: unknown[] = [];
  try {
    const n = (inputs as unknown[]).length;
    if (n > INPUT_LIMITS.maxNodes) issues.push({ path: pathPrefix, message: `more than ${INPUT_LIMITS.maxNodes} URM documents` });
    else for (let i = 0; i < n; i++) list.push((inputs as unknown[])[i]);
  } catch {
    issues.push({ path: pathPrefix, message: 'the list could not be read (a getter or Proxy threw)' });
  }
  if (issues.length) throw errorFromIssues('invalid URM documents', issues);
  const docs: UrmDocument[] = [];
  const ids = new Map<string, number>();
  list.forEach((input, i) => {
    const doc = parseOne(input, [...pathPrefix, i], issues);
    if (!doc) return;
    const prev = ids.get(doc.resource_id);
    if (prev !== undefined) {
      issues.push({ path: [...pathPrefix, i, 'resource_id'], message: `duplicate resource_id "${doc.resource_id}" (also [${prev}])` });
    } else ids.set(doc.resource_id, i);
    docs.push(doc);
  });
  if (issues.length) throw errorFromIssues('invalid URM documents', issues);
  return docs;
}
