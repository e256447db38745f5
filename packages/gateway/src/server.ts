import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Polycloud } from '@polycloud/core';
import { PolycloudError } from '@polycloud/core/spi';
import { getRequestListener } from '@hono/node-server';
import { createCredentialStore, type CredentialStore } from './auth.js';
import { type GatewayConfig, type ResolvedGatewayConfig, resolveGatewayConfig } from './config.js';
import { createRateLimiter, type RateLimiter } from './limits.js';
import { createRestApp, openApiDocumentOf, REST_PREFIX } from './rest/app.js';
import { createS3Handler } from './s3/index.js';

export interface GatewayOptions {
  /** The instance every request goes through (routing, failover, residency, replication). */
  polycloud: Polycloud;
  /** Listen address, TLS, credentials, limits. Validated: CONFIG_INVALID with the path of each problem. */
  config?: GatewayConfig;
  /** Where the S3 endpoint stages multipart uploads (`S3HandlerDeps.stagingDir`). */
  stagingDir?: string;
  /** Told about every S3 request answered with a 5xx or cut short while streaming (`S3HandlerDeps.onError`); never a secret in it. */
  onS3Error?: (error: unknown, request: { method: string; path: string }) => void;
}

/** A REST (OpenAPI 3.0) and S3-compatible HTTP front of one polycloud instance. */
export interface Gateway {
  /** Starts the HTTP(S) server on the configured address. */
  listen(): Promise<{ url: string; port: number }>;
  /** Stops accepting, ends open connections (event streams included). Idempotent. Does not close the polycloud instance. */
  close(): Promise<void>;
  /** `http(s)://host:port` once listening. */
  readonly url: string | undefined;
  /** The node request listener, for embedding in an existing server: `/_polycloud/…` is the REST API, the rest the S3 endpoint. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** The validated config, defaults applied. */
  readonly config: ResolvedGatewayConfig;
  readonly credentials: CredentialStore;
  readonly rateLimit: RateLimiter;
  /** The OpenAPI 3.0 document of the REST API (what `/_polycloud/openapi.json` serves). */
  openApiDocument(): Record<string, unknown>;
}

/** Whether a request target belongs to the REST API (`/_polycloud` or below); `_` is not allowed in an S3 bucket name, so no bucket clashes. */
export function isRestPath(url: string | undefined): boolean {
  let path = (url ?? '/').split('?')[0]!;
  // An absolute-form request target (`GET http://host/_polycloud/… HTTP/1.1`, RFC 9112 §3.2.2) names the same resource.
  if (!path.startsWith('/')) {
    try {
      path = new URL(path).pathname;
    } catch {
      return false;
    }
  }
  return path === REST_PREFIX || path.startsWith(`${REST_PREFIX}/`);
}

/**
 * Creates the gateway over `polycloud`. Nothing listens until `listen()`; `handler`
 * can be mounted in an existing server instead.
 */
export function createGateway(options: GatewayOptions): Gateway {
  if (!options || typeof options !== 'object' || !options.polycloud || typeof options.polycloud.bucket !== 'function') {
    throw new PolycloudError('INVALID_ARGUMENT', 'createGateway needs { polycloud }, a polycloud instance', { context: { path: ['polycloud'] } });
  }
  const config = resolveGatewayConfig(options.config ?? {});
  const credentials = createCredentialStore(config);
  const rateLimit = createRateLimiter(config.limits);
  const closing = new AbortController();
  const app = createRestApp({ polycloud: options.polycloud, config, credentials, rateLimit, closing: closing.signal });
  const rest = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  const s3 = createS3Handler({
    polycloud: options.polycloud,
    config,
    credentials,
    rateLimit,
    ...(options.stagingDir ? { stagingDir: options.stagingDir } : {}),
    ...(options.onS3Error ? { onError: options.onS3Error } : {}),
  });

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (isRestPath(req.url)) {
      void rest(req, res);
      return;
    }
    s3(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/xml' });
      res.end();
    });
  };

  let server: Server | undefined;
  let url: string | undefined;
  let closed: Promise<void> | undefined;
  // Abandoned multipart uploads are removed once older than limits.multipartExpirySeconds: swept at start (the
  // staging directory outlives a restart) and then every quarter of that, between 1 s and 1 h.
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () => void s3.expireUploads().catch((e: unknown) => options.onS3Error?.(e, { method: 'SWEEP', path: '/' }));

  const readPem = (field: 'cert' | 'key'): Buffer => {
    const file = config.tls![field];
    try {
      return readFileSync(file);
    } catch (cause) {
      throw new PolycloudError('CONFIG_INVALID', `cannot read the TLS ${field} file ${file}`, { cause, retryable: false, context: { path: ['tls', field] } });
    }
  };

  return {
    get url() {
      return url;
    },
    handler,
    config,
    credentials,
    rateLimit,
    openApiDocument: () => openApiDocumentOf(app),
    async listen() {
      if (server) throw new PolycloudError('CONFLICT', 'the gateway is already listening', { retryable: false });
      // No whole-request timeout (Node's default cuts any request after 300 s, a large upload included): the REST routes
      // bound a body by an idle timeout, the S3 endpoint by a transfer deadline sized to the body; headers still time out.
      const serverOptions = { requestTimeout: 0 };
      server = config.tls
        ? createHttpsServer({ ...serverOptions, cert: readPem('cert'), key: readPem('key') }, handler)
        : createHttpServer(serverOptions, handler);
      const s = server;
      await new Promise<void>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException) => {
          reject(
            new PolycloudError(
              error.code === 'EADDRINUSE' || error.code === 'EACCES' ? 'UNAVAILABLE' : 'UNEXPECTED',
              `cannot listen on ${config.listen.host}:${config.listen.port}: ${error.code ?? error.message}`,
              { cause: error, retryable: false, context: { path: ['listen'] } },
            ),
          );
        };
        const onListenError = (error: NodeJS.ErrnoException) => {
          server = undefined;
          onError(error);
        };
        s.once('error', onListenError);
        s.listen(config.listen.port, config.listen.host, () => {
          s.off('error', onListenError);
          resolve();
        });
      });
      const port = (s.address() as AddressInfo).port;
      const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
      url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;
      sweep();
      sweeper = setInterval(sweep, Math.min(3_600_000, Math.max(1000, (config.limits.multipartExpirySeconds * 1000) / 4))).unref();
      return { url, port };
    },
    close() {
      closed ??= (async () => {
        closing.abort();
        clearInterval(sweeper);
        const s = server;
        if (!s) return;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections();
          // Event streams and slow uploads would hold `close` open: end them.
          setTimeout(() => s.closeAllConnections(), 100).unref();
        });
        url = undefined;
      })();
      return closed;
    },
  };
}
