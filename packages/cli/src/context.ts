import { type AdapterRegistry, createPolycloud, errorFromIssues, isPolycloudError, loadPolycloudConfig, type Logger, type Polycloud, type PolycloudConfig } from '@polycloud/core';
import { createRouter, type RouterOptions } from '@polycloud/router';
import type { CliIo } from './io.js';
import { createCliRegistry } from './registry.js';

/** What every command gets: the streams, and how to load the config it names. */
export interface CommandContext extends CliIo {
  registry: () => Promise<AdapterRegistry>;
  logger?: Logger;
}

/** Loads and checks the config, its `router:` section included (CONFIG_INVALID at `router.…`). */
export function loadConfig(ctx: CommandContext, registry: AdapterRegistry, path: string): PolycloudConfig {
  const config = loadPolycloudConfig(path, { registry, env: ctx.env ?? process.env, ...(ctx.cwd ? { cwd: ctx.cwd } : {}) });
  routerFrom(config);
  return config;
}

/** `@polycloud/router` with the config's `router:` options. */
function routerFrom(config: PolycloudConfig) {
  try {
    return createRouter((config.router ?? {}) as RouterOptions);
  } catch (e) {
    if (!isPolycloudError(e, 'CONFIG_INVALID')) throw e;
    const issues = (e.context.issues ?? []).map((i) => ({ ...i, path: ['router', ...i.path] }));
    throw errorFromIssues(`invalid router options${config.file ? ` in ${config.file}` : ''}`, issues).withContext(config.file ? { file: config.file } : {});
  }
}

/** Loads the config and creates the instance (with @polycloud/router); the caller closes it. */
export async function openPolycloud(ctx: CommandContext, path: string): Promise<{ polycloud: Polycloud; config: PolycloudConfig }> {
  const registry = await ctx.registry();
  const config = loadConfig(ctx, registry, path);
  const polycloud = createPolycloud({ ...config.options, router: routerFrom(config), ...(ctx.logger ? { logger: ctx.logger } : {}) });
  return { polycloud, config };
}

export function defaultRegistry(): () => Promise<AdapterRegistry> {
  let cached: Promise<AdapterRegistry> | undefined;
  return () => (cached ??= createCliRegistry());
}
