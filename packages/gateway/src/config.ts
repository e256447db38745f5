import { errorFromIssues, type ErrorIssue, registerSecrets, zodIssues } from '@polycloud/core/spi';
import { z } from 'zod';

/** What a principal may do on a logical resource (see docs/gateway.md, "Security model"). */
export const GATEWAY_ACTIONS = ['read', 'write', 'delete', 'admin'] as const;

const action = z.enum(GATEWAY_ACTIONS);
const resourceId = z.string().min(1).max(256);
/** S3-style access key ids: letters, digits and a few separators; never a `:` (the bearer token's separator). */
const accessKeyId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._~+/=-]+$/, 'letters, digits and . _ ~ + / = - only')
  // The anonymous principal's id: a key named so would share its rate limit (and its name in problems).
  .refine((id) => id !== 'anonymous', 'reserved for anonymous access');

const credential = z.strictObject({
  accessKeyId,
  /** In a config file only as `${ENV}` (checked by {@link gatewayConfigFromFile}). */
  secretAccessKey: z.string().min(8, 'at least 8 characters').max(1024),
  /** Logical resource ids (LogicalBucket, and LogicalCluster for job endpoints) or `'*'`. */
  buckets: z.array(resourceId).min(1),
  actions: z.array(action).min(1),
});

/** The gateway's options: the `gateway:` section of a polycloud config file, or `createGateway({ config })`. */
export const gatewayConfigSchema = z.strictObject({
  listen: z
    .strictObject({
      /** Default `127.0.0.1` (loopback only). */
      host: z.string().min(1).max(255).optional(),
      /** Default 8080; 0 picks a free port. */
      port: z.coerce.number().int().min(0).max(65_535).optional(),
    })
    .optional(),
  /** PEM file paths; the gateway serves HTTPS when set. */
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  /** The SigV4 region the S3 endpoint answers as. Default `us-east-1`. */
  region: z.string().min(1).max(64).optional(),
  credentials: z
    .array(credential)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((c, i) => {
        if (seen.has(c.accessKeyId)) ctx.addIssue({ code: 'custom', path: [i, 'accessKeyId'], message: `duplicate access key id` });
        seen.add(c.accessKeyId);
      });
    })
    .optional(),
  /** Requests without credentials; refused (401) unless this is set. */
  anonymous: z.strictObject({ buckets: z.array(resourceId).min(1), actions: z.array(action).min(1) }).optional(),
  limits: z
    .strictObject({
      /** Largest request body (an object upload included). Default 5 GiB. */
      maxBodyBytes: z.coerce.number().int().min(1).optional(),
      /** Requests per second per principal; unset means unlimited. */
      maxRequestsPerSecond: z.coerce.number().positive().optional(),
      /** Requests a principal may make at once above the rate. Default: the rate (at least 1). */
      burst: z.coerce.number().int().min(1).optional(),
      /** SigV4 clock skew allowed. Default 900. */
      clockSkewSeconds: z.coerce.number().int().min(0).max(86_400).optional(),
      /** Longest presigned URL the gateway hands out or accepts. Default 604800 (7 days). */
      maxPresignExpirySeconds: z.coerce.number().int().min(1).max(604_800).optional(),
      /** A multipart upload neither completed nor aborted this long after it was created is removed, parts and all. Default 604800 (7 days). */
      multipartExpirySeconds: z.coerce.number().int().min(1).max(31_536_000).optional(),
    })
    .optional(),
});

export type GatewayConfig = z.input<typeof gatewayConfigSchema>;
export type GatewayAction = (typeof GATEWAY_ACTIONS)[number];

export interface ResolvedGatewayConfig {
  listen: { host: string; port: number };
  tls?: { cert: string; key: string };
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; buckets: string[]; actions: GatewayAction[] }[];
  anonymous?: { buckets: string[]; actions: GatewayAction[] };
  limits: {
    maxBodyBytes: number;
    maxRequestsPerSecond?: number;
    burst?: number;
    clockSkewSeconds: number;
    maxPresignExpirySeconds: number;
    multipartExpirySeconds: number;
  };
}

