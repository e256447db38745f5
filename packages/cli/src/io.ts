/** A stream the CLI writes to: `process.stdout` or a test's collector. */
export interface CliStream {
  write(chunk: string | Uint8Array): unknown;
  /** True on a terminal: progress bars and colour only then. */
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** Where `--config -` is read from. Default: `process.stdin`. */
  stdin?: AsyncIterable<Buffer | string>;
  /** Environment for `${VAR}` interpolation and `POLYCLOUD_CONFIG`. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Base directory for relative paths and the default `./polycloud.yaml`. Default: `process.cwd()`. */
  cwd?: string;
  /**
   * Aborted when the user interrupts the command (the binary wires SIGINT/SIGTERM to
   * it; the reason is the signal name). Long commands stop cleanly and exit 130 / 143.
   */
  signal?: AbortSignal;
}

/**
 * Exit codes: 0 ok, 1 the command failed, 2 usage error or invalid config,
 * 130 interrupted by SIGINT (Ctrl-C), 143 terminated by SIGTERM (128 + the signal number, as shells report it).
 */
export const EXIT = { ok: 0, failed: 1, invalid: 2, interrupted: 130, terminated: 143 } as const;

/** The exit code for an interrupt: 130 for SIGINT, 143 for SIGTERM. */
export function interruptCode(signal: AbortSignal | undefined): number {
  return signal?.reason === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
}

export function line(stream: CliStream, text = ''): void {
  stream.write(`${text}\n`);
}
