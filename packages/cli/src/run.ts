import { Argument, Command, CommanderError, Option } from 'commander';
import type { AdapterRegistry } from '@polycloud/core/spi';
import type { Logger } from '@polycloud/core';
import { completionScript } from './completion.js';
import { explainCommand } from './commands/explain.js';
import { jobExplainCommand, jobStatusCommand, jobSubmitCommand } from './commands/job.js';
import { catCommand, cpCommand, lsCommand, rmCommand, statCommand } from './commands/objects.js';
import { serveCommand } from './commands/serve.js';
import { statusCommand } from './commands/status.js';
import { syncCommand } from './commands/sync.js';
import { validateCommand } from './commands/validate.js';
import { type CommandContext, defaultRegistry } from './context.js';
import { errorJson, reportError } from './errors.js';
import { type CliIo, EXIT, interruptCode, line } from './io.js';
import { CLI_VERSION } from './version.js';

export { CLI_VERSION };

export interface RunCliOptions extends Partial<CliIo> {
  /** Adapter registry to use instead of the built-ins (tests, custom adapters). */
  registry?: AdapterRegistry | ((types?: readonly string[]) => Promise<AdapterRegistry>);
  /** Log lines of the polycloud instance (redacted). Default: silent (with `--verbose`: debug lines on stderr). */
  logger?: Logger;
}