export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 ** 3;

/**
 * Validates gateway options and applies the defaults. Throws CONFIG_INVALID listing
 * every problem with its path (under `pathPrefix`, e.g. `['gateway']`). Secrets are
 * registered with core's redaction, so no error or log line shows them.
 */
export function resolveGatewayConfig(input: unknown = {}, options: { pathPrefix?: (string | number)[] } = {}): ResolvedGatewayConfig {
  const result = gatewayConfigSchema.safeParse(input ?? {});
  if (!result.success) throw errorFromIssues('invalid gateway config', zodIssues(result.error, options.pathPrefix ?? []));
  const c = result.data;
  registerSecrets(c.credentials?.map((k) => k.secretAccessKey) ?? []);
  return {
    listen: { host: c.listen?.host ?? '127.0.0.1', port: c.listen?.port ?? 8080 },
    ...(c.tls ? { tls: c.tls } : {}),
    region: c.region ?? 'us-east-1',
    credentials: (c.credentials ?? []).map((k) => ({ ...k, buckets: [...k.buckets], actions: [...k.actions] })),
    ...(c.anonymous ? { anonymous: { buckets: [...c.anonymous.buckets], actions: [...c.anonymous.actions] } } : {}),
    limits: {
      maxBodyBytes: c.limits?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      ...(c.limits?.maxRequestsPerSecond === undefined ? {} : { maxRequestsPerSecond: c.limits.maxRequestsPerSecond }),
      ...(c.limits?.burst === undefined ? {} : { burst: c.limits.burst }),
      clockSkewSeconds: c.limits?.clockSkewSeconds ?? 900,
      maxPresignExpirySeconds: c.limits?.maxPresignExpirySeconds ?? 604_800,
      multipartExpirySeconds: c.limits?.multipartExpirySeconds ?? 604_800,
    },
  };
}

/**
 * A whole `${NAME}` reference, nothing else around it. A default (`${NAME:-value}`) would
 * be a secret written in the file, so only an empty one is allowed.
 */
const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-)?\}$/;

/**
 * The gateway options of a loaded polycloud config (`loadPolycloudConfig(file).gateway`):
 * checked with {@link gatewayConfigSchema}, problems reported at paths like
 * `['gateway', 'credentials', 0, 'secretAccessKey']`. A secret written literally in
 * the file is refused: it must be a `${ENV}` reference.
 */
export function gatewayConfigFromFile(section: { value: Record<string, unknown>; written: unknown } | undefined): ResolvedGatewayConfig {
  if (!section) return resolveGatewayConfig({}, { pathPrefix: ['gateway'] });
  const issues: ErrorIssue[] = [];
  const written = section.written as { credentials?: unknown } | undefined;
  if (written && Array.isArray(written.credentials)) {
    written.credentials.forEach((entry: unknown, i) => {
      const secret = (entry as { secretAccessKey?: unknown } | null)?.secretAccessKey;
      if (typeof secret === 'string' && !ENV_REFERENCE.test(secret.trim())) {
        // The whole value, and a default inside a reference: neither is shown in the error.
        const fallback = /^\$\{[^}]*?:?-([^}]*)\}$/.exec(secret.trim())?.[1];
        registerSecrets(fallback ? [secret, fallback] : [secret]);
        issues.push({
          path: ['gateway', 'credentials', i, 'secretAccessKey'],
          message:
            'a secret is not written in a config file (nor as the default of a ${VAR:-default} reference): give it as an environment variable reference, e.g. ${POLYCLOUD_GATEWAY_SECRET}',
        });
      }
    });
  }
  if (issues.length) throw errorFromIssues('invalid gateway config', issues);
  return resolveGatewayConfig(section.value, { pathPrefix: ['gateway'] });
}
