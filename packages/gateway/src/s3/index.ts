import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Polycloud } from '@polycloud/core';
import type { CredentialStore } from '../auth.js';
import type { ResolvedGatewayConfig } from '../config.js';
import type { RateLimiter } from '../limits.js';

/** What the S3-compatible endpoint is built from: the same instance, config, credentials and rate limiter as the REST API. */
export interface S3HandlerDeps {
  polycloud: Polycloud;
  config: ResolvedGatewayConfig;
  credentials: CredentialStore;
  rateLimit: RateLimiter;
}

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The S3-compatible endpoint (path-style). Placeholder until the S3 endpoint lands:
 * every request is answered `501 NotImplemented` in S3's XML error format.
 */
export function createS3Handler(_deps: S3HandlerDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    req.resume();
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>NotImplemented</Code><Message>The S3-compatible endpoint is not available in this build</Message><Resource>${escapeXml(
        (req.url ?? '/').split('?')[0]!,
      )}</Resource><RequestId>0</RequestId></Error>`;
    res.writeHead(501, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
