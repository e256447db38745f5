import { spawnNode, stopProcess, waitFor } from './process.js';

/**
 * Watchdog prepended to every emulator child: when this (parent) process dies without
 * stopping it — a test runner killing its worker, where no `exit` handler runs — the
 * child is re-parented, its `ppid` changes, and it exits within a second. So no
 * emulator is left behind holding a port.
 */
export const PARENT_WATCHDOG = `const parent = process.ppid; setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 1000).unref();`;

/** What to run in the child: a CommonJS bin script, unchanged, or ES module source. */
export type EmulatorProgram =
  /** A CommonJS bin run as if started directly (`process.argv` = [node, script, ...args]). */
  | { bin: string; args: string[] }
  /** ES module source (top-level await allowed), run with `--input-type=module`. */
  | { module: string };

export interface SpawnEmulatorOptions {
  /** Emulator name, for messages (`s3rver on http://127.0.0.1:4568`). */
  what: string;
  program: EmulatorProgram;
  /** Extra environment for the child. */
  env?: NodeJS.ProcessEnv;
  /** Resolves true once the emulator serves requests (polled every 50 ms). */
  ready: () => Promise<boolean>;
  /** How long `launch()` waits for `ready`. */
  startTimeoutMs: number;
}

/** One emulator child process: started by `launch()`, stopped by `halt()` (idempotent). */
export interface EmulatorProcess {
  /** Starts the child and waits until it is ready; kills it and throws (with its output) if it exits or times out. */
  launch(): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period. Idempotent. */
  halt(): Promise<void>;
  /** Freezes the child (SIGSTOP): it keeps its port and connections but answers nothing — a hung server. */
  pause(): void;
  /** Lets a paused child go on (SIGCONT). */
  resume(): void;
  /** Whether a child is running. */
  readonly running: boolean;
}

const live = new Set<ReturnType<typeof spawnNode>>();
let exitHookInstalled = false;

/** One `exit` handler for the whole process: SIGKILLs every live child on a normal exit (the watchdog covers a killed parent). */
function killAtExit(child: ReturnType<typeof spawnNode>): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => live.forEach((c) => c.kill('SIGKILL')));
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

function spawnProgram(program: EmulatorProgram, env: NodeJS.ProcessEnv): ReturnType<typeof spawnNode> {
  if ('bin' in program) {
    const code = `${PARENT_WATCHDOG}process.argv.splice(1, 0, ${JSON.stringify(program.bin)}); require(${JSON.stringify(program.bin)});`;
    return spawnNode('-e', [code, '--', ...program.args], env);
  }
  return spawnNode('--input-type=module', ['-e', `${PARENT_WATCHDOG}${program.module}`], env);
}

/**
 * The launch / halt / watchdog code every emulator starter shares. Every child carries
 * {@link PARENT_WATCHDOG}, so it exits when its parent dies, and is SIGKILLed when the
 * parent exits normally without stopping it. `launch()` may be called again after
 * `halt()` (restart on the same port).
 */
export function spawnEmulator(options: SpawnEmulatorOptions): EmulatorProcess {
  let child: ReturnType<typeof spawnNode> | undefined;
  return {
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async launch() {
      const proc = spawnProgram(options.program, options.env ?? {});
      child = proc;
      killAtExit(proc);
      let exited = false;
      proc.once('exit', () => (exited = true));
      await waitFor(
        async () => {
          if (exited) throw new Error(`${options.what} exited early: ${proc.output()}`);
          return options.ready();
        },
        options.startTimeoutMs,
        options.what,
      ).catch(async (e: unknown) => {
        await stopProcess(proc);
        if (child === proc) child = undefined;
        throw e;
      });
    },
    async halt() {
      const c = child;
      child = undefined;
      c?.kill('SIGCONT'); // a paused child could not act on SIGTERM
      if (c) await stopProcess(c);
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
}
