import { classifyNetworkError, type ErrorCode, type ErrorIssue, isPolycloudError, PolycloudError } from '@polycloud/core/spi';

export interface KubernetesErrorContext {
  operation: string;
  key?: string;
  /** The caller's own signal: aborted → ABORTED; a cut by the adapter's request timeout → TIMEOUT. */
  callerSignal?: AbortSignal;
}

interface KubeStatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { field?: string; message?: string; reason?: string }[] };
}

/** The Status an API error carries (client-node 1.x keeps the raw body in `ApiException.body`). */
function statusBody(error: unknown): KubeStatusBody | undefined {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'object' && body !== null) return body as KubeStatusBody;
  if (typeof body !== 'string') return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as KubeStatusBody) : undefined;
  } catch {
    return undefined;
  }
}

/** `spec.template.spec.containers[0].image` → `['spec', 'template', 'spec', 'containers', 0, 'image']`. */
export function fieldPath(field: string): (string | number)[] {
  return [...field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

/**
 * Maps a Kubernetes API error to core's codes, from the HTTP status and the Status body
 * the API server answers with:
 * - 401, 403 → PERMISSION_DENIED; 403 whose message says `exceeded quota` (ResourceQuota
 *   admission) → QUOTA_EXCEEDED, retryable: the cluster client fails over on it.
 * - 404 → NOT_FOUND; 409 AlreadyExists → ALREADY_EXISTS; 409 Conflict → CONFLICT (retryable).
 * - 422 Invalid → INVALID_ARGUMENT with `context.path` = the first cause's field and every
 *   cause in `context.issues`; 400, 405, 413, 415 → INVALID_ARGUMENT.
 * - 429 → RATE_LIMITED; 500, 502, 503 → UNAVAILABLE; 504 → TIMEOUT (all retryable).
 * - The caller's abort → ABORTED; the adapter's request timeout → TIMEOUT; socket errors
 *   by core's `classifyNetworkError` → UNAVAILABLE / TIMEOUT (retryable).
 * Messages carry the Status message only: never the request, its headers or the kubeconfig.
 */
export function mapKubernetesError(error: unknown, context: KubernetesErrorContext): PolycloudError {
  if (isPolycloudError(error)) return error;
  const e = (error ?? {}) as { name?: string; code?: unknown; message?: string; type?: string };
  const httpStatus = typeof e.code === 'number' ? e.code : undefined;
  const status = httpStatus !== undefined ? statusBody(error) : undefined;
  const ctx = {
    provider: 'kubernetes',
    operation: context.operation,
    ...(context.key ? { key: context.key } : {}),
    ...(httpStatus ? { status: httpStatus } : {}),
  };
  const text = status?.message ?? (httpStatus !== undefined ? `HTTP ${httpStatus}` : (e.message ?? String(error)));
  const make = (code: ErrorCode, retryable: boolean, extra: Record<string, unknown> = {}) =>
    new PolycloudError(code, `Kubernetes ${context.operation}: ${status?.reason ? `${status.reason}: ` : ''}${text}`, {
      cause: error,
      retryable,
      context: { ...ctx, ...(status?.reason ? { reason: status.reason } : {}), ...extra },
    });

  if (e.name === 'AbortError' || e.type === 'aborted') {
    return context.callerSignal?.aborted ? make('ABORTED', false) : make('TIMEOUT', true);
  }
  if (httpStatus !== undefined) {
    if (httpStatus === 401) return make('PERMISSION_DENIED', false);
    if (httpStatus === 403) return /exceeded quota/i.test(text) ? make('QUOTA_EXCEEDED', true) : make('PERMISSION_DENIED', false);
    if (httpStatus === 404) return make('NOT_FOUND', false);
    if (httpStatus === 409) return status?.reason === 'AlreadyExists' ? make('ALREADY_EXISTS', false) : make('CONFLICT', true);
    if (httpStatus === 422) {
      const issues: ErrorIssue[] = (status?.details?.causes ?? []).map((c) => ({
        path: fieldPath(c.field ?? ''),
        message: c.message ?? c.reason ?? 'invalid',
      }));
      return make('INVALID_ARGUMENT', false, issues.length ? { path: issues[0]!.path, issues } : {});
    }
    if (httpStatus === 429) return make('RATE_LIMITED', true);
    if (httpStatus === 504) return make('TIMEOUT', true);
    if (httpStatus >= 500) return make('UNAVAILABLE', true);
    if (httpStatus >= 400) return make('INVALID_ARGUMENT', false);
  }
  const network = classifyNetworkError(error);
  if (network) return make(network.code, true);
  return make('UNEXPECTED', false);
}
