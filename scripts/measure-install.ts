// What a user installs and loads: packs @polycloud/core and the three adapters (or
// takes tarballs already packed, `--tarballs <dir>`), installs each adapter with its
// peer core into a fresh directory as an application would (`npm install <tarballs>`,
// nothing else), and reports the size of node_modules, whether a compute SDK came
// along, and the median time of `require('@polycloud/core')` over 10 fresh processes.
//
//   node --import tsx scripts/measure-install.ts [--tarballs <dir>] [--runs 10]
//
// Needs the npm registry (the adapters' cloud SDKs are downloaded) and a build
// (`npx turbo run build`) when it packs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(option('--runs') ?? 10);

/** Compute-only SDKs: none of them belongs in a storage-only install. */
const COMPUTE_SDKS = ['@aws-sdk/client-batch', '@google-cloud/batch', 'google-gax', '@grpc/grpc-js', 'protobufjs', '@azure/arm-containerinstance'];

const work = mkdtempSync(join(tmpdir(), 'polycloud-measure-'));
let tarballs = option('--tarballs');
if (!tarballs) {
  tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  for (const p of ['core', 'adapter-aws', 'adapter-gcp', 'adapter-azure']) {
    execFileSync(npm, ['pack', '--pack-destination', tarballs], { cwd: join(root, 'packages', p), stdio: 'ignore' });
  }
}
const tgz = (name: string) => {
  const file = readdirSync(tarballs!).find((f) => f.startsWith(`polycloud-${name}-`) && f.endsWith('.tgz'));
  if (!file) throw new Error(`no polycloud-${name}-*.tgz in ${tarballs}`);
  return join(resolve(tarballs!), file);
};

function install(name: string, specs: string[]): string {
  const app = join(work, name);
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `measure-${name}`, version: '1.0.0', private: true }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', ...specs], { cwd: app, stdio: 'ignore', timeout: 600_000 });
  return app;
}

const sizeMB = (dir: string) => Number(execFileSync('du', ['-sk', join(dir, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]) / 1024;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function requireMs(app: string, specifier: string): { median: number; yamlLoaded: boolean } {
  const script = `const t=process.hrtime.bigint(); require(${JSON.stringify(specifier)}); const ms=Number(process.hrtime.bigint()-t)/1e6; console.log(JSON.stringify({ ms, yaml: Object.keys(require.cache).some((k) => /node_modules[\\\\/]yaml[\\\\/]/.test(k)) }))`;
  const samples: number[] = [];
  let yamlLoaded = false;
  for (let i = 0; i < runs; i++) {
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' })) as { ms: number; yaml: boolean };
    samples.push(out.ms);
    yamlLoaded ||= out.yaml;
  }
  return { median: median(samples), yamlLoaded };
}

const results: Record<string, unknown>[] = [];
const coreApp = install('core', [tgz('core')]);
const core = requireMs(coreApp, '@polycloud/core');
results.push({
  install: '@polycloud/core',
  node_modules_MB: +sizeMB(coreApp).toFixed(1),
  require_core_median_ms: +core.median.toFixed(1),
  yaml_loaded_by_require: core.yamlLoaded,
});

/** A compute adapter created and probed in the storage-only install: what a user sees without the SDK. */
const COMPUTE_PROBE: Record<string, string> = {
  aws: `const a = require('@polycloud/adapter-aws').createAwsBatchAdapter({ region: 'eu-west-1' }); a.probe({ physicalId: 'q', options: {} })`,
  gcp: `const a = require('@polycloud/adapter-gcp').createGcpBatchAdapter({ projectId: 'p' }); a.probe({ physicalId: 'projects/p/locations/europe-west1', options: {} })`,
  azure: `const a = require('@polycloud/adapter-azure').createAzureAciAdapter({ subscriptionId: '00000000-0000-0000-0000-000000000000', credential: { getToken: async () => null } }); a.probe({ physicalId: 'rg', options: {} })`,
};

for (const cloud of ['aws', 'gcp', 'azure']) {
  const app = install(`adapter-${cloud}`, [tgz('core'), tgz(`adapter-${cloud}`)]);
  const present = COMPUTE_SDKS.filter((p) => existsSync(join(app, 'node_modules', ...p.split('/'))));
  let compute = 'sdk present';
  if (!present.length) {
    const script = `${COMPUTE_PROBE[cloud]}.then(() => console.log('probe ok'), (e) => console.log(e.code + ': ' + e.message))`;
    compute = execFileSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8', timeout: 30_000 }).trim();
  }
  results.push({
    install: `@polycloud/adapter-${cloud} (+ core)`,
    node_modules_MB: +sizeMB(app).toFixed(1),
    compute_sdks_installed: present.join(', ') || 'none',
    compute_without_sdk: compute,
  });
}

console.table(results);
console.log(JSON.stringify(results));
if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${work}`);
