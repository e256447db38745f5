// docs/testing.md, "Emulators for your own app": the s3rver and Azurite commands run
// exactly as the page writes them (through `sh -c`, so `npx` and the environment prefix
// are the user's), on free ports instead of the documented 4568 / 10000; then the page's
// `local-polycloud.ts` is imported with S3_ENDPOINT / AZURITE_BLOB_ENDPOINT pointing at
// them, and an object is put and read back in each of its buckets.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Polycloud } from '@polycloud/core';
import { extractSnippets, root } from './helpers/doc-snippets.js';

const DOC = 'docs/testing.md';
const text = readFileSync(join(root, DOC), 'utf8');
const section = text.slice(text.indexOf('\n## Emulators for your own app'));

/** The documented command line that runs `npx <bin>` (from the section's ```sh blocks). */
function documentedCommand(bin: string): string {
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const lines = blocks.flatMap((b) => b.split('\n')).filter((l) => new RegExp(`(^|\\s)npx ${bin}(\\s|$)`).test(l));
  expect(lines, `one documented command runs npx ${bin}`).toHaveLength(1);
  return lines[0]!.trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const work = join(root, '.tmp');
mkdirSync(work, { recursive: true });
const dir = mkdtempSync(join(work, 'emulators-for-apps-'));
const children: ChildProcess[] = [];

/** Runs a documented command in its own process group (so stopping it stops npx's child too). */
async function start(command: string, ready: string): Promise<void> {
  const child = spawn('sh', ['-c', command], { cwd: dir, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`"${command}" exited with ${child.exitCode}: ${stderr}`);
    try {
      await fetch(ready, { signal: AbortSignal.timeout(1000) });
      return; // any HTTP answer: it is listening
    } catch {
      if (Date.now() > deadline) throw new Error(`"${command}" did not answer on ${ready} within 60 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function stopAll(): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          try {
            process.kill(-c.pid!, 'SIGTERM'); // the group this test started
          } catch {
            resolve();
          }
        }),
    ),
  );
}

describe('docs/testing.md: emulators for your own app', () => {
  let polycloud: Polycloud | undefined;
  afterAll(async () => {
    await polycloud?.close();
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs s3rver and Azurite as documented and puts/gets through local-polycloud.ts', async () => {
    const s3Port = await freePort();
    const azuritePort = await freePort();
    const s3rver = documentedCommand('s3rver');
    const azurite = documentedCommand('azurite-blob');
    expect(s3rver).toMatch(/-a 127\.0\.0\.1 -p 4568(\s|$)/);
    expect(azurite).toMatch(/--blobHost 127\.0\.0\.1 --blobPort 10000(\s|$)/);

    await Promise.all([
      start(s3rver.replace(/-p 4568/, `-p ${s3Port}`), `http://127.0.0.1:${s3Port}/`),
      start(azurite.replace(/--blobPort 10000/, `--blobPort ${azuritePort}`), `http://127.0.0.1:${azuritePort}/devstoreaccount1?comp=list`),
    ]);

    const program = extractSnippets(DOC, text).find((s) => s.file === 'local-polycloud.ts');
    expect(program, 'docs/testing.md has a `// file: local-polycloud.ts` snippet').toBeDefined();
    const file = join(dir, 'local-polycloud.ts');
    writeFileSync(file, program!.code);
    process.env['S3_ENDPOINT'] = `http://127.0.0.1:${s3Port}`;
    process.env['AZURITE_BLOB_ENDPOINT'] = `http://127.0.0.1:${azuritePort}/devstoreaccount1`;
    try {
      ({ polycloud } = (await import(pathToFileURL(file).href)) as { polycloud: Polycloud });
    } finally {
      delete process.env['S3_ENDPOINT'];
      delete process.env['AZURITE_BLOB_ENDPOINT'];
    }

    for (const id of ['uploads', 'reports']) {
      const bucket = polycloud.bucket(id);
      const put = await bucket.put('hello.txt', `hi from ${id}`, { contentType: 'text/plain' });
      expect(put.binding).toBe(id === 'uploads' ? 'local-s3' : 'local-azure');
      expect(await bucket.getText('hello.txt')).toBe(`hi from ${id}`);
      expect(await bucket.exists('missing.csv')).toBe(false);
    }
  }, 120_000);
});
