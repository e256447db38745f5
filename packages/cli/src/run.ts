import { Command, CommanderError, Option } from 'commander';
import type { AdapterRegistry } from '@polycloud/core/spi';
import type { Logger } from '@polycloud/core';
import { explainCommand } from './commands/explain.js';
import { jobExplainCommand, jobStatusCommand, jobSubmitCommand } from './commands/job.js';
import { statusCommand } from './commands/status.js';
import { syncCommand } from './commands/sync.js';
import { validateCommand } from './commands/validate.js';
import { type CommandContext, defaultRegistry } from './context.js';
import { errorJson, reportError } from './errors.js';
import { type CliIo, EXIT, line } from './io.js';

export interface RunCliOptions extends Partial<CliIo> {
  /** Adapter registry to use instead of the built-ins (tests, custom adapters). */
  registry?: AdapterRegistry | ((types?: readonly string[]) => Promise<AdapterRegistry>);
  /** Log lines of the polycloud instance (redacted). Default: silent. */
  logger?: Logger;
}

export const CLI_VERSION = '0.1.0';

/**
 * Runs the `polycloud` command line in-process and resolves to its exit code:
 * 0 ok, 1 the command failed (a binding down, a job failed, …), 2 invalid config or usage.
 * `argv` excludes the node and script paths (`['validate', 'polycloud.yaml']`).
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const registry = options.registry;
  const ctx: CommandContext = {
    stdout,
    stderr,
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    registry: registry === undefined ? defaultRegistry() : typeof registry === 'function' ? registry : async () => registry,
  };
  let code: number = EXIT.ok;
  const program = new Command('polycloud')
    .description('Validate, explain, sync and inspect a polycloud config; submit DataJobs.')
    .version(CLI_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => void stdout.write(s), writeErr: (s) => void stderr.write(s) })
    .showHelpAfterError();

  program
    .command('validate')
    .description('check a config file: every problem with its path (exit 2 if any)')
    .argument('<config>', 'YAML or JSON config file')
    .option('--json', 'print the summary as JSON')
    .action(async (config: string, o: { json?: boolean }) => {
      code = await validateCommand(ctx, config, o);
    });

  program
    .command('explain')
    .description('show the routing decision for a key, with every sub-score')
    .argument('<config>')
    .argument('<bucket>', 'LogicalBucket resource_id')
    .argument('<key>', 'object key')
    .addOption(new Option('-o, --operation <op>', 'operation').choices(['write', 'read', 'head', 'list', 'delete', 'copy', 'presign']).default('write'))
    .option('-t, --tag <key=value...>', 'data tags (residency=eu, classification=pii)')
    .option('--json', 'print the explanation as JSON')
    .action(async (config: string, bucket: string, key: string, o: { operation: string; tag?: string[]; json?: boolean }) => {
      code = await explainCommand(ctx, config, bucket, key, o);
    });

  program
    .command('sync')
    .description('replicate pending changes of a bucket (or reconcile its bindings) with progress')
    .argument('<config>')
    .argument('<bucket>')
    .option('--reconcile', 'diff every binding and repair differences (also changes made outside polycloud)')
    .option('--dry-run', 'show what would be done; change nothing')
    .option('--allow-mass-delete', 'let a reconcile delete more than max_delete_fraction of the bucket')
    .action(async (config: string, bucket: string, o: { reconcile?: boolean; dryRun?: boolean; allowMassDelete?: boolean }) => {
      code = await syncCommand(ctx, config, bucket, o);
    });

  program
    .command('status')
    .description('health, circuit state, replication lag and backlog per binding (exit 1 if a binding is down)')
    .argument('<config>')
    .option('--no-probe', 'do not probe the bindings')
    .option('--usage', 'list buckets to show bytes stored against each quota tag')
    .option('--timeout <ms>', 'probe timeout in ms', '5000')
    .option('--json', 'print rows as JSON')
    .action(async (config: string, o: { probe: boolean; usage?: boolean; timeout: string; json?: boolean }) => {
      code = await statusCommand(ctx, config, o);
    });

  const job = program.command('job').description('DataJobs on a LogicalCluster');
  job
    .command('submit')
    .description('submit a DataJob (a YAML file, or a job named in the config); idempotent')
    .argument('<config>')
    .argument('<job>', 'DataJob YAML file or job name')
    .option('-c, --cluster <id>', 'LogicalCluster (default: the only one)')
    .option('-w, --wait', 'wait until the job finishes')
    .option('--json', 'print as JSON')
    .action(async (config: string, ref: string, o: { cluster?: string; wait?: boolean; json?: boolean }) => {
      code = await jobSubmitCommand(ctx, config, ref, o);
    });
  job
    .command('explain')
    .description('where a DataJob would run, with the sub-scores (price, residency, health)')
    .argument('<config>')
    .argument('<job>', 'DataJob YAML file or job name')
    .option('-c, --cluster <id>', 'LogicalCluster (default: the only one)')
    .option('--json', 'print as JSON')
    .action(async (config: string, ref: string, o: { cluster?: string; json?: boolean }) => {
      code = await jobExplainCommand(ctx, config, ref, o);
    });
  job
    .command('status')
    .description('status of a job by the id job submit printed')
    .argument('<config>')
    .argument('<id>', '<cluster>/<binding>/<job id>')
    .option('--json', 'print as JSON')
    .action(async (config: string, id: string, o: { json?: boolean }) => {
      code = await jobStatusCommand(ctx, config, id, o);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.ok : EXIT.invalid;
    }
    const exit = reportError(stderr, e);
    // With --json, the error is also printed as JSON on stdout: the same code, path and
    // issues the API's PolycloudError carries (the exit code does not change).
    if (argv.includes('--json')) line(stdout, errorJson(e));
    return exit;
  }
}
