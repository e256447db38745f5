import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import type { ComputeJobRequest } from '../adapter/compute-adapter.js';
import { errorFromIssues } from '../errors/from-zod.js';
import { schemaIssues } from '../config/suggest.js';
import type { ErrorIssue } from '../errors/polycloud-error.js';
import { INPUT_LIMITS } from '../input/limits.js';
import { parseYamlText } from '../input/parse-yaml.js';
import { toPlainData } from '../input/plain-data.js';
import { parseTimeoutSeconds } from './duration.js';
import { DURATION_JSON_SCHEMA } from '../config/duration.js';
import { parseCpu, parseMemoryMiB } from './quantity.js';

function converted<T>(parse: (v: string | number) => T) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    try {
      return parse(value);
    } catch (e) {
      ctx.issues.push({ code: 'custom', message: (e as Error).message, input: value });
      return z.NEVER;
    }
  });
}

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are letters, digits and _, not starting with a digit');
const tagMap = z.record(z.string().min(1).max(128), scalar.pipe(z.string().max(256)));

/** `env` as a map (`{LOG_LEVEL: debug}`) or as Kubernetes' list (`[{name: LOG_LEVEL, value: debug}]`). */
const EnvSchema = z.union([
  z.record(envName, scalar),
  z.array(z.strictObject({ name: envName, value: scalar })).transform((list) => Object.fromEntries(list.map((e) => [e.name, e.value]))),
]);

/** Resource requests in Kubernetes quantities. */
export const DataJobResourcesSchema = z.strictObject({
  /** vCPUs: `2`, `0.5`, `500m`. */
  cpu: converted(parseCpu).default(1),
  /** Memory: `4Gi`, `512Mi`, `1G`, `128974848`, `129e6`. */
  memory: converted(parseMemoryMiB).default(2048),
});

/**
 * The original design's DataJob (`apiVersion: batch.mcp/v1`, `kind: DataJob`), accepted
 * verbatim and extended with command, args, env, timeout, retries and tags. Strict:
 * an unknown field is an error naming its path.
 */
export const DataJobSchema = z.strictObject({
  apiVersion: z.literal('batch.mcp/v1'),
  kind: z.literal('DataJob'),
  metadata: z.strictObject({
    name: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'lowercase letters, digits, - and . (a Kubernetes object name)'),
    labels: tagMap.optional(),
  }),
  spec: z.strictObject({
    /** Binding id or cloud label to pin the job to; left out, the router chooses. */
    cloud: z.string().min(1).max(128).optional(),
    /** Container image. The local adapter ignores it. */
    image: z.string().min(1).max(1024),
    /** Entrypoint override (Kubernetes `command`). */
    command: z.array(z.string()).min(1).optional(),
    /** Arguments (Kubernetes `args`). */
    args: z.array(z.string()).optional(),
    env: EnvSchema.optional(),
    resources: DataJobResourcesSchema.default({ cpu: 1, memory: 2048 }),
    /** Wall-clock limit, a duration in whole seconds (`90s`, `15m`, `1h30m`); a bare number is refused (add a unit). */
    timeout: converted(parseTimeoutSeconds)
      .meta({ ...DURATION_JSON_SCHEMA, examples: ['90s', '15m', '1h30m'] })
      .optional(),
    /** Provider-side retries after a failed attempt (0–9; AWS allows 10 attempts in all). */
    retries: z.number().int().min(0).max(9).default(0),
    /** Data tags for routing: `residency`, `classification`, `priority`, … */
    tags: tagMap.optional(),
  }),
});

export type DataJobManifest = z.input<typeof DataJobSchema>;

/**
 * A validated DataJob with quantities resolved (cpu in vCPUs, memory in MiB, timeout
 * in seconds): what an adapter receives, less the idempotency key (derived at
 * submit), plus the spec's labels and optional `cloud` pin.
 */
export interface DataJob extends Omit<ComputeJobRequest, 'idempotencyKey'> {
  labels: Record<string, string>;
  cloud?: string;
}

/** DataJob text within the input limits (size, nesting, aliases, strings), as for config files: only PolycloudErrors escape. */
function fromYaml(text: string): unknown {
  const parsed = parseYamlText(text, INPUT_LIMITS.maxJobBytes);
  if (!parsed.ok) throw errorFromIssues('invalid DataJob', parsed.issues);
  return parsed.parsed.value;
}

/** An object given by code, read once as plain data (getters, Proxies, `__proto__` keys refused at their path). */
function fromObject(input: object): unknown {
  const issues: ErrorIssue[] = [];
  const value = toPlainData(input, issues);
  if (issues.length) throw errorFromIssues('invalid DataJob', issues);
  return value;
}

