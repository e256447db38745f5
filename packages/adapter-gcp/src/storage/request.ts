import type { Storage } from '@google-cloud/storage';

/** One JSON API request the adapter sends itself, so that its signal really cancels it. */
export interface GcsRequest {
  method: 'POST' | 'DELETE';
  /** Path under the API endpoint, already encoded (`/storage/v1/b/…` or `/upload/storage/v1/b/…`). */
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  signal?: AbortSignal;
  /** Per-request timeout (`timeoutMs`): expiring → an ETIMEDOUT error (TIMEOUT). */
  timeoutMs?: number;
}

/** The JSON API's error, shaped like the SDK's ApiError so `toGcsError` maps it the same way. */
export class GcsHttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly errors: { reason?: string; message?: string }[] = [],
  ) {
    super(message);
    this.name = 'GcsHttpError';
  }
}

/**
 * Sends a request to the JSON API with the client's endpoint and credentials (none
 * for a custom endpoint without `useAuthWithCustomEndpoint`, like the SDK). Unlike the
 * SDK's promise calls — whose HTTP layer takes no signal — the request is cancelled
 * (its connection closed) when `signal` fires or `timeoutMs` expires, so an aborted
 * mutation whose body was not fully received cannot land later. Resolves with the
 * parsed JSON body (undefined for an empty one); rejects with a GcsHttpError for a
 * status ≥ 300, an AbortError, or the transport's error.
 */
export async function gcsRequest<T>(storage: Storage, request: GcsRequest): Promise<T | undefined> {
  const url = new URL(`${storage.apiEndpoint}${request.path}`);
  for (const [k, v] of Object.entries(request.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  const headers = new Headers(request.headers);
  if (!storage.customEndpoint || storage.useAuthWithCustomEndpoint) {
    const auth = await storage.authClient.getRequestHeaders(url.toString());
    for (const [k, v] of Object.entries(auth as Record<string, string>)) headers.set(k, v);
  }
  let timedOut = false;
  const timer = request.timeoutMs !== undefined ? new AbortController() : undefined;
  const timeout = timer
    ? setTimeout(() => {
        timedOut = true;
        timer.abort();
      }, request.timeoutMs)
    : undefined;
  const signals = [request.signal, timer?.signal].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  try {
    const response = await fetch(url, {
      method: request.method,
      headers,
      ...(request.body !== undefined ? { body: request.body as BodyInit } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await response.text();
    if (response.status >= 300) {
      let error: { message?: string; errors?: { reason?: string; message?: string }[] } | undefined;
      try {
        error = (JSON.parse(text) as { error?: typeof error }).error;
      } catch {
        // not JSON: keep the status only
      }
      throw new GcsHttpError(response.status, error?.message ?? `HTTP ${response.status} ${response.statusText}`, error?.errors ?? []);
    }
    return text === '' ? undefined : (JSON.parse(text) as T);
  } catch (e) {
    if (timedOut && !request.signal?.aborted) {
      // Not the AbortError as cause: that would read as ABORTED.
      throw Object.assign(new Error(`network timeout after ${request.timeoutMs} ms`), { code: 'ETIMEDOUT' });
    }
    throw e;
  } finally {
    if (timeout) clearTimeout(timeout);
  }
}

/** `/storage/v1/b/<bucket>/o/<key>` with both parts encoded as path segments. */
export function objectPath(bucket: string, key: string): string {
  return `/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(key)}`;
}
