import { execFile, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolycloudFromConfig } from '@polycloud/core/config';
import { type RunningAzurite, startAzurite } from '@polycloud/emulators';
import { createCliRegistry } from '@polycloud/cli';
import { createSync } from '@polycloud/sync';
import { tempDir, writeConfig } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(CLI, 'bin', 'polycloud.js');
const ENTRY = join(CLI, 'src', 'cli-entry.ts');

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, signal: null, stdout, stderr });
    });
  });
}

/** The CLI from source (tsx), as a separate process. */
const polycloud = (args: string[], env: Record<string, string> = {}) => exec(process.execPath, ['--import', 'tsx', ENTRY, ...args], { env });

const has = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

describe('the bin on a fresh clone (no dist/)', () => {
  it('runs from the sources through tsx when dist/ is not built', { timeout: 120_000 }, async () => {
    // A copy of the package layout without dist/: the bin, the sources and the repo's tsconfig.
    const root = tempDir();
    const cli = join(root, 'packages', 'cli');
    mkdirSync(join(cli, 'bin'), { recursive: true });
    copyFileSync(BIN, join(cli, 'bin', 'polycloud.js'));
    copyFileSync(join(CLI, 'package.json'), join(cli, 'package.json'));
    symlinkSync(join(CLI, 'src'), join(cli, 'src'));
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { extends: string; compilerOptions: { baseUrl: string } };
    tsconfig.extends = join(ROOT, 'tsconfig.base.json');
    tsconfig.compilerOptions.baseUrl = ROOT;
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify(tsconfig));
    const help = await exec(process.execPath, [join(cli, 'bin', 'polycloud.js'), '--help'], { cwd: root });
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: polycloud');
    const version = await exec(process.execPath, [join(cli, 'bin', 'polycloud.js'), '--version'], { cwd: root });
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(CLI, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('npm links the bin at the root: node_modules/.bin/polycloud points at bin/polycloud.js', () => {
    const linked = join(ROOT, 'node_modules', '.bin', 'polycloud');
    expect(readFileSync(linked, 'utf8')).toBe(readFileSync(BIN, 'utf8'));
  });
});

describe('--version of the build (after npm run build)', () => {
  it.runIf(existsSync(join(CLI, 'dist', 'index.cjs')))("ESM and CJS builds both carry package.json's version", async () => {
    const version = (JSON.parse(readFileSync(join(CLI, 'package.json'), 'utf8')) as { version: string }).version;
    const cjs = createRequire(import.meta.url)(join(CLI, 'dist', 'index.cjs')) as { CLI_VERSION: string };
    expect(cjs.CLI_VERSION).toBe(version);
    const esm = await exec(process.execPath, [
      '--input-type=module',
      '-e',
      `import { CLI_VERSION } from ${JSON.stringify(join(CLI, 'dist', 'index.js'))}; console.log(CLI_VERSION)`,
    ]);
    expect(esm.stdout.trim()).toBe(version);
    const bin = await exec(process.execPath, [BIN, '--version']);
    expect(bin.stdout.trim()).toBe(version);
  });
});

describe('polycloud completion', () => {
  it('bash: a script bash -n accepts, completing commands and flags', { timeout: 60_000 }, async () => {
    const r = await polycloud(['completion', 'bash']);
    expect(r.code, r.stderr).toBe(0);
    const file = writeConfig(tempDir(), 'polycloud.bash', r.stdout);
    execFileSync('bash', ['-n', file]);
    const words = execFileSync('bash', ['-c', `source ${file}; COMP_WORDS=(polycloud job s); COMP_CWORD=2; _polycloud; echo "\${COMPREPLY[@]}"`], {
      encoding: 'utf8',
    });
    expect(words.trim().split(/\s+/).sort()).toEqual(['status', 'submit']);
    const flags = execFileSync('bash', ['-c', `source ${file}; COMP_WORDS=(polycloud sync --re); COMP_CWORD=2; _polycloud; echo "\${COMPREPLY[@]}"`], {
      encoding: 'utf8',
    });
    expect(flags.trim()).toBe('--reconcile');
  });

  it.runIf(has('zsh'))('zsh: zsh -n accepts it', async () => {
    const r = await polycloud(['completion', 'zsh']);
    execFileSync('zsh', ['-n', writeConfig(tempDir(), '_polycloud', r.stdout)]);
  });

  it.runIf(has('fish'))('fish: fish -n accepts it', async () => {
    const r = await polycloud(['completion', 'fish']);
    execFileSync('fish', ['-n', writeConfig(tempDir(), 'polycloud.fish', r.stdout)]);
  });

  it('an unknown shell is a usage error', async () => {
    expect((await polycloud(['completion', 'tcsh'])).code).toBe(2);
  });
});

describe('progress in a real terminal (script(1), 80 columns)', () => {
  it.runIf(has('script'))('the line fits 80 columns with counts, rate and ETA; no bar when there is nothing to count', { timeout: 60_000 }, async () => {
    const fixture = fileURLToPath(new URL('./progress-pty.ts', import.meta.url));
    const cmd = `stty cols 80 rows 24; ${process.execPath} --import tsx ${fixture}`;
    const r = await exec('script', ['-qfec', cmd, '/dev/null']);
    expect(r.code, r.stderr).toBe(0);
    // Each redraw starts at column 0: split on CR / cursor moves, drop escape sequences.
    const frames = r.stdout
      .split(/\r|\n|\x1b\[\d*G/)
      .map((s) => s.replace(/\x1b\[[?\d;]*[A-Za-z]/g, ''))
      .filter((s) => s.trim());
    const long = frames.filter((f) => f.includes('replicate a-rather-long-bucket-name'));
    expect(long.length).toBeGreaterThan(0);
    for (const f of long) expect(f.length, f).toBeLessThanOrEqual(80);
    const last = long.at(-1)!;
    expect(last).toMatch(/400\/400 objects/);
    expect(last).toMatch(/obj\/s/);
    expect(last).toMatch(/ETA 0s/);
    const empty = frames.filter((f) => f.includes('reconcile empty'));
    expect(empty.length).toBeGreaterThan(0);
    for (const f of empty) {
      expect(f).not.toMatch(/[█░]|0\/1/);
      expect(f).toMatch(/0 objects/);
    }
    // The cursor is shown again at the end.
    expect(r.stdout.lastIndexOf('\x1b[?25h')).toBeGreaterThan(r.stdout.lastIndexOf('\x1b[?25l'));
  });
});

describe('the AWS SDK NodeVersionSupportWarning', () => {
  it('is not printed by the CLI (that warning only: others still are)', { timeout: 120_000 }, async () => {
    const file = writeConfig(
      tempDir(),
      's3.yaml',
      'providers:\n  - {name: aws, type: s3, endpoint: "http://127.0.0.1:9", region: us-east-1, access_key: AKIAEXAMPLE, secret_key: example-secret, force_path_style: true}\nresources:\n  - resource_id: lb\n    type: LogicalBucket\n    providers: [{cloud: aws, physical_id: b}]\n',
    );
    const r = await polycloud(['explain', 'lb', 'k', '--config', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('NodeVersionSupportWarning');
    const other = await exec(process.execPath, [
      '--import',
      'tsx',
      '-e',
      `import { suppressNodeVersionWarning } from ${JSON.stringify(join(CLI, 'src', 'main.ts'))}; suppressNodeVersionWarning(); process.emitWarning('NodeVersionSupportWarning: old node'); process.emitWarning('kept', 'OtherWarning');`,
    ]);
    expect(other.stderr).toContain('OtherWarning: kept');
    expect(other.stderr).not.toContain('old node');
  });
});

describe('Ctrl-C during sync (Azurite: it enforces the conditional writes leases need)', () => {
  let azure: RunningAzurite;
  let env: Record<string, string>;
  let config: string;
  const N = 600;

  beforeAll(async () => {
    azure = await startAzurite();
    env = { AZURE_CONNECTION_STRING: azure.connectionString };
    config = writeConfig(
      tempDir(),
      'polycloud.yaml',
      `providers:\n  - {name: azure, type: azure-blob, connection_string: "\${AZURE_CONNECTION_STRING}"}\nresources:\n  - resource_id: lb\n    type: LogicalBucket\n    providers:\n      - {cloud: azure, physical_id: pc-int-a}\n      - {id: copy, cloud: azure, physical_id: pc-int-b}\n`,
    );
    const registry = await createCliRegistry({ types: ['azure-blob'] });
    const writer = createPolycloudFromConfig(config, { registry, env, sync: createSync({ autoStart: false }) });
    try {
      for (const b of writer.bucket('lb').resource.providers) await writer.storageAdapter(b.provider).ensureBucket(b.physical_id);
      for (let i = 0; i < N; i += 50)
        await Promise.all(Array.from({ length: 50 }, (_, j) => writer.bucket('lb').put(`k${String(i + j).padStart(4, '0')}`, 'x'.repeat(100))));
    } finally {
      await writer.close();
    }
  }, 180_000);

  afterAll(async () => {
    await azure?.stop();
  });

  it('exits 130 with a summary, and an immediate second run is not blocked by the lease (no CONFLICT)', { timeout: 180_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'sync', 'lb', '--config', config], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    // Interrupt once the first progress line shows replication under way.
    const deadline = Date.now() + 120_000;
    while (!/replicate lb: \d+\/\d+ objects/.test(stdout) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(stdout, stderr).toMatch(/replicate lb: \d+\/\d+ objects/);
    child.kill('SIGINT');
    const { code } = await exited;
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/replication of lb interrupted \(SIGINT\): \d+ change\(s\) applied/);
    expect(stderr).toContain('leases released');

    const again = await polycloud(['sync', 'lb', '--config', config], env);
    expect(again.stderr).not.toMatch(/CONFLICT|another process holds/);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/replicated lb: \d+ change\(s\) applied/);
  });
});