/**
 * Validates a DataJob given as YAML text, JSON text or an object. Throws
 * CONFIG_INVALID listing every problem with its path (`spec.resources.memory`).
 */
export function parseDataJob(input: string | object | DataJob): DataJob {
  if (isDataJob(input)) return input;
  const raw = typeof input === 'string' ? fromYaml(input) : fromObject(input);
  const result = DataJobSchema.safeParse(raw);
  if (!result.success) throw errorFromIssues('invalid DataJob', schemaIssues(DataJobSchema, result.error, raw));
  const { metadata, spec } = result.data;
  const job: DataJob = {
    name: metadata.name,
    labels: metadata.labels ?? {},
    ...(spec.cloud === undefined ? {} : { cloud: spec.cloud }),
    image: spec.image,
    ...(spec.command ? { command: spec.command } : {}),
    ...(spec.args ? { args: spec.args } : {}),
    env: spec.env ?? {},
    cpu: spec.resources.cpu,
    memoryMiB: spec.resources.memory,
    ...(spec.timeout === undefined ? {} : { timeoutSeconds: spec.timeout }),
    retries: spec.retries,
    tags: spec.tags ?? {},
  };
  parsedJobs.add(job);
  return job;
}

/** DataJobs this module validated: only these skip validation when passed back in. */
const parsedJobs = new WeakSet<object>();

function isDataJob(v: unknown): v is DataJob {
  return typeof v === 'object' && v !== null && parsedJobs.has(v);
}

/** Idempotency keys: a lowercase letter first, then letters, digits and single hyphens, at most 63 (valid as AWS, GCP and Azure job names). */
export const IDEMPOTENCY_KEY = /^(?=.{1,63}$)[a-z](?:-?[a-z0-9])*$/;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Environment variable holding the idempotency key's HMAC secret (the same on every host). */
export const IDEMPOTENCY_SECRET_ENV = 'POLYCLOUD_IDEMPOTENCY_SECRET';

/** Env names whose values are secret-looking (as ACI's `secureValue` rule): left out of an unkeyed hash. */
export const SECRET_ENV_NAME = /(key|secret|token|passw(or)?d|credential)/i;

/**
 * The default idempotency key: the job name (slugged) plus 16 hex digits of a hash
 * over everything that defines the work (image, command, args, env, resources,
 * timeout, retries, tags). `spec.cloud` is left out on purpose: the same work pinned
 * to another cloud is still the same job, so it is not started twice.
 *
 * The key becomes a provider job name that anyone who can list jobs can read, so it
 * must reveal nothing about env values. With `secret` (per installation or cluster,
 * shared by every host) the hash is an HMAC-SHA-256 keyed with it: without the
 * secret, a guess of a value cannot be checked against the key. Without a secret it
 * is a plain SHA-256 in which the values of secret-looking env names (`*KEY*`,
 * `*SECRET*`, `*TOKEN*`, `*PASSWORD*`, `*PASSWD*`, `*CREDENTIAL*`) are replaced by a
 * marker, so two jobs that differ only in such a value share a key.
 */
export function deriveIdempotencyKey(job: DataJob, secret?: string): string {
  const { cloud: _cloud, labels: _labels, ...work } = job;
  let hash: string;
  if (secret !== undefined && secret.length > 0) {
    hash = createHmac('sha256', secret).update('polycloud-idempotency-v2\0').update(canonical(work)).digest('hex').slice(0, 16);
  } else {
    const env = Object.fromEntries(Object.entries(work.env).map(([k, v]) => [k, SECRET_ENV_NAME.test(k) ? '\u0000secret' : v]));
    hash = createHash('sha256')
      .update(canonical({ ...work, env }))
      .digest('hex')
      .slice(0, 16);
  }
  let slug = job.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(slug)) slug = `j-${slug}`.replace(/-+$/, '');
  slug = slug.slice(0, 46).replace(/-+$/, '');
  return `${slug}-${hash}`;
}

/** The request an adapter receives for a job under an idempotency key. */
export function toComputeJobRequest(job: DataJob, idempotencyKey: string): ComputeJobRequest {
  return {
    name: job.name,
    idempotencyKey,
    image: job.image,
    ...(job.command ? { command: [...job.command] } : {}),
    ...(job.args ? { args: [...job.args] } : {}),
    env: { ...job.env },
    cpu: job.cpu,
    memoryMiB: job.memoryMiB,
    ...(job.timeoutSeconds === undefined ? {} : { timeoutSeconds: job.timeoutSeconds }),
    retries: job.retries,
    tags: { ...job.tags },
  };
}