interface GlobalOptions {
  config?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

/** `--verbose`: the instance's log lines on stderr, one per line (already redacted by core). */
function stderrLogger(stderr: CliIo['stderr']): Logger {
  const log = (level: string) => (fields: Record<string, unknown>, message: string) => {
    const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
    line(stderr, `[${level}] ${message}${extra}`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/**
 * Runs the `polycloud` command line in-process and resolves to its exit code:
 * 0 ok, 1 the command failed (a binding down, a job failed, …), 2 invalid config or
 * usage, 130/143 interrupted (`signal` aborted with `SIGINT` / `SIGTERM`).
 * `argv` excludes the node and script paths (`['validate', 'polycloud.yaml']`).
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const registry = options.registry;
  const ctx: CommandContext = {
    stdout,
    stderr,
    ...(options.stdin ? { stdin: options.stdin } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    registry: registry === undefined ? defaultRegistry() : typeof registry === 'function' ? registry : async () => registry,
  };
  let code: number = EXIT.ok;
  const program = new Command('polycloud')
    .description('Validate, explain, sync and inspect a polycloud config; list and copy objects; submit DataJobs; serve the gateway.')
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .option('--config <file>', 'config file (- for stdin); default: $POLYCLOUD_CONFIG, else ./polycloud.yaml')
    .option('--json', 'machine-readable output on stdout; errors as {"ok": false, "error": {…}}')
    .option('-q, --quiet', 'no progress and no informational lines (results and errors only)')
    .option('-v, --verbose', 'log lines of the SDK and error causes on stderr')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void stdout.write(s), writeErr: (s) => void stderr.write(s) })
    .showHelpAfterError()
    .showSuggestionAfterError();

  /** The global flags, into the context, before each command runs. */
  program.hook('preAction', (_root, action) => {
    const g = action.optsWithGlobals<GlobalOptions>();
    if (g.quiet && g.verbose) throw new CommanderError(EXIT.invalid, 'polycloud.conflict', 'error: --quiet and --verbose exclude each other');
    if (ctx.configOption === undefined && g.config !== undefined) ctx.configOption = g.config;
    ctx.json = !!g.json;
    ctx.quiet = !!g.quiet;
    ctx.verbose = !!g.verbose;
    if (g.verbose && !ctx.logger) ctx.logger = stderrLogger(stderr);
  });
  const json = () => (ctx.json ? { json: true } : {});
  /**
   * A command without its own interrupt handling ends at once on SIGINT/SIGTERM (130/143);
   * `sync` handles it itself (it must release its leases and print a summary first).
   */
  const signal = ctx.signal;
  const interrupted = new Promise<number>((resolve) => {
    signal?.addEventListener('abort', () => resolve(interruptCode(signal)), { once: true });
  });
  const interruptible = async (work: Promise<number>): Promise<number> => {
    if (!signal) return work;
    work.catch(() => undefined);
    const r = await Promise.race([work.then((c) => ({ c, interrupted: false })), interrupted.then((c) => ({ c, interrupted: true }))]);
    if (r.interrupted) line(stderr, `interrupted (${String(signal.reason)})`);
    return r.c;
  };

  program
    .command('validate')
    .description('check a config: every problem with its path (exit 2 if any)')
    .argument('[file]', 'config file (same as --config)')
    .action(async (file: string | undefined) => {
      if (file !== undefined) ctx.configOption = file;
      code = await interruptible(validateCommand(ctx));
    });

  program
    .command('explain')
    .description('show the routing decision for a key, with every sub-score')
    .argument('<bucket>', 'LogicalBucket resource_id')
    .argument('<key>', 'object key')
    .addOption(new Option('-o, --operation <op>', 'operation').choices(['write', 'read', 'head', 'list', 'delete', 'copy', 'presign']).default('write'))
    .option('-t, --tag <key=value...>', 'data tags (residency=eu, classification=pii)')
    .action(async (bucket: string, key: string, o: { operation: string; tag?: string[] }) => {
      code = await interruptible(explainCommand(ctx, bucket, key, { ...o, ...json() }));
    });

  program
    .command('sync')
    .description('replicate pending changes of a bucket (or reconcile its bindings) with progress; Ctrl-C stops cleanly')
    .argument('<bucket>')
    .option('--reconcile', 'diff every binding and repair differences (also changes made outside polycloud)')
    .option('--dry-run', "show what would be done (the engine's own plan); change nothing")
    .option('--allow-mass-delete', 'let a reconcile delete more than max_delete_fraction of the bucket')
    .action(async (bucket: string, o: { reconcile?: boolean; dryRun?: boolean; allowMassDelete?: boolean }) => {
      code = await syncCommand(ctx, bucket, { ...o, ...json() });
    });

  program
    .command('serve')
    .description('run the gateway: a REST API (OpenAPI 3.0) and an S3-compatible endpoint over the config, with its gateway: section; until Ctrl-C')
    .option('--host <host>', 'address to listen on (default: gateway.listen.host, else 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free one (default: gateway.listen.port, else 8080)')
    .action(async (o: { host?: string; port?: string }) => {
      code = await serveCommand(ctx, { ...o, ...json() });
    });

  program
    .command('status')
    .description('health, circuit state, replication lag and backlog per binding (exit 1 if a binding is down)')
    .option('--no-probe', 'do not probe the bindings')
    .option('--usage', 'list buckets to show bytes stored against each quota tag')
    .option('--timeout <ms>', 'probe timeout in ms', '5000')
    .action(async (o: { probe: boolean; usage?: boolean; timeout: string }) => {
      code = await interruptible(statusCommand(ctx, { ...o, ...json() }));
    });

  program
    .command('ls')
    .description('list the objects of a LogicalBucket (as the router reads it)')
    .argument('<bucket[/prefix]>', 'LogicalBucket resource_id, optionally /prefix')
    .option('-r, --recursive', 'list every key under the prefix (default: one level, "directories" end in /)')
    .action(async (target: string, o: { recursive?: boolean }) => {
      code = await interruptible(lsCommand(ctx, target, { ...o, ...json() }));
    });
  program
    .command('stat')
    .description('metadata of one object: size, ETag, content type, modified, metadata')
    .argument('<bucket/key>')
    .action(async (target: string) => {
      code = await interruptible(statCommand(ctx, target, json()));
    });
  program
    .command('cat')
    .description('write an object to stdout')
    .argument('<bucket/key>')
    .action(async (target: string) => {
      code = await interruptible(catCommand(ctx, target));
    });
  program
    .command('cp')
    .description('copy a local file to an object, an object to a local file (- for stdout), or an object to another bucket/key')
    .argument('<source>', 'local path, or <bucket>/<key> (prefix with : to force a bucket: :lb-1/k)')
    .argument('<destination>', 'local path (- for stdout), or <bucket>/<key>; a trailing / keeps the source name')
    .action(async (source: string, destination: string) => {
      code = await interruptible(cpCommand(ctx, source, destination, json()));
    });
  program
    .command('rm')
    .description('delete objects (replicated like any delete)')
    .argument('<bucket/key...>')
    .action(async (targets: string[]) => {
      code = await interruptible(rmCommand(ctx, targets, json()));
    });

  const job = program.command('job').description('DataJobs on a LogicalCluster');
  job
    .command('submit')
    .description('submit a DataJob (a YAML file, or a job named in the config); idempotent')
    .argument('<job>', 'DataJob YAML file or job name')
    .option('-c, --cluster <id>', 'LogicalCluster (default: the only one)')
    .option('-w, --wait', 'wait until the job finishes (required on the local adapter: its jobs are children of the CLI)')
    .action(async (ref: string, o: { cluster?: string; wait?: boolean }) => {
      code = await interruptible(jobSubmitCommand(ctx, ref, { ...o, ...json() }));
    });
  job
    .command('explain')
    .description('where a DataJob would run, with the sub-scores (price, residency, health)')
    .argument('<job>', 'DataJob YAML file or job name')
    .option('-c, --cluster <id>', 'LogicalCluster (default: the only one)')
    .action(async (ref: string, o: { cluster?: string }) => {
      code = await interruptible(jobExplainCommand(ctx, ref, { ...o, ...json() }));
    });
  job
    .command('status')
    .description('status of a job by the id job submit printed')
    .argument('<id>', '<cluster>/<binding>/<job id>')
    .action(async (id: string) => {
      code = await interruptible(jobStatusCommand(ctx, id, json()));
    });

  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .action((shell: 'bash' | 'zsh' | 'fish') => {
      stdout.write(completionScript(program, shell));
      code = EXIT.ok;
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    if (ctx.signal?.aborted && code !== EXIT.ok) return interruptCode(ctx.signal);
    return code;
  } catch (e) {
    const wantsJson = ctx.json || argv.includes('--json');
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      if (wantsJson)
        line(stdout, JSON.stringify({ ok: false, error: { code: 'INVALID_ARGUMENT', message: e.message.replace(/^error: /, ''), cause: e.code } }, null, 2));
      if (e.code === 'polycloud.conflict') line(stderr, e.message);
      return EXIT.invalid;
    }
    if (ctx.signal?.aborted) {
      line(stderr, `interrupted (${String(ctx.signal.reason)})`);
      return interruptCode(ctx.signal);
    }
    const exit = reportError(stderr, e, { verbose: !!ctx.verbose });
    // With --json, the error is also printed as JSON on stdout: the same code, path and
    // issues the API's PolycloudError carries, and the cause (the exit code does not change).
    if (wantsJson) line(stdout, errorJson(e));
    return exit;
  }
}
