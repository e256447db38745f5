import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const emulators = fileURLToPath(new URL('../../emulators/src/index.ts', import.meta.url));

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function closedWithin(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await listening(port))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * A parent that starts azurite, s3rver and fauxqs and is then SIGKILLed (as a test
 * runner kills a worker: no `exit` handler runs). Every emulator child must notice
 * and exit, freeing its port.
 */
it('every emulator child exits when its parent is SIGKILLed (azurite, s3rver, fauxqs)', { timeout: 60_000 }, async () => {
  const code =
    `const { startAzurite, startS3rver, startFauxqs } = await import(${JSON.stringify(emulators)});` +
    `const all = await Promise.all([startAzurite(), startS3rver(), startFauxqs()]);` +
    `console.log('PORTS ' + JSON.stringify(all.map((e) => e.port)));` +
    `setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  parent.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const ports = await new Promise<number[]>((resolve, reject) => {
    parent.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/PORTS (\[[^\]]*\])/);
      if (m) resolve(JSON.parse(m[1]!) as number[]);
    });
    parent.once('exit', () => reject(new Error(`parent exited before starting the emulators: ${out}`)));
  });
  try {
    expect(ports).toHaveLength(3);
    for (const port of ports) expect(await listening(port)).toBe(true);
    parent.kill('SIGKILL');
    const closed = await Promise.all(ports.map((port) => closedWithin(port, 10_000)));
    expect(closed).toEqual([true, true, true]);
  } finally {
    if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
  }
});
