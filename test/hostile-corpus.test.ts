import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS } from './hostile/corpus.js';
import type { ConfigCase } from './hostile/types.js';
import { type CliOutcome, expectedApi, expectedCli, type Outcome } from './hostile/run-case.js';

/**
 * The hostile-input corpus (issue 13), through the API and through the CLI (`runCli`,
 * `validate` for config files, `job explain` for job files, without and with --json).
 * The cases run in a child process that reports each one as it finishes; a case that
 * does not finish within CASE_TIMEOUT_MS — even one hanging synchronously — gets the
 * child killed and is recorded as hung, and a case that kills the process (a V8 abort)
 * is recorded as crashed; the run then goes on after it. Every case then asserts its
 * exact outcome.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RUNNER = fileURLToPath(new URL('./hostile/run-corpus.ts', import.meta.url));
const CASE_TIMEOUT_MS = 15_000;

type Result = { api: Outcome; cli?: CliOutcome } | { hung: true } | { crashed: string };

function runFrom(from: number, results: Map<number, Result>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, String(from), 'cli'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let current = from;
    let done = false;
    let buffer = '';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        results.set(current, { hung: true });
        child.kill('SIGKILL');
      }, CASE_TIMEOUT_MS);
    };
    arm();
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = JSON.parse(buffer.slice(0, nl)) as { start?: number; i?: number; done?: boolean; api?: Outcome; cli?: CliOutcome };
        buffer = buffer.slice(nl + 1);
        if (line.start !== undefined) {
          current = line.start;
          arm();
        } else if (line.i !== undefined) results.set(line.i, { api: line.api!, ...(line.cli ? { cli: line.cli } : {}) });
        else if (line.done) done = true;
      }
    });
    child.stderr.resume();
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!done && !results.has(current)) results.set(current, { crashed: `exit ${code ?? signal}` });
      resolve(done ? CORPUS.length : current + 1);
    });
  });
}

const results = new Map<number, Result>();

beforeAll(async () => {
  for (let from = 0; from < CORPUS.length;) from = await runFrom(from, results);
}, 600_000);

describe('hostile-input corpus', () => {
  it('has at least 150 cases across config files, URM documents, DataJobs, object keys and call options', () => {
    const kinds = new Set(CORPUS.map((c) => c.kind));
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
    expect([...kinds].sort()).toEqual(['call', 'config', 'job', 'urm']);
  });

  describe.each(CORPUS.map((c, i) => [`${c.kind} #${i}: ${c.name}`, i] as const))('%s', (_name, i) => {
    const c = CORPUS[i]!;
    it('API: the exact outcome, within the time bound, nothing crashed', () => {
      const r = results.get(i);
      expect(r).toBeDefined();
      expect(r).not.toHaveProperty('hung');
      expect(r).not.toHaveProperty('crashed');
      expect((r as { api: Outcome }).api).toEqual(expectedApi(c.expect));
    });
    if ((c.kind === 'config' || c.kind === 'job') && c.text !== undefined) {
      it('CLI: exit code, the same with --json, the error as JSON with its code and path', () => {
        const r = results.get(i) as { cli?: CliOutcome };
        expect(r.cli).toEqual(expectedCli(c.cli ?? c.expect));
      });
    }
  });
});

/**
 * A few config cases through the built binary (`packages/cli/bin/polycloud.js`, over
 * the packages' dist): `npm test` builds first; a run without a build skips, saying so.
 * The deep-nesting case is the one that always aborted `polycloud validate` (it reads
 * the file twice).
 */
const BIN = fileURLToPath(new URL('../packages/cli/bin/polycloud.js', import.meta.url));
const BUILT =
  existsSync(fileURLToPath(new URL('../packages/cli/dist/index.js', import.meta.url))) &&
  existsSync(fileURLToPath(new URL('../packages/core/dist/index.js', import.meta.url)));
const BINARY_CASES = [
  'JSON nested 1000 deep under router (aborted Node on a second load)',
  'billion laughs (9 × 9 aliases, 10 levels)',
  '__proto__ in S3 provider options (YAML)',
  'router: an unknown key, nested',
  'physical_id bucket-x/../other',
  'a minimal valid file',
];

describe.skipIf(!BUILT)(`the built binary${BUILT ? '' : ' (skipped: packages not built — npm test builds them)'}`, () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'polycloud-hostile-bin-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(BINARY_CASES)('%s: exit code and --json error as through the API', { timeout: 60_000 }, async (name) => {
    const c = CORPUS.find((x) => x.name === name) as ConfigCase;
    const file = join(dir, `${CORPUS.indexOf(c)}.yaml`);
    writeFileSync(file, c.text!);
    const run = (args: string[]) =>
      new Promise<{ code: number | string; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [BIN, ...args],
          { cwd: ROOT, timeout: CASE_TIMEOUT_MS, killSignal: 'SIGKILL', env: { PATH: process.env['PATH'] ?? '' } },
          (error, stdout, stderr) => {
            const e = error as (Error & { code?: number; killed?: boolean }) | null;
            resolve({ code: e ? (e.killed ? 'killed (hung)' : (e.code ?? 1)) : 0, stdout, stderr });
          },
        );
      });
    const [plain, json] = await Promise.all([run(['validate', file]), run(['validate', file, '--json'])]);
    const want = expectedCli(c.cli ?? c.expect);
    expect(plain.stderr).not.toContain('FATAL ERROR');
    expect(plain.code, plain.stderr).toBe(want.exit);
    expect(json.code).toBe(want.exitJson);
    if (want.json) expect((JSON.parse(json.stdout) as { error: unknown }).error).toMatchObject(want.json);
  });
});
