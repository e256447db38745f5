import { createHash, timingSafeEqual } from 'node:crypto';
import type { GatewayAction, ResolvedGatewayConfig } from './config.js';

export type { GatewayAction } from './config.js';

/** Who a request acts as: an access key, or the configured anonymous access. */
export interface Principal {
  /** The access key id, or `'anonymous'`. */
  readonly id: string;
  readonly kind: 'key' | 'anonymous';
}

/** The gateway's credentials and their scopes, shared by the REST API and the S3 endpoint. */
export interface CredentialStore {
  /** The secret of an access key (for SigV4 verification); undefined for an unknown key. */
  secretFor(accessKeyId: string): string | undefined;
  principalFor(accessKeyId: string): Principal | undefined;
  /** The anonymous principal when anonymous access is configured, else undefined. */
  anonymous(): Principal | undefined;
  /** Whether `principal` may do `action` on the logical resource `bucket`. */
  allows(principal: Principal, bucket: string, action: GatewayAction): boolean;
  /**
   * Checks an access key and its secret, in time independent of where they differ
   * (and of whether the key exists). The principal, or undefined.
   */
  verify(accessKeyId: string, secret: string): Principal | undefined;
}

interface Scope {
  buckets: ReadonlySet<string>;
  actions: ReadonlySet<GatewayAction>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time equality of two strings: compares their SHA-256 digests (equal lengths, so `timingSafeEqual` applies). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', kind: 'anonymous' as const });
/** Compared against when a key is unknown, so an unknown key costs the same as a wrong secret. */
const DUMMY_SECRET = 'polycloud-gateway-no-such-key';

export function createCredentialStore(config: ResolvedGatewayConfig): CredentialStore {
  const keys = new Map<string, { secret: string; principal: Principal; scope: Scope }>();
  for (const c of config.credentials) {
    keys.set(c.accessKeyId, {
      secret: c.secretAccessKey,
      principal: Object.freeze({ id: c.accessKeyId, kind: 'key' as const }),
      scope: { buckets: new Set(c.buckets), actions: new Set(c.actions) },
    });
  }
  const anonymousScope: Scope | undefined = config.anonymous
    ? { buckets: new Set(config.anonymous.buckets), actions: new Set(config.anonymous.actions) }
    : undefined;
  const scopeOf = (p: Principal): Scope | undefined => (p.kind === 'anonymous' ? anonymousScope : keys.get(p.id)?.scope);
  return {
    secretFor: (id) => keys.get(id)?.secret,
    principalFor: (id) => keys.get(id)?.principal,
    anonymous: () => (anonymousScope ? ANONYMOUS : undefined),
    allows(principal, bucket, action) {
      const scope = scopeOf(principal);
      if (!scope) return false;
      return (scope.buckets.has('*') || scope.buckets.has(bucket)) && scope.actions.has(action);
    },
    verify(accessKeyId, secret) {
      const entry = keys.get(accessKeyId);
      const ok = secretsEqual(entry?.secret ?? DUMMY_SECRET, secret);
      return entry && ok ? entry.principal : undefined;
    },
  };
}

/** What an `Authorization` header holds for the REST API. */
export type BearerCredentials = { kind: 'none' } | { kind: 'malformed' } | { kind: 'bearer'; accessKeyId: string; secret: string };

/**
 * Reads `Authorization: Bearer <accessKeyId>:<secret>` (the secret may contain `:`;
 * the key id cannot). Any other scheme or shape is `malformed`.
 */
export function parseBearer(header: string | undefined | null): BearerCredentials {
  if (header === undefined || header === null || header.trim() === '') return { kind: 'none' };
  const m = /^Bearer[ ]+([^\s:]+):(\S+)\s*$/i.exec(header);
  if (!m) return { kind: 'malformed' };
  return { kind: 'bearer', accessKeyId: m[1]!, secret: m[2]! };
}
