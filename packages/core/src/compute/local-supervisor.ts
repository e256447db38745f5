/**
 * The supervisor of one local job, run as `node -e SUPERVISOR_SOURCE <config json>`
 * in a process group of its own (detached). It starts the job's command in another
 * new process group, enforces the job's timeout itself (so a job cannot outlive its
 * `spec.timeout` because the host died), ends the WHOLE group on timeout, cancel
 * (SIGTERM / SIGINT to the supervisor) and when the job's main process exits (no
 * orphaned grandchildren), then writes the result atomically to `exitFile`.
 * stdout / stderr are inherited: the host opens the run's log file as both.
 *
 * Config: `{ argv, exitFile, timeoutMs?, graceMs }`. Plain CommonJS, no imports of
 * polycloud: it must run with nothing but Node.js.
 */
export const SUPERVISOR_SOURCE = String.raw`
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const cfg = JSON.parse(process.argv[process.argv.length - 1]);
const groups = process.platform !== 'win32';
let stopping = null;
let child;
let done = false;
const write = (result) => {
  if (done) return;
  done = true;
  const tmp = cfg.exitFile + '.' + process.pid + '.tmp';
  fs.writeFileSync(tmp, JSON.stringify({ ...result, stopping, finishedAt: Date.now() }));
  fs.renameSync(tmp, cfg.exitFile);
};
const killGroup = (sig) => {
  if (!child || child.pid === undefined) return;
  try {
    if (groups) process.kill(-child.pid, sig);
    else child.kill(sig);
  } catch {}
};
const stop = (why) => {
  if (stopping) return;
  stopping = why;
  killGroup('SIGTERM');
  setTimeout(() => killGroup('SIGKILL'), cfg.graceMs).unref();
};
process.on('SIGTERM', () => stop('cancel'));
process.on('SIGINT', () => stop('cancel'));
process.on('SIGHUP', () => {});
try {
  child = spawn(cfg.argv[0], cfg.argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], detached: groups, env: process.env, windowsHide: true });
} catch (e) {
  write({ error: String(e && e.message) });
  process.exit(0);
}
if (cfg.timeoutMs !== undefined) setTimeout(() => stop('timeout'), cfg.timeoutMs).unref();
child.once('error', (e) => {
  write({ error: String(e && e.message) });
  process.exit(0);
});
child.once('exit', (code, signal) => {
  // The job is its main process: whatever it left behind in its group goes with it.
  killGroup('SIGKILL');
  write({ exitCode: code, signal });
  process.exit(0);
});
`;
