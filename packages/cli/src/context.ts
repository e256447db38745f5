import { type AdapterRegistry, errorFromIssues, isPolycloudError, readConfigSource } from '@polycloud/core/spi';
import { createPolycloud, type Logger, type Polycloud } from '@polycloud/core';
import { loadPolycloudConfig, type PolycloudConfig } from '@polycloud/core/config';
import { createRouter, type RouterOptions, RouterOptionsSchema } from '@polycloud/router';
import { createSync } from '@polycloud/sync';
import type { CliIo } from './io.js';
import { createCliRegistry } from './registry.js';

/** What every command gets: the streams, and how to load the config it names. */
export interface CommandContext extends CliIo {
  /** The adapter registry; `types` are the adapter types the config names (a hint: load only what is needed). */
  registry: (types?: readonly string[]) => Promise<AdapterRegistry>;
  logger?: Logger;
}

/** Loads and checks the config, its `router:` section included (CONFIG_INVALID at `router.…`). */
export function loadConfig(ctx: CommandContext, registry: AdapterRegistry, path: string): PolycloudConfig {
  const config = loadPolycloudConfig(path, { registry, env: ctx.env ?? process.env, routerSchema: RouterOptionsSchema, ...(ctx.cwd ? { cwd: ctx.cwd } : {}) });
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

/** Loads the config and creates the instance (with @polycloud/router and @polycloud/sync); the caller closes it. */
export async function openPolycloud(ctx: CommandContext, path: string): Promise<{ polycloud: Polycloud; config: PolycloudConfig }> {
  const registry = await ctx.registry(providerTypes(ctx, path));
  const config = loadConfig(ctx, registry, path);
  const polycloud = createPolycloud({ ...config.options, router: routerFrom(config), sync: createSync(), ...(ctx.logger ? { logger: ctx.logger } : {}) });
  return { polycloud, config };
}

export function defaultRegistry(): (types?: readonly string[]) => Promise<AdapterRegistry> {
  const cached = new Map<string, Promise<AdapterRegistry>>();
  return (types) => {
    const key = types ? [...types].sort().join(',') : '*';
    let r = cached.get(key);
    if (!r) cached.set(key, (r = createCliRegistry(types ? { types } : {})));
    return r;
  };
}

/** The adapter types a config file names (a cheap first read); undefined when it cannot tell. */
export function providerTypes(ctx: CommandContext, path: string): string[] | undefined {
  try {
    const raw = readConfigSource(path, ctx.cwd ? { cwd: ctx.cwd } : {}).raw as Record<string, unknown>;
    const list = raw['providers'] ?? raw['storage_providers'];
    if (!Array.isArray(list)) return undefined;
    return list.map((p) => (p as { type?: unknown } | null)?.type).filter((t): t is string => typeof t === 'string');
  } catch {
    return undefined;
  }
}
