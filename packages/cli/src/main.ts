import { runCli } from './run.js';
import { EXIT } from './io.js';

const SHOW_CURSOR = '\x1b[?25h';

/**
 * The AWS SDK warns on every process running Node < 22 (`process.emitWarning` of a
 * message starting `NodeVersionSupportWarning:`). The CLI supports Node 20 (its `engines`), so the
 * warning is noise on every command; this drops that one warning type, in the CLI
 * binary only (not in the library, not for any other warning). Documented in docs/cli.md.
 */
export function suppressNodeVersionWarning(): void {
  const original = process.emitWarning as (...args: unknown[]) => void;
  if ((original as { polycloudFiltered?: boolean }).polycloudFiltered) return;
  const filtered = function (this: unknown, warning: unknown, ...rest: unknown[]) {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: unknown } | undefined)?.type;
    const name = warning instanceof Error ? warning.name : type;
    // The SDK emits it as a plain Warning whose message starts with the name.
    const message = warning instanceof Error ? warning.message : String(warning);
    if (name === 'NodeVersionSupportWarning' || message.startsWith('NodeVersionSupportWarning:')) return;
    return original.call(process, warning, ...rest);
  };
  (filtered as { polycloudFiltered?: boolean }).polycloudFiltered = true;
  process.emitWarning = filtered as typeof process.emitWarning;
}

/**
 * The `polycloud` binary: runs the CLI on process.argv and sets the exit code.
 * SIGINT / SIGTERM abort the command's signal: it stops cleanly (the terminal
 * restored, replication leases released, a summary printed) and the process exits
 * 130 / 143. A second signal, or a command still running 10 s later, exits at once.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  suppressNodeVersionWarning();
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const codeOf = (s: NodeJS.Signals) => (s === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
  const restore = () => {
    if (process.stdout.isTTY) process.stdout.write(SHOW_CURSOR);
    if (process.stderr.isTTY) process.stderr.write(SHOW_CURSOR);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      restore();
      process.exit(codeOf(received));
    }
    received = signal;
    controller.abort(signal);
    setTimeout(() => {
      restore();
      process.exit(codeOf(signal));
    }, 10_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let code: number;
  try {
    code = await runCli(argv, { signal: controller.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.exitCode = code;
  if (received) {
    restore();
    // Work abandoned by the interrupt (a replication round in flight) must not keep the process alive.
    process.exit(code);
  }
}
