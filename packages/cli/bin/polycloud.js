#!/usr/bin/env node
// The `polycloud` binary. A published package runs its build (dist/). In a source
// checkout nothing has built dist/ right after `npm install` / `npm ci`: the CLI then
// runs from its TypeScript sources through tsx (a dev dependency of the monorepo),
// resolving the other @polycloud packages to their sources with the repo's tsconfig
// paths — so `npx polycloud …` works on a fresh clone. `npm run build` makes it fast.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/index.js', import.meta.url);
const source = new URL('../src/main.ts', import.meta.url);
const tsconfig = fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));

async function fromSource(why) {
  if (!existsSync(source) || !existsSync(tsconfig)) {
    process.stderr.write(`polycloud: ${why}, and no sources to run instead; reinstall @polycloud/cli\n`);
    process.exit(1);
  }
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(`polycloud: ${why}; running from source needs tsx (npm install in the repository), or build it: npm run build\n`);
    process.exit(1);
  }
  register({ tsconfig });
  return import(source.href);
}

let cli;
if (existsSync(dist)) {
  try {
    cli = await import(dist.href);
  } catch (e) {
    // A partial build (dist/ of the CLI but not of a package it imports): run the sources.
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !existsSync(source)) throw e;
    cli = await fromSource(`a package it needs is not built (${e.message.split('\n')[0]})`);
  }
} else {
  cli = await fromSource('packages/cli/dist is not built');
}
await cli.main();
