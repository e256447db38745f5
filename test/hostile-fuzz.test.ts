import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The loaders fuzzed with fast-check, fixed seeds (test/hostile/fuzz.ts): arbitrary
 * JSON/YAML-like config text and objects, URM documents and DataJobs. Each call must
 * accept or throw a PolycloudError with a path, within 2 s; the run is a child
 * process killed after BOUND_MS, so a hang fails this test instead of blocking it.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FUZZ = fileURLToPath(new URL('./hostile/fuzz.ts', import.meta.url));
const BOUND_MS = 120_000;

describe('loader fuzzing (fast-check, fixed seeds)', () => {
  it(
    'config files, URM documents and DataJobs: accepted, or a PolycloudError with a path — never another error, never a hang',
    { timeout: BOUND_MS + 10_000 },
    async () => {
      const out = await new Promise<{ code: number | string; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', FUZZ],
          { cwd: ROOT, timeout: BOUND_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
          (error, stdout, stderr) => {
            const e = error as (Error & { code?: number; killed?: boolean }) | null;
            resolve({ code: e ? (e.killed ? 'killed (hung)' : (e.code ?? 1)) : 0, stdout, stderr });
          },
        );
      });
      expect(out.code, out.stderr.slice(0, 2000)).toBe(0);
      const result = JSON.parse(out.stdout.trim().split('\n').pop()!) as { calls: number; accepted: number; refused: number; failures: string[] };
      expect(result.failures).toEqual([]);
      // 8 properties × 3 seeds × 150 runs, one of them making two calls per run.
      expect(result.calls).toBe(8 * 3 * 150 + 3 * 150);
      expect(result.accepted + result.refused).toBe(result.calls);
    },
  );
});
