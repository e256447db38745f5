import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Special files given where a config or a job file is expected (issue 13: the CLI
 * blocked forever on a FIFO and on a symlink to /dev/zero). Each run is a child
 * process with a time bound the test enforces — a blocking read would block an
 * in-process test for good — through the binary (source run through tsx), through
 * `runCli` in a script, and through `loadPolycloudConfig`.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ENTRY = fileURLToPath(new URL('../packages/cli/src/cli-entry.ts', import.meta.url));
const BOUND_MS = 20_000;

interface Run {
  code: number | string;
  stdout: string;
  stderr: string;
  ms: number;
}

function child(args: string[]): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ...args],
      { cwd: ROOT, timeout: BOUND_MS, killSignal: 'SIGKILL', env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        const e = error as (Error & { code?: number | string; killed?: boolean }) | null;
        resolve({ code: e ? (e.killed ? 'killed (hung)' : (e.code ?? 1)) : 0, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

const binary = (...argv: string[]) => child([ENTRY, ...argv]);
const viaRunCli = (...argv: string[]) =>
  child(['--input-type=module', '-e', `import { runCli } from '@polycloud/cli'; process.exitCode = await runCli(${JSON.stringify(argv)});`]);
const viaApi = (file: string) =>
  child([
    '--input-type=module',
    '-e',
    `import { loadPolycloudConfig } from '@polycloud/core/config';
     try { loadPolycloudConfig(${JSON.stringify(file)}); console.log('accepted'); } catch (e) { console.log(JSON.stringify({ code: e.code, path: e.context?.path })); }`,
  ]);

let dir = '';
const at = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'polycloud-special-'));
  execFileSync('mkfifo', [at('fifo.yaml')]);
  execFileSync('mkfifo', [at('job-fifo.yaml')]);
  symlinkSync('/dev/zero', at('zero.yaml'));
  symlinkSync('/dev/urandom', at('random.yaml'));
  symlinkSync('/dev/null', at('null.yaml'));
  mkdirSync(at('dir.yaml'));
  writeFileSync(
    at('cfg.yaml'),
    'providers:\n  - {name: local, type: local}\nresources:\n  - {resource_id: lc, type: LogicalCluster, providers: [{cloud: local, physical_id: here}]}\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('special files are refused at once, never read (exit 2)', () => {
  for (const [name, what] of [
    ['fifo.yaml', 'a FIFO'],
    ['zero.yaml', 'a character device'],
    ['random.yaml', 'a character device'],
    ['null.yaml', 'a character device'],
    ['dir.yaml', 'a directory'],
  ] as const) {
    it(`validate ${name} (${what}): the binary exits 2 naming it, --json prints the error`, { timeout: 2 * BOUND_MS + 10_000 }, async () => {
      const [plain, json] = await Promise.all([binary('validate', at(name)), binary('validate', at(name), '--json')]);
      expect(plain.code, plain.stderr).toBe(2);
      expect(plain.stderr).toContain(`is ${what}, not a regular file`);
      expect(json.code).toBe(2);
      expect((JSON.parse(json.stdout) as { error: { code: string; path: unknown[] } }).error).toMatchObject({ code: 'CONFIG_INVALID', path: [] });
    });
  }

  it('validate through runCli, and loadPolycloudConfig, on a FIFO and on /dev/zero', { timeout: 4 * BOUND_MS }, async () => {
    const runs = await Promise.all([
      viaRunCli('validate', at('fifo.yaml')),
      viaRunCli('validate', at('zero.yaml')),
      viaApi(at('fifo.yaml')),
      viaApi(at('zero.yaml')),
    ]);
    expect(runs[0]!.code, runs[0]!.stderr).toBe(2);
    expect(runs[1]!.code, runs[1]!.stderr).toBe(2);
    expect(JSON.parse(runs[2]!.stdout)).toEqual({ code: 'CONFIG_INVALID', path: [] });
    expect(JSON.parse(runs[3]!.stdout)).toEqual({ code: 'CONFIG_INVALID', path: [] });
  });

  for (const cmd of ['explain', 'submit'] as const) {
    it(`job ${cmd} <config> <FIFO> and <symlink to /dev/zero>: exit 2, INVALID_ARGUMENT at job`, { timeout: 2 * BOUND_MS + 10_000 }, async () => {
      const [fifo, zero] = await Promise.all([
        binary('job', cmd, '--config', at('cfg.yaml'), at('job-fifo.yaml'), '--json'),
        binary('job', cmd, '--config', at('cfg.yaml'), at('zero.yaml')),
      ]);
      expect(fifo.code, fifo.stderr).toBe(2);
      expect((JSON.parse(fifo.stdout) as { error: { code: string; path: unknown[] } }).error).toMatchObject({ code: 'INVALID_ARGUMENT', path: ['job'] });
      expect(zero.code, zero.stderr).toBe(2);
      expect(zero.stderr).toContain('is a character device, not a regular file');
    });
  }
});
