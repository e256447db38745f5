/**
 * Runs corpus cases in this process and prints one JSON line per case:
 * `{"i": index, "api": Outcome, "cli"?: CliOutcome}`. Started by
 * test/hostile-corpus.test.ts as a child process, so that a case that hangs (even
 * synchronously) or aborts Node is seen and bounded: the parent kills it and starts
 * again after that case. Usage: node --import tsx test/hostile/run-corpus.ts <from> [cli]
 */
import { CORPUS } from './corpus.js';
import { apiOutcome, cliOutcome } from './run-case.js';

// Core's timers do not keep a process alive (a deadline waiting on a stalled body would
// let this process exit mid-case): this one does, until every case has run.
const keepAlive = setInterval(() => undefined, 60_000);
const from = Number(process.argv[2] ?? 0);
const withCli = process.argv[3] === 'cli';
for (let i = from; i < CORPUS.length; i++) {
  process.stdout.write(`${JSON.stringify({ start: i })}\n`);
  const c = CORPUS[i]!;
  const api = await apiOutcome(c);
  const cli = withCli ? await cliOutcome(c) : undefined;
  process.stdout.write(`${JSON.stringify({ i, api, ...(cli ? { cli } : {}) })}\n`);
}
process.stdout.write(`${JSON.stringify({ done: true })}\n`);
clearInterval(keepAlive);
