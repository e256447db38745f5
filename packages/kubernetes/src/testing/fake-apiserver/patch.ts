import { badRequest, unsupportedMediaType } from './status.js';

type Json = unknown;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const unescape = (token: string) => token.replace(/~1/g, '/').replace(/~0/g, '~');
function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`json patch: invalid pointer ${JSON.stringify(path)}`);
  return path.slice(1).split('/').map(unescape);
}

function parentOf(doc: Json, tokens: string[], op: string): { parent: Record<string, unknown> | unknown[]; key: string } {
  let node = doc;
  for (const t of tokens.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(t)] : isObject(node) ? node[t] : undefined;
    if (node === undefined) throw badRequest(`json patch ${op}: doc is missing path: /${tokens.join('/')}`);
  }
  if (!Array.isArray(node) && !isObject(node)) throw badRequest(`json patch ${op}: doc is missing path: /${tokens.join('/')}`);
  return { parent: node, key: tokens[tokens.length - 1]! };
}

function get(doc: Json, tokens: string[]): Json {
  let node = doc;
  for (const t of tokens) {
    node = Array.isArray(node) ? node[Number(t)] : isObject(node) ? node[t] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

function remove(doc: Json, tokens: string[]): Json {
  const { parent, key } = parentOf(doc, tokens, 'remove');
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!(i >= 0 && i < parent.length)) throw badRequest(`json patch remove: index out of range: /${tokens.join('/')}`);
    return parent.splice(i, 1)[0];
  }
  if (!(key in parent)) throw badRequest(`json patch remove: doc is missing key: /${tokens.join('/')}`);
  const value = parent[key];
  delete parent[key];
  return value;
}

function add(doc: Json, tokens: string[], value: Json, replace = false): Json {
  if (tokens.length === 0) return clone(value);
  const { parent, key } = parentOf(doc, tokens, replace ? 'replace' : 'add');
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!(i >= 0 && i <= parent.length) || (replace && i >= parent.length)) throw badRequest(`json patch: index out of range: /${tokens.join('/')}`);
    parent.splice(i, replace ? 1 : 0, clone(value));
  } else {
    if (replace && !(key in parent)) throw badRequest(`json patch replace: doc is missing key: /${tokens.join('/')}`);
    parent[key] = clone(value);
  }
  return doc;
}

/** RFC 6902 JSON patch: add, remove, replace, move, copy, test. */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw badRequest('json patch: the body must be a list of operations');
  let doc = clone(target);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') throw badRequest('json patch: every operation needs op and path');
    const tokens = pointer(raw['path']);
    switch (raw['op']) {
      case 'add':
        doc = add(doc, tokens, raw['value']);
        break;
      case 'replace':
        doc = add(doc, tokens, raw['value'], true);
        break;
      case 'remove':
        remove(doc, tokens);
        break;
      case 'test':
        if (JSON.stringify(get(doc, tokens)) !== JSON.stringify(raw['value'])) throw badRequest(`json patch test failed at ${raw['path']}`);
        break;
      case 'move':
      case 'copy': {
        if (typeof raw['from'] !== 'string') throw badRequest(`json patch ${raw['op']}: from is required`);
        const from = pointer(raw['from']);
        const value = raw['op'] === 'move' ? remove(doc, from) : clone(get(doc, from));
        if (value === undefined) throw badRequest(`json patch ${raw['op']}: doc is missing from path: ${raw['from']}`);
        doc = add(doc, tokens, value);
        break;
      }
      default:
        throw badRequest(`json patch: unknown op ${String(raw['op'])}`);
    }
  }
  return doc;
}

/**
 * Applies a PATCH body by its Content-Type. Strategic merge patch is applied as a JSON
 * merge patch (the fake knows no per-field merge keys: a list in such a patch replaces
 * the stored list); server-side apply is refused with 415.
 */
export function applyPatch(contentType: string, target: Json, body: Json): Json {
  const type = contentType.split(';')[0]!.trim();
  if (type === 'application/json-patch+json') return jsonPatch(target, body);
  if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') return mergePatch(target, body);
  throw unsupportedMediaType(type);
}
