import { PolycloudError } from '@polycloud/core/spi';
import { type CommandContext, openPolycloud } from '../context.js';
import { EXIT, line } from '../io.js';

export interface ServeOptions {
  host?: string;
  port?: string;
  json?: boolean;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * `polycloud serve [--host h] [--port p]`: the gateway (`@polycloud/gateway`, loaded
 * only by this command) over the configured instance, with the config file's
 * `gateway:` section; the flags override its `listen`. Runs until SIGINT / SIGTERM,
 * then stops accepting, ends open connections, closes the instance and exits 0.
 */
export async function serveCommand(ctx: CommandContext, opts: ServeOptions): Promise<number> {
  const { polycloud, config } = await openPolycloud(ctx);
  try {
    const { createGateway, gatewayConfigFromFile } = await import('@polycloud/gateway');
    const fromFile = gatewayConfigFromFile(config.gateway);
    let port = fromFile.listen.port;
    if (opts.port !== undefined) {
      if (!/^\d+$/.test(opts.port) || Number(opts.port) > 65_535) {
        throw new PolycloudError('INVALID_ARGUMENT', `--port must be a port number (0-65535), not ${opts.port}`, {
          context: { path: ['port'] },
          retryable: false,
        });
      }
      port = Number(opts.port);
    }
    const host = opts.host ?? fromFile.listen.host;
    const gateway = createGateway({ polycloud, config: { ...fromFile, listen: { host, port } } });
    const { url } = await gateway.listen();
    const warnings: string[] = [];
    if (!LOOPBACK.test(host) && !fromFile.tls)
      warnings.push(`listening on ${host} without TLS: credentials cross the network in clear text (configure gateway.tls)`);
    if (fromFile.credentials.length === 0 && !fromFile.anonymous)
      warnings.push('no gateway.credentials and no gateway.anonymous: every API request is refused (401)');
    if (ctx.json) {
      line(ctx.stdout, JSON.stringify({ ok: true, url, rest: `${url}/_polycloud/v1`, openapi: `${url}/_polycloud/openapi.json`, s3: url, warnings }));
    } else if (!ctx.quiet) {
      line(ctx.stdout, `polycloud gateway listening on ${url}`);
      line(ctx.stdout, `  REST API: ${url}/_polycloud/v1   OpenAPI: ${url}/_polycloud/openapi.json   S3: ${url}`);
    }
    for (const w of warnings) if (!ctx.json) line(ctx.stderr, `warning: ${w}`);
    await new Promise<void>((resolve) => {
      const signal = ctx.signal;
      if (!signal) return; // Without a signal (embedded runCli without one), serve until the process ends.
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await gateway.close();
    if (!ctx.quiet && !ctx.json) line(ctx.stderr, `stopped (${String(ctx.signal?.reason ?? 'signal')})`);
    return EXIT.ok;
  } finally {
    await polycloud.close();
  }
}
