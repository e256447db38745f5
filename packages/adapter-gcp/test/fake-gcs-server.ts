import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake server saw. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The request body as text (JSON for metadata calls). */
  body: string;
}

/** What the fake answers: a status and a JSON API error `reason` (and message), or a 2xx with a JSON body. */
export interface FakeAnswer {
  status: number;
  reason?: string;
  message?: string;
  /** For a 2xx: the JSON body (default `{}`). */
  json?: unknown;
}

/**
 * A loopback HTTP server that answers every request with a GCS JSON API error, in
 * the format Google documents ({"error":{"code","message","errors":[{reason}]}})
 * (or a 2xx with a JSON body when told), and records the requests: for the statuses the emulator never returns (412, 403,
 * 429, 503…).
 */
export async function startFakeGcs(answer: (req: SeenRequest) => FakeAnswer): Promise<{ endpoint: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: SeenRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: '' };
    seen.push(request);
    req.setEncoding('utf8');
    req.on('data', (d: string) => (request.body += d));
    req.on('end', () => {
      const a = answer(request);
      if (a.status < 300) {
        res.writeHead(a.status, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(JSON.stringify(a.json ?? {}));
        return;
      }
      const message = a.message ?? `fake ${a.status}`;
      res.writeHead(a.status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify({ error: { code: a.status, message, errors: [{ message, domain: 'global', reason: a.reason ?? 'fake' }] } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
