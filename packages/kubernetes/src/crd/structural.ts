/**
 * Turns a draft-07 JSON Schema (as zod's `z.toJSONSchema` writes it) into a Kubernetes
 * *structural* schema (apiextensions.k8s.io/v1 `openAPIV3Schema`): `$ref`s inlined,
 * single-entry `allOf` wrappers merged, `const` → `enum`, a type at every node, and the
 * parts Kubernetes cannot type marked as it requires:
 *
 * - a string-or-number union → `x-kubernetes-int-or-string` (as Kubernetes types its own
 *   resource quantities: `cpu: 2` or `cpu: 500m`; a fractional number must be quoted);
 * - any other union (`env` as a map or a list, scalar tag values) →
 *   `x-kubernetes-preserve-unknown-fields` (kept as given; the controller validates it
 *   with the zod schema);
 * - `additionalProperties: false` and `propertyNames` are dropped (the API server prunes
 *   unknown fields instead), as are `title`, `examples`, `$schema` and `definitions`.
 */
export type JsonSchema = Record<string, unknown>;

const KEPT = ['description', 'default', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'minItems', 'maxItems', 'enum', 'format', 'required'];

function resolve(node: JsonSchema, root: JsonSchema): JsonSchema {
  let current = node;
  for (let hops = 0; typeof current['$ref'] === 'string'; hops++) {
    if (hops > 32) throw new Error(`structural schema: $ref cycle at ${String(current['$ref'])}`);
    const ref = current['$ref'];
    const match = /^#\/(definitions|\$defs)\/(.+)$/.exec(ref);
    const target = match ? ((root[match[1]!] as Record<string, JsonSchema> | undefined) ?? {})[match[2]!] : undefined;
    if (!target) throw new Error(`structural schema: cannot resolve ${ref}`);
    const { $ref: _ref, ...rest } = current;
    current = { ...target, ...rest };
  }
  // allOf: [one schema] is how zod attaches a description or default to a reused schema.
  const allOf = current['allOf'];
  if (Array.isArray(allOf) && allOf.length === 1) {
    const { allOf: _allOf, ...rest } = current;
    return resolve({ ...resolve(allOf[0] as JsonSchema, root), ...rest }, root);
  }
  return current;
}

const pick = (node: JsonSchema) => Object.fromEntries(KEPT.filter((k) => node[k] !== undefined).map((k) => [k, node[k]]));

/** The structural form of `node` (`root` holds the `definitions` its `$ref`s point into). */
export function toStructuralSchema(node: JsonSchema, root: JsonSchema = node): JsonSchema {
  const n = resolve(node, root);
  const described = typeof n['description'] === 'string' ? { description: n['description'] } : {};
  if (n['const'] !== undefined) return { type: typeof n['const'] === 'number' ? 'number' : 'string', ...pick(n), enum: [n['const']] };
  const union = n['anyOf'] ?? n['oneOf'];
  const types = Array.isArray(n['type']) ? (n['type'] as string[]) : undefined;
  if (types || Array.isArray(union)) {
    const set = new Set(types ?? []);
    if (types && set.has('string') && [...set].every((t) => t === 'string' || t === 'number' || t === 'integer')) {
      return { ...described, 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] };
    }
    return { ...described, 'x-kubernetes-preserve-unknown-fields': true };
  }
  const type = n['type'];
  if (type === 'object') {
    const out: JsonSchema = { type: 'object', ...pick(n) };
    const properties = n['properties'] as Record<string, JsonSchema> | undefined;
    if (properties) out['properties'] = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, toStructuralSchema(v, root)]));
    const additional = n['additionalProperties'];
    if (!properties && typeof additional === 'object' && additional !== null) out['additionalProperties'] = toStructuralSchema(additional as JsonSchema, root);
    if (!properties && additional === undefined) out['x-kubernetes-preserve-unknown-fields'] = true;
    return out;
  }
  if (type === 'array') {
    const items = n['items'];
    return {
      type: 'array',
      ...pick(n),
      items: typeof items === 'object' && items !== null ? toStructuralSchema(items as JsonSchema, root) : { 'x-kubernetes-preserve-unknown-fields': true },
    };
  }
  if (typeof type === 'string') return { type, ...pick(n) };
  return { ...described, 'x-kubernetes-preserve-unknown-fields': true };
}

/**
 * Every way `schema` breaks the structural-schema rules Kubernetes enforces
 * (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema),
 * as `path: problem`; empty when it is structural.
 */
export function structuralViolations(schema: JsonSchema, path = '(root)'): string[] {
  const out: string[] = [];
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const forbidden of ['$ref', 'definitions', '$defs', 'const', 'oneOf', 'not', 'allOf', 'propertyNames', '$schema', 'title'])
    if (schema[forbidden] !== undefined) out.push(`${path}: ${forbidden} is not allowed`);
  if (typeof schema['type'] !== 'string' && !intOrString && !preserve) out.push(`${path}: no type`);
  if (schema['anyOf'] !== undefined && !intOrString) out.push(`${path}: anyOf outside x-kubernetes-int-or-string`);
  if (schema['additionalProperties'] === false) out.push(`${path}: additionalProperties: false`);
  if (schema['additionalProperties'] !== undefined && schema['properties'] !== undefined) out.push(`${path}: properties and additionalProperties together`);
  const props = schema['properties'] as Record<string, JsonSchema> | undefined;
  for (const [k, v] of Object.entries(props ?? {})) out.push(...structuralViolations(v, `${path === '(root)' ? '' : `${path}.`}${k}`));
  if (typeof schema['additionalProperties'] === 'object') out.push(...structuralViolations(schema['additionalProperties'] as JsonSchema, `${path}[*]`));
  if (typeof schema['items'] === 'object') out.push(...structuralViolations(schema['items'] as JsonSchema, `${path}[]`));
  return out;
}
