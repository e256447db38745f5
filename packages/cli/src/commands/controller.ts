import type { Logger } from '@polycloud/core';
import { type CommandContext, openPolycloud } from '../context.js';
import { EXIT, interruptCode, line } from '../io.js';

export interface ControllerCommandOptions {
  cluster?: string;
  namespace?: string[];
  identity?: string;
  json?: boolean;
}

/** Info, warnings and errors of the controller on stderr (debug only with --verbose, which brings its own logger). */
function controllerLogger(ctx: CommandContext): Logger {
  const log = (level: string) => (fields: Record<string, unknown>, message: string) => {
    if (ctx.quiet && level === 'info') return;
    const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
    line(ctx.stderr, ctx.json ? JSON.stringify({ level, message, ...fields }) : `[${level}] ${message}${extra}`);
  };
  return { debug: () => undefined, info: log('info'), warn: log('warn'), error: log('error') };
}

/**
 * `polycloud controller`: runs the DataJob controller of `@polycloud/kubernetes` (loaded
 * only for this command) with the config's `controller:` section, flags overriding it,
 * until SIGINT / SIGTERM; then it stops cleanly (work in flight finished, the Lease
 * released so another replica takes over at once) and exits 130 / 143.
 */
export async function controllerCommand(ctx: CommandContext, opts: ControllerCommandOptions): Promise<number> {
  const { polycloud, config } = await openPolycloud(ctx);
  try {
    const { controllerOptionsFromConfig, createDataJobController } = await import('@polycloud/kubernetes');
    const options = controllerOptionsFromConfig(config.controller, polycloud, {
      ...(opts.cluster ? { cluster: opts.cluster } : {}),
      ...(opts.namespace?.length ? { namespace: opts.namespace } : {}),
      ...(opts.identity ? { identity: opts.identity } : {}),
    });
    const controller = createDataJobController({ ...options, logger: ctx.logger ?? controllerLogger(ctx) });
    const stopped = new Promise<void>((resolve) => {
      if (!ctx.signal) return;
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await controller.start();
    const ns = options.namespace === undefined ? 'every namespace' : `namespace ${[options.namespace].flat().join(', ')}`;
    const started = { ok: true, controller: controller.identity, cluster: options.cluster, namespace: options.namespace ?? null };
    if (ctx.json) line(ctx.stdout, JSON.stringify(started));
    else if (!ctx.quiet) line(ctx.stderr, `controller ${controller.identity}: DataJobs in ${ns} → cluster ${options.cluster}; Ctrl-C stops`);
    await stopped;
    await controller.stop({ releaseLease: true });
    if (!ctx.quiet && !ctx.json) line(ctx.stderr, `controller ${controller.identity} stopped (${String(ctx.signal?.reason ?? 'signal')}); lease released`);
    return ctx.signal ? interruptCode(ctx.signal) : EXIT.ok;
  } finally {
    await polycloud.close();
  }
}
