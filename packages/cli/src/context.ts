import { type AdapterRegistry, createPolycloud, loadPolycloudConfig, type Logger, type Polycloud, type PolycloudConfig } from '@polycloud/core';
import { createRouter } from '@polycloud/router';
import type { CliIo } from './io.js';
import { createCliRegistry } from './registry.js';

/** What every command gets: the streams, and how to load the config it names. */
export interface CommandContext extends CliIo {
  registry: () => Promise<AdapterRegistry>;
  logger?: Logger;
}

export function loadConfig(ctx: CommandContext, registry: AdapterRegistry, path: string): PolycloudConfig {
  return loadPolycloudConfig(path, { registry, env: ctx.env ?? process.env, ...(ctx.cwd ? { cwd: ctx.cwd } : {}) });
}

/** Loads the config and creates the instance (with @polycloud/router); the caller closes it. */
export async function openPolycloud(ctx: CommandContext, path: string): Promise<{ polycloud: Polycloud; config: PolycloudConfig }> {
  const registry = await ctx.registry();
  const config = loadConfig(ctx, registry, path);
  const polycloud = createPolycloud({ ...config.options, router: createRouter(), ...(ctx.logger ? { logger: ctx.logger } : {}) });
  return { polycloud, config };
}

export function defaultRegistry(): () => Promise<AdapterRegistry> {
  let cached: Promise<AdapterRegistry> | undefined;
  return () => (cached ??= createCliRegistry());
}
