import { type Agent, type ClientRequest, type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Storage } from '@google-cloud/storage';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';

/** One JSON API request the adapter sends itself, so that its signal really cancels it. */
export interface GcsRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path under the API endpoint, already encoded (`/storage/v1/b/…` or `/upload/storage/v1/b/…`). */
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  signal?: AbortSignal;
  /** Per-request timeout (default: the client's `timeout`): expiring → an ETIMEDOUT error (TIMEOUT). */
  timeoutMs?: number;
}

/** The JSON API's error, shaped like the SDK's ApiError so `mapGcsError` maps it the same way. */
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
 * status ≥ 300, an AbortError, or the transport's error. Sent with node:http(s), which
 * costs less per small request than fetch, through the proxy the environment names
 * (see proxyFor), like the SDK's own requests.
 */
export async function gcsRequest<T>(storage: Storage, request: GcsRequest): Promise<T | undefined> {
  const { url, headers, agent, send, timeoutMs } = await prepare(storage, request);
  return new Promise<T | undefined>((resolve, reject) => {
    const req = send(url, { method: request.method, headers, ...(agent ? { agent } : {}), ...(request.signal ? { signal: request.signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status >= 300) {
          reject(httpError(status, res.statusMessage, text));
          return;
        }
        try {
          resolve(text === '' ? undefined : (JSON.parse(text) as T));
        } catch (e) {
          reject(e as Error);
        }
      });
    });
    armTimeout(req, timeoutMs);
    req.on('error', reject);
    req.end(request.body);
  });
}

/**
 * Sends a media request (`alt=media`, a download) with the client's endpoint,
 * credentials and proxy, like gcsRequest, and resolves with the response once its
 * headers arrived with a status < 300 — its body not yet read, for the caller to
 * stream. A status ≥ 300 rejects with a GcsHttpError (the error body read), a
 * transport failure with the socket's error, `signal` with an AbortError (also later:
 * it destroys the response). `timeoutMs` bounds the wait for the headers only; the body
 * may take as long as it takes.
 *
 * The body is node:http's own IncomingMessage, so a connection closed before the
 * declared length errors the response (ECONNRESET "aborted") instead of being lost:
 * the SDK's download stream (node-fetch 2 under teeny-request 9) pipes the response
 * into a PassThrough with `pipe()`, which forwards no error, and only detects an early
 * close of chunked bodies — a read whose server went away mid-body hung forever.
 */
export async function gcsMediaRequest(storage: Storage, request: Omit<GcsRequest, 'method' | 'body'>): Promise<IncomingMessage> {
  const { url, headers, agent, send, timeoutMs } = await prepare(storage, request);
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(url, { method: 'GET', headers, ...(agent ? { agent } : {}), ...(request.signal ? { signal: request.signal } : {}) }, (res) => {
      clearTimeout(timeout);
      const status = res.statusCode ?? 0;
      if (status < 300) {
        resolve(res);
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => reject(httpError(status, res.statusMessage, Buffer.concat(chunks).toString('utf8'))));
    });
    const timeout = armTimeout(req, timeoutMs);
    // Before the response: the request's error rejects. After it, the response errors too.
    req.on('error', reject);
    req.end();
  });
}

/** Destroys `req` with an ETIMEDOUT error after `timeoutMs` (none when undefined); cleared when it closes. */
function armTimeout(req: ClientRequest, timeoutMs: number | undefined): NodeJS.Timeout | undefined {
  const timeout =
    timeoutMs !== undefined
      ? setTimeout(() => req.destroy(Object.assign(new Error(`network timeout after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs)
      : undefined;
  req.once('close', () => clearTimeout(timeout));
  return timeout;
}

/** URL, headers (with credentials), agent and timeout of one request. */
async function prepare(storage: Storage, request: Omit<GcsRequest, 'method'>) {
  const url = new URL(`${storage.apiEndpoint}${request.path}`);
  for (const [k, v] of Object.entries(request.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { ...request.headers };
  if (!storage.customEndpoint || storage.useAuthWithCustomEndpoint) {
    const auth = (await storage.authClient.getRequestHeaders(url.toString())) as unknown;
    if (auth instanceof Headers) auth.forEach((v, k) => (headers[k.toLowerCase()] = v));
    else for (const [k, v] of Object.entries(auth as Record<string, string>)) headers[k.toLowerCase()] = v;
  }
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const agent = proxyAgentFor(url);
  // The adapter's timeoutMs is the client's `timeout`: it applies here as to the SDK's own requests.
  const timeoutMs = request.timeoutMs ?? (storage as { timeout?: number }).timeout;
  return { url, headers, agent, send, timeoutMs };
}

/** A GcsHttpError from a status and the JSON API's error body (or any other body). */
function httpError(status: number, statusMessage: string | undefined, text: string): GcsHttpError {
  let error: { message?: string; errors?: { reason?: string; message?: string }[] } | undefined;
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error;
  } catch {
    // not JSON: keep the status only
  }
  return new GcsHttpError(status, error?.message ?? `HTTP ${status} ${statusMessage ?? ''}`.trim(), error?.errors ?? []);
}

/**
 * The proxy a request to `url` goes through, read from the environment the way the
 * Google SDK's own HTTP layer (teeny-request) reads it, so the adapter's requests and
 * the SDK's take the same way out: `HTTP_PROXY`, then `HTTPS_PROXY` (either case), for
 * every URL, unless `NO_PROXY` names its origin or host name, or a `.suffix` /
 * `*.suffix` of it. Undefined: no proxy.
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const proxy = env['HTTP_PROXY'] || env['http_proxy'] || env['HTTPS_PROXY'] || env['https_proxy'];
  if (!proxy) return undefined;
  const noProxy = env['NO_PROXY'] || env['no_proxy'];
  for (const raw of noProxy ? noProxy.split(',') : []) {
    const entry = raw.trim();
    if (!entry) continue;
    if (entry === url.origin || entry === url.hostname) return undefined;
    if ((entry.startsWith('*.') || entry.startsWith('.')) && url.hostname.endsWith(entry.replace(/^\*\./, '.'))) return undefined;
  }
  return proxy;
}

/** One keep-alive proxy agent per proxy and protocol. */
const proxyAgents = new Map<string, Agent>();

function proxyAgentFor(url: URL): Agent | undefined {
  const proxy = proxyFor(url);
  if (!proxy) return undefined;
  const key = `${url.protocol}${proxy}`;
  let agent = proxyAgents.get(key);
  if (!agent) {
    agent = url.protocol === 'https:' ? new HttpsProxyAgent(proxy, { keepAlive: true }) : new HttpProxyAgent(proxy, { keepAlive: true });
    proxyAgents.set(key, agent);
  }
  return agent;
}

/** `/storage/v1/b/<bucket>/o/<key>` with both parts encoded as path segments. */
export function objectPath(bucket: string, key: string): string {
  return `/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(key)}`;
}
