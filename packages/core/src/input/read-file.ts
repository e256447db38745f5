import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { ErrorCode } from '../errors/codes.js';
import { PolycloudError } from '../errors/polycloud-error.js';

export interface ReadTextFileOptions {
  /** Largest file accepted, bytes. */
  maxBytes: number;
  /** Code for a file that is not a regular file, or too large (the caller's "invalid input"). */
  invalidCode: ErrorCode;
  /** What the file is, for messages (`config file`, `DataJob file`). */
  what: string;
  /** Path into the caller's input that named the file (`[]` for a config, `['job']` for the CLI's job argument). */
  path?: (string | number)[];
}

function kindOf(stat: import('node:fs').Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/**
 * Reads a UTF-8 text file without ever blocking on it: opened non-blocking (a FIFO
 * with no writer opens at once), checked with `fstat` on the open descriptor (so a
 * symlink to `/dev/zero` is seen as the device it is), refused unless it is a
 * regular file of at most `maxBytes`, then read with that cap (a file growing
 * meanwhile is refused too). Missing → NOT_FOUND; unreadable → PERMISSION_DENIED.
 */
export function readTextFile(file: string, options: ReadTextFileOptions): string {
  const context = { path: options.path ?? [], file };
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PolycloudError(
      code === 'ENOENT' || code === 'ENOTDIR' ? 'NOT_FOUND' : 'PERMISSION_DENIED',
      `cannot read ${options.what} ${file} (${code ?? 'error'})`,
      { context, retryable: false },
    );
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new PolycloudError(options.invalidCode, `${options.what} ${file} is ${kindOf(stat)}, not a regular file`, { context, retryable: false });
    }
    if (stat.size > options.maxBytes) {
      throw new PolycloudError(options.invalidCode, `${options.what} ${file} is ${stat.size} bytes (at most ${options.maxBytes})`, {
        context,
        retryable: false,
      });
    }
    // Read in chunks up to the cap: a file that grew since fstat is refused, not read on.
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new PolycloudError('PERMISSION_DENIED', `cannot read ${options.what} ${file} (${code ?? 'error'})`, { context, retryable: false });
      }
      if (n === 0) break;
      length += n;
      if (length > options.maxBytes) {
        throw new PolycloudError(options.invalidCode, `${options.what} ${file} is larger than ${options.maxBytes} bytes`, { context, retryable: false });
      }
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
