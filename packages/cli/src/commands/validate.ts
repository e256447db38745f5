import type { CommandContext } from '../context.js';
import { loadConfig, providerTypes } from '../context.js';
import { EXIT, line } from '../io.js';

/** `polycloud validate [file]`: every problem with its path (exit 2), or a summary (exit 0). */
export async function validateCommand(ctx: CommandContext): Promise<number> {
  const registry = await ctx.registry(await providerTypes(ctx));
  const config = await loadConfig(ctx, registry);
  const resources = (config.options.resources ?? []) as { resource_id: string; type: string; providers: unknown[] }[];
  const summary = {
    ok: true,
    valid: true,
    file: config.file,
    providers: config.options.providers.map((p) => ({ name: p.name, type: 'type' in p ? p.type : 'instance' })),
    resources: resources.map((r) => ({ id: r.resource_id, type: r.type, bindings: r.providers.length })),
    jobs: Object.keys(config.jobs),
  };
  if (ctx.json) {
    line(ctx.stdout, JSON.stringify(summary, null, 2));
    return EXIT.ok;
  }
  line(ctx.stdout, `${summary.file}: valid`);
  if (ctx.quiet) return EXIT.ok;
  line(ctx.stdout, `  providers: ${summary.providers.map((p) => `${p.name} (${p.type})`).join(', ')}`);
  line(
    ctx.stdout,
    `  resources: ${summary.resources.map((r) => `${r.id} (${r.type}, ${r.bindings} binding${r.bindings === 1 ? '' : 's'})`).join(', ') || 'none'}`,
  );
  line(ctx.stdout, `  jobs: ${summary.jobs.join(', ') || 'none'}`);
  return EXIT.ok;
}
