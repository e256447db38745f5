import { badRequest } from './status.js';

type Requirement = (labels: Record<string, string>) => boolean;

/**
 * A label selector as the API server parses `?labelSelector=`: equality (`a=b`, `a==b`,
 * `a!=b`), set (`a in (x,y)`, `a notin (x)`) and existence (`a`, `!a`), comma-separated.
 */
export function parseLabelSelector(text: string | null | undefined): Requirement {
  if (!text) return () => true;
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  const reqs = parts.map((raw): Requirement => {
    const p = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p))) {
      const [, key, op, list] = m;
      const values = new Set(list!.split(',').map((v) => v.trim()));
      return op === 'in' ? (l) => l[key!] !== undefined && values.has(l[key!]!) : (l) => l[key!] === undefined || !values.has(l[key!]!);
    }
    if ((m = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s,]*)$/.exec(p))) {
      const [, key, op, value] = m;
      return op === '!=' ? (l) => l[key!] !== value : (l) => l[key!] === value;
    }
    if ((m = /^!\s*([^\s!=]+)$/.exec(p))) {
      const key = m[1]!;
      return (l) => l[key] === undefined;
    }
    if ((m = /^([^\s!=]+)$/.exec(p))) {
      const key = m[1]!;
      return (l) => l[key] !== undefined;
    }
    throw badRequest(`unable to parse requirement: ${JSON.stringify(p)}`);
  });
  return (labels) => reqs.every((r) => r(labels));
}

/**
 * A field selector (`?fieldSelector=`): `path=value`, `path==value`, `path!=value`,
 * comma-separated, on dotted paths such as `metadata.name` or `involvedObject.uid` (what
 * `kubectl describe` sends for Events). Unlike the real server, any path is accepted.
 */
export function parseFieldSelector(text: string | null | undefined): (obj: Record<string, unknown>) => boolean {
  if (!text) return () => true;
  const reqs = text.split(',').map((raw) => {
    const m = /^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw badRequest(`invalid field selector: ${JSON.stringify(raw)}`);
    const [, path, op, value] = m;
    const get = (obj: Record<string, unknown>) => {
      let v: unknown = obj;
      for (const p of path!.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[p] : undefined;
      return v === undefined || v === null ? '' : String(v);
    };
    return op === '!=' ? (o: Record<string, unknown>) => get(o) !== value : (o: Record<string, unknown>) => get(o) === value;
  });
  return (obj) => reqs.every((r) => r(obj));
}
