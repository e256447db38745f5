type Models = Record<string, unknown>;
interface Attribute {
  baseName: string;
  type: string;
}
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The client-node model of each built-in kind the fake validates. */
export const MODEL_OF_KIND: Record<string, string> = { Job: 'V1Job', Lease: 'V1Lease', Event: 'CoreV1Event', Pod: 'V1Pod' };

let models: Promise<Models> | undefined;
const loadModels = () => (models ??= import('@kubernetes/client-node') as Promise<Models>);

function walk(all: Models, type: string, value: unknown, path: string, out: string[]): void {
  const list = /^Array<(.+)>$/.exec(type);
  if (list) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(all, list[1]!, v, `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(all, map[1]!, v, `${path}.${k}`, out);
    return;
  }
  const model = all[type] as { getAttributeTypeMap?: () => Attribute[] } | undefined;
  if (typeof model?.getAttributeTypeMap !== 'function' || !isObject(value)) return;
  const attributes = model.getAttributeTypeMap();
  for (const [k, v] of Object.entries(value)) {
    const a = attributes.find((x) => x.baseName === k);
    const at = path ? `${path}.${k}` : k;
    if (!a) {
      out.push(at);
      delete value[k]; // the real server cannot decode it into its type: it is dropped
    } else walk(all, a.type, v, at, out);
  }
}

/**
 * Fields of a built-in kind's body that its type does not have (`spec.activeDeadline`),
 * found with @kubernetes/client-node's generated models of the same API, and dropped
 * from `obj`, as the API server does with its default field validation (Warn): the
 * request succeeds with a `Warning: unknown field` header.
 */
export async function pruneUnknownFields(kind: string, obj: Record<string, unknown>): Promise<string[]> {
  const model = MODEL_OF_KIND[kind];
  if (!model) return [];
  const out: string[] = [];
  walk(await loadModels(), model, obj, '', out);
  return out;
}
