import { isAbsolute, resolve } from 'node:path';
import { type AdapterRegistry, errorFromIssues, INPUT_LIMITS, isPolycloudError, PolycloudError, readConfigSource, readTextFile } from '@polycloud/core/spi';
import { createPolycloud, type Logger, type Polycloud } from '@polycloud/core';
import { loadPolycloudConfig, type PolycloudConfig } from '@polycloud/core/config';
import { createRouter, type RouterOptions, RouterOptionsSchema } from '@polycloud/router';
import { createSync } from '@polycloud/sync';
import type { CliIo } from './io.js';
import { createCliRegistry } from './registry.js';

/** The config file used when neither `--config` nor `POLYCLOUD_CONFIG` names one. */
export const DEFAULT_CONFIG = 'polycloud.yaml';

/** What every command gets: the streams, the global flags, and how to load the config. */
export interface CommandContext extends CliIo {
  /** The adapter registry; `types` are the adapter types the config names (a hint: load only what is needed). */
  registry: (types?: readonly string[]) => Promise<AdapterRegistry>;
  logger?: Logger;
  /** `--config` (or `validate`'s positional file); `-` is stdin. */
  configOption?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** The config text, once read (stdin can be read only once). */
  source?: Promise<ConfigText>;
}

export interface ConfigText {
  text: string;
  /** The file it came from (`-` for stdin). */
  file: string;
}

/** Where the config comes from: `--config`, else `POLYCLOUD_CONFIG`, else `./polycloud.yaml`. */
export function configLocation(ctx: CommandContext): { path: string; from: 'option' | 'env' | 'default' } {
  if (ctx.configOption !== undefined && ctx.configOption !== '') return { path: ctx.configOption, from: 'option' };
  const env = (ctx.env ?? process.env)['POLYCLOUD_CONFIG'];
  if (env) return { path: env, from: 'env' };
  return { path: DEFAULT_CONFIG, from: 'default' };
}

const isStdin = (path: string) => path === '-' || path === '/dev/stdin';

/** Reads stdin up to the config size limit (a larger input is CONFIG_INVALID, not read on). */
async function readStdin(ctx: CommandContext): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  const input = ctx.stdin ?? process.stdin;
  for await (const chunk of input) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    length += b.length;
    if (length > INPUT_LIMITS.maxConfigBytes) {
      (input as { destroy?: () => void }).destroy?.();
      throw new PolycloudError('CONFIG_INVALID', `the config on stdin is larger than ${INPUT_LIMITS.maxConfigBytes} bytes`, {
        context: { path: [], file: '-' },
        retryable: false,
      });
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, length).toString('utf8');
}

/**
 * The config text. A path is always a path, whatever its name (no guessing between a
 * path and YAML text); it must be a regular file within the size limit (a FIFO or
 * device is refused, never read). `-` (or `/dev/stdin`) reads stdin — the one
 * explicit exception, still bounded by the same size limit.
 */
export function readConfig(ctx: CommandContext): Promise<ConfigText> {
  ctx.source ??= (async () => {
    const { path, from } = configLocation(ctx);
    if (isStdin(path)) return { text: await readStdin(ctx), file: '-' };
    const file = isAbsolute(path) ? path : resolve(ctx.cwd ?? process.cwd(), path);
    try {
      return { text: readTextFile(file, { maxBytes: INPUT_LIMITS.maxConfigBytes, invalidCode: 'CONFIG_INVALID', what: 'config file' }), file };
    } catch (e) {
      if (from === 'default' && isPolycloudError(e, 'NOT_FOUND')) {
        throw new PolycloudError(
          'INVALID_ARGUMENT',
          `no config: give --config <file> (- for stdin), set POLYCLOUD_CONFIG, or create ./${DEFAULT_CONFIG} (${file} does not exist)`,
          {
            context: { path: ['config'] },
            retryable: false,
          },
        );
      }
      throw e;
    }
  })();
  return ctx.source;
}

/** Loads and checks the config, its `router:` section included (CONFIG_INVALID at `router.…`). */
export async function loadConfig(ctx: CommandContext, registry: AdapterRegistry): Promise<PolycloudConfig> {
  const { text, file } = await readConfig(ctx);
  let config: PolycloudConfig;
  try {
    // Text, never a path: core guesses a path only from the name, the CLI already read the file.
    config = loadPolycloudConfig(text.includes('\n') ? text : `${text}\n`, {
      registry,
      env: ctx.env ?? process.env,
      routerSchema: RouterOptionsSchema,
      ...(ctx.cwd ? { cwd: ctx.cwd } : {}),
    });
  } catch (e) {
    if (isPolycloudError(e) && e.context['file'] === undefined) {
      const err = e.withContext({ file });
      throw new PolycloudError(err.code, e.message.replace('invalid polycloud config', `invalid polycloud config ${file}`), {
        retryable: err.retryable,
        context: err.context,
        ...(err.cause === undefined ? {} : { cause: err.cause }),
      });
    }
    throw e;
  }
  config = { ...config, file };
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
export async function openPolycloud(ctx: CommandContext): Promise<{ polycloud: Polycloud; config: PolycloudConfig }> {
  const registry = await ctx.registry(await providerTypes(ctx));
  const config = await loadConfig(ctx, registry);
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

/** The adapter types the config names (a cheap first read); undefined when it cannot tell. */
export async function providerTypes(ctx: CommandContext): Promise<string[] | undefined> {
  const { text } = await readConfig(ctx);
  try {
    const raw = readConfigSource(text.includes('\n') ? text : `${text}\n`).raw as Record<string, unknown>;
    const list = raw['providers'] ?? raw['storage_providers'];
    if (!Array.isArray(list)) return undefined;
    return list.map((p) => (p as { type?: unknown } | null)?.type).filter((t): t is string => typeof t === 'string');
  } catch {
    return undefined;
  }
}
