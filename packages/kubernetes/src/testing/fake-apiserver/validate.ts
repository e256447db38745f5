import { dataJobCrdSchemaFromJson } from './crd-schema.js';
import type { ResourceType } from './resources.js';
import { validateStructural } from './schema-validate.js';
import { pruneUnknownFields } from './unknown-fields.js';
import type { StatusCause } from './status.js';

type KubeObject = Record<string, unknown> & { metadata?: Record<string, unknown> };
type ModelClass = new (data: object) => { validate(): void };

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

const required = (field: string): StatusCause => ({ reason: 'FieldValueRequired', message: 'Required value', field });
const invalidValue = (field: string, value: unknown, why: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  message: `Invalid value: ${JSON.stringify(value)}: ${why}`,
  field,
});

/** ObjectMeta rules every kind shares: name, labels, annotations. */
export function validateMeta(obj: KubeObject, maxNameLength = 253): StatusCause[] {
  const causes: StatusCause[] = [];
  const meta = obj.metadata ?? {};
  const name = meta['name'];
  if (typeof name !== 'string' || name === '') causes.push(required('metadata.name'));
  else if (name.length > maxNameLength || !DNS1123_SUBDOMAIN.test(name)) {
    causes.push(
      invalidValue(
        'metadata.name',
        name,
        `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (at most ${maxNameLength} characters)`,
      ),
    );
  }
  const labels = (meta['labels'] ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(labels)) {
    const [prefix, key] = k.includes('/') ? [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)] : [undefined, k];
    if ((prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) || key.length > 63 || !LABEL_NAME.test(key)) {
      causes.push(
        invalidValue(
          'metadata.labels',
          k,
          "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63)",
        ),
      );
    }
    if (typeof v !== 'string' || v.length > 63 || (v !== '' && !LABEL_NAME.test(v))) {
      causes.push(
        invalidValue(
          'metadata.labels',
          v,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63)",
        ),
      );
    }
  }
  const annotations = (meta['annotations'] ?? {}) as Record<string, unknown>;
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    if (typeof v !== 'string') causes.push(invalidValue(`metadata.annotations.${k}`, v, 'must be a string'));
    size += k.length + String(v).length;
  }
  if (size > 256 * 1024) causes.push({ reason: 'FieldValueTooLong', message: 'Too long: must have at most 262144 bytes', field: 'metadata.annotations' });
  return causes;
}

/** The semantic rules of the Job API the fake enforces beyond the OpenAPI schema. */
function validateJob(job: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = (job['spec'] ?? {}) as Record<string, unknown>;
  const pod = ((spec['template'] as Record<string, unknown> | undefined)?.['spec'] ?? {}) as Record<string, unknown>;
  const policy = pod['restartPolicy'];
  if (policy !== 'Never' && policy !== 'OnFailure') {
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${JSON.stringify(policy ?? '')}: supported values: "OnFailure", "Never"`,
      field: 'spec.template.spec.restartPolicy',
    });
  }
  const containers = pod['containers'];
  if (!Array.isArray(containers) || containers.length === 0) causes.push(required('spec.template.spec.containers'));
  (Array.isArray(containers) ? containers : []).forEach((c: Record<string, unknown>, i) => {
    const at = `spec.template.spec.containers[${i}]`;
    if (typeof c['name'] !== 'string' || !DNS1123_LABEL.test(c['name']) || c['name'].length > 63)
      causes.push(invalidValue(`${at}.name`, c['name'], 'a lowercase RFC 1123 label'));
    if (typeof c['image'] !== 'string' || c['image'].trim() === '') causes.push(required(`${at}.image`));
    ((c['env'] as { name?: unknown }[] | undefined) ?? []).forEach((e, j) => {
      if (typeof e.name !== 'string' || !ENV_NAME.test(e.name)) causes.push(invalidValue(`${at}.env[${j}].name`, e.name, 'a valid environment variable name'));
    });
  });
  for (const f of ['backoffLimit', 'activeDeadlineSeconds', 'completions', 'parallelism'] as const) {
    const v = spec[f];
    if (typeof v === 'number' && (v < 0 || (f === 'activeDeadlineSeconds' && v === 0))) {
      causes.push(invalidValue(`spec.${f}`, v, f === 'activeDeadlineSeconds' ? 'must be greater than 0' : 'must be greater than or equal to 0'));
    }
  }
  return causes;
}

const MODELS: Record<string, () => Promise<ModelClass>> = {
  Job: async () => (await import('kubernetes-models/batch/v1/Job')).Job as ModelClass,
  Lease: async () => (await import('kubernetes-models/coordination.k8s.io/v1/Lease')).Lease as ModelClass,
  Event: async () => (await import('kubernetes-models/v1/Event')).Event as ModelClass,
};
const loaded = new Map<string, Promise<ModelClass>>();

/** ajv errors from a kubernetes-models ValidationError, as Status causes (`spec.backoffLimit`). */
function modelCauses(error: unknown): StatusCause[] {
  const errors = (error as { errors?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[] }).errors;
  if (!Array.isArray(errors)) return [{ reason: 'FieldValueInvalid', message: String((error as Error).message ?? error), field: '<root>' }];
  return errors
    .filter((e) => !/must match exactly one schema/.test(e.message ?? ''))
    .map((e) => {
      const field = (e.instancePath ?? '')
        .split('/')
        .filter(Boolean)
        .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
        .join('');
      const missing = typeof e.params?.['missingProperty'] === 'string' ? e.params['missingProperty'] : undefined;
      if (missing) return required(field ? `${field}.${missing}` : missing);
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${e.message ?? 'invalid'}`, field: field || '<root>' };
    });
}

