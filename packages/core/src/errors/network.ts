import type { ErrorCode } from './codes.js';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'REQUEST_SEND_ERROR',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const MESSAGES: [RegExp, ErrorCode][] = [
  [/socket hang up|other side closed|connection (?:reset|refused|closed)/i, 'UNAVAILABLE'],
  [/timed? ?out/i, 'TIMEOUT'],
];

/**
 * Classifies a transport-level failure (the socket, not the provider's answer) the
 * same way for every adapter: connection refused / reset / unreachable →
 * UNAVAILABLE, socket timeouts → TIMEOUT, both retryable. Looks at `code`, then
 * `cause.code` (fetch and undici nest it), then the message. `undefined` when the
 * error is not a transport failure, so the adapter maps the provider's answer.
 */
export function classifyNetworkError(error: unknown): { code: ErrorCode; retryable: true; errno: string } | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (UNAVAILABLE_CODES.has(code)) return { code: 'UNAVAILABLE', retryable: true, errno: code };
      if (TIMEOUT_CODES.has(code)) return { code: 'TIMEOUT', retryable: true, errno: code };
    }
  }
  const message = error instanceof Error ? error.message : '';
  const isHttpAnswer =
    typeof (error as { status?: unknown; statusCode?: unknown } | null)?.status === 'number' ||
    typeof (error as { statusCode?: unknown } | null)?.statusCode === 'number';
  if (!isHttpAnswer) {
    for (const [pattern, code] of MESSAGES) if (pattern.test(message) && (error as Error).name !== 'AbortError') return { code, retryable: true, errno: code };
  }
  return undefined;
}
