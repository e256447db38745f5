import { runCli } from './run.js';

/** The `polycloud` binary: runs the CLI on process.argv and sets the exit code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await runCli(argv);
}