/**
 * Validates a body the way the API server would before storing it: the kind's OpenAPI
 * schema (kubernetes-models for built-in kinds, the CRD's own schema for DataJobs, which
 * also prunes unknown fields) plus ObjectMeta and Job rules. Returns the causes
 * (empty = valid) and the pruned unknown fields.
 */
export async function validateObject(type: ResourceType, obj: KubeObject): Promise<{ causes: StatusCause[]; unknown: string[] }> {
  const causes = validateMeta(obj, type.kind === 'Job' ? 63 : 253);
  if (type.kind === 'DataJob') {
    const result = validateStructural(dataJobCrdSchemaFromJson(), obj);
    return { causes: [...causes, ...result.causes], unknown: result.unknown };
  }
  const load = MODELS[type.kind];
  if (load) {
    let p = loaded.get(type.kind);
    if (!p) {
      p = load().catch((e: unknown) => {
        loaded.delete(type.kind);
        throw new Error(
          `the fake API server validates ${type.kind}s with kubernetes-models (an optional peer dependency of @polycloud/kubernetes/testing): install it (${String(e)})`,
        );
      });
      loaded.set(type.kind, p);
    }
    const Model = await p;
    try {
      new Model(obj).validate();
    } catch (e) {
      causes.push(...modelCauses(e));
    }
  }
  if (type.kind === 'Job') causes.push(...validateJob(obj));
  return { causes, unknown: causes.length ? [] : await pruneUnknownFields(type.kind, obj) };
}

/** DeleteOptions (meta/v1) as the API server checks a DELETE body. */
export function validateDeleteOptions(body: unknown): StatusCause[] {
  if (body === undefined) return [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [invalidValue('<root>', body, 'must be a DeleteOptions object')];
  const o = body as Record<string, unknown>;
  const causes: StatusCause[] = [];
  const known = new Set([
    'kind',
    'apiVersion',
    'propagationPolicy',
    'gracePeriodSeconds',
    'preconditions',
    'dryRun',
    'orphanDependents',
    'ignoreStoreReadErrorWithClusterBreakingPotential',
  ]);
  for (const k of Object.keys(o)) if (!known.has(k)) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: unknown field "${k}"`, field: k });
  const policy = o['propagationPolicy'];
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`,
      field: 'propagationPolicy',
    });
  }
  const grace = o['gracePeriodSeconds'];
  if (grace !== undefined && !(Number.isInteger(grace) && (grace as number) >= 0))
    causes.push(invalidValue('gracePeriodSeconds', grace, 'must be a non-negative integer'));
  const pre = o['preconditions'];
  if (pre !== undefined) {
    if (typeof pre !== 'object' || pre === null) causes.push(invalidValue('preconditions', pre, 'must be an object'));
    else
      for (const [k, v] of Object.entries(pre))
        if ((k !== 'uid' && k !== 'resourceVersion') || typeof v !== 'string')
          causes.push(invalidValue(`preconditions.${k}`, v, 'uid and resourceVersion are strings'));
  }
  if (o['orphanDependents'] !== undefined && typeof o['orphanDependents'] !== 'boolean')
    causes.push(invalidValue('orphanDependents', o['orphanDependents'], 'must be a boolean'));
  if (o['orphanDependents'] !== undefined && policy !== undefined)
    causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: both orphanDependents and propagationPolicy set', field: 'propagationPolicy' });
  return causes;
}

/** batch/v1 Job fields that may not change after create (the API server answers 422 "field is immutable"). */
export function jobImmutableCauses(old: Record<string, unknown>, next: Record<string, unknown>): StatusCause[] {
  const o = (old['spec'] ?? {}) as Record<string, unknown>;
  const n = (next['spec'] ?? {}) as Record<string, unknown>;
  const causes: StatusCause[] = [];
  for (const f of ['template', 'completions', 'completionMode', 'selector', 'podFailurePolicy', 'backoffLimitPerIndex']) {
    if (JSON.stringify(o[f]) !== JSON.stringify(n[f]))
      causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: field is immutable', field: `spec.${f}` });
  }
  return causes;
}
