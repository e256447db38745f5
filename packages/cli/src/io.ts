/** A stream the CLI writes to: `process.stdout` or a test's collector. */
export interface CliStream {
  write(chunk: string): unknown;
  /** True on a terminal: progress bars and colour only then. */
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** Environment for `${VAR}` interpolation. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Base directory for relative paths. Default: `process.cwd()`. */
  cwd?: string;
}

/** Exit codes: 0 ok, 1 the command failed, 2 usage error or invalid config. */
export const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;

export function line(stream: CliStream, text = ''): void {
  stream.write(`${text}\n`);
}
