/**
 * The `polycloud` command line, callable from code with `runCli`.
 *
 * @module @polycloud/cli
 */
export { runCli, CLI_VERSION, type RunCliOptions } from './run.js';
export { main } from './main.js';
export { createCliRegistry, factoriesOf } from './registry.js';
export { collectStatus, type BindingRow } from './commands/status.js';
export { formatJobId } from './commands/job.js';
export { EXIT, type CliIo, type CliStream } from './io.js';
