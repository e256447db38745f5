import { z, type ZodError } from 'zod';
import type { ErrorIssue } from '../errors/polycloud-error.js';
import { DURATION_JSON_SCHEMA, DurationError, parseDurationMs } from './duration.js';
import { schemaIssues } from './suggest.js';

/** A duration field: `250ms`, `5s`, `1m30s` (a unit is required: see config/duration.ts). */
export const durationMs = z
  .unknown()
  .transform((value, ctx) => {
    try {
      return parseDurationMs(value);
    } catch (e) {
      ctx.issues.push({ code: 'custom', message: e instanceof DurationError ? e.message : 'invalid duration', input: value });
      return z.NEVER;
    }
  })
  .meta({ ...DURATION_JSON_SCHEMA, examples: [...DURATION_JSON_SCHEMA.examples] });

/** A whole number, also as a string (interpolated values are strings). */
export const integer = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^-?\d+$/, 'expected a whole number')
      .transform(Number),
  ])
  .pipe(z.number().int());

const zoneName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (max 64)');
const regionList = z.union([
  z.array(z.string().min(1)).min(1, 'a residency zone needs at least one region'),
  z
    .string()
    .min(1)
    .transform((s) =>
      s
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    ),
]);

/**
 * The top level of a polycloud config file. Strict: an unknown key is an error naming it.
 * Providers, resources and jobs are checked entry by entry afterwards, so every
 * problem in every entry is reported at once.
 */
export const ConfigFileSchema = z.strictObject({
  /** The JSON Schema an editor checks the file against (JSON configs); ignored. */
  $schema: z.string().optional(),
  /** Config format version. */
  version: z.literal(1).optional(),
  /** Providers: `{name, type, ...options}` (snake_case options mapped to camelCase). */
  providers: z.array(z.unknown()).optional(),
  /** The original design's name for `providers`. */
  storage_providers: z.array(z.unknown()).optional(),
  /** URM documents: LogicalBucket and LogicalCluster. */
  resources: z.array(z.unknown()).default([]),
  /** Residency zones: zone → regions (`eu: [eu-*, europe-*, westeurope]`). */
  residency: z.record(zoneName, regionList).default({}),
  /** DataJobs: a list, or a map from name to DataJob. */
  jobs: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
  retry: z
    .strictObject({
      max_attempts: integer.pipe(z.number().min(1).max(20)),
      base_delay: durationMs.pipe(z.number().max(60_000, 'at most 60s')),
      max_delay: durationMs.pipe(z.number().max(600_000, 'at most 10m')),
    })
    .partial()
    .optional(),
  /** Overall deadline per operation (at most 24h: a longer timer would fire at once). */
  timeout: durationMs.pipe(z.number().min(1, 'at least 1ms').max(86_400_000, 'at most 24h')).optional(),
  /** In-flight operations per binding. */
  concurrency: integer.pipe(z.number().min(1).max(10_000)).optional(),
  seed: integer.optional(),
  /**
   * Options of a router package (e.g. `@polycloud/router`'s `createRouter`), keys
   * mapped to camelCase; core passes them through as `config.router` (the CLI uses them).
   */
  router: z.record(z.string(), z.unknown()).optional(),
  /**
   * Options of `@polycloud/gateway` (`polycloud serve`): listen address, TLS, credentials,
   * limits. Core only interpolates it; the gateway validates it with its own schema and
   * reads it from `config.gateway`.
   */
  gateway: z.record(z.string(), z.unknown()).optional(),
  /**
   * Options of the Kubernetes DataJob controller (`@polycloud/kubernetes`, `polycloud
   * controller`), keys mapped to camelCase; core passes them through as
   * `config.controller` and that package validates them (paths under `controller`).
   */
  controller: z.record(z.string(), z.unknown()).optional(),
});

export type ConfigFile = z.output<typeof ConfigFileSchema>;

/** The original design's `healthCheck: {path, interval}` on a provider or resource. */
export const HealthCheckSchema = z.strictObject({
  interval: durationMs.pipe(z.number().min(50, 'at least 50ms').max(3_600_000, 'at most 1h')).optional(),
  timeout: durationMs.pipe(z.number().min(10, 'at least 10ms').max(60_000, 'at most 60s')).optional(),
  interval_ms: integer.pipe(z.number().min(50).max(3_600_000)).optional(),
  timeout_ms: integer.pipe(z.number().min(10).max(60_000)).optional(),
  /** Accepted for the original design's files; adapters probe with their own cheap call. */
  path: z.string().optional(),
});

export interface HealthCheck {
  interval_ms?: number;
  timeout_ms?: number;
}

/**
 * zod issues of `schema` as ErrorIssues: an unknown key reported at its own path
 * (`healthCheck.method`) with the closest allowed key, an enum value with the closest
 * allowed value (`input` is what was parsed).
 */
export function configIssues(schema: unknown, error: ZodError, input: unknown, prefix: (string | number)[] = []): ErrorIssue[] {
  return schemaIssues(schema, error, input, prefix);
}
