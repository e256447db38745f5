import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AdapterRegistry, createPolycloud, isPolycloudError, parseUrmDocument } from '@polycloud/core';
import { loadDataJob, loadPolycloudConfig } from '@polycloud/core/config';
import { createCliRegistry, runCli } from '@polycloud/cli';
import { RouterOptionsSchema } from '@polycloud/router';
import type { ConfigCase, Expected, HostileCase, JobCase, Path } from './types.js';

/** What a case did. `foreign`: something other than a PolycloudError escaped. */
export type Outcome =
  | { outcome: 'accepted' }
  | { outcome: 'error'; code: string; path: Path }
  | { outcome: 'foreign'; name: string; message: string }
  | { outcome: 'mismatch'; detail: string };

/** What the CLI did with a case: exit codes without and with --json, the JSON error, whether stderr was the same. */
export interface CliOutcome {
  exit: number;
  exitJson: number;
  json?: { code: string; path: Path };
  sameStderr: boolean;
}

/** A value planted in hostile inputs: it must never show up in an error. */
export const PLANTED_SECRET = 'sk_live_secret';

let registry: Promise<AdapterRegistry> | undefined;
const cliRegistry = () => (registry ??= createCliRegistry());

function describe(e: unknown): Outcome {
  if (isPolycloudError(e)) {
    if (JSON.stringify(e).includes(PLANTED_SECRET) || e.message.includes(PLANTED_SECRET))
      return { outcome: 'mismatch', detail: 'the error shows a planted secret' };
    return { outcome: 'error', code: e.code, path: e.context.path ?? [] };
  }
  return {
    outcome: 'foreign',
    name: String((e as { name?: unknown } | null)?.name),
    message: String((e as { message?: unknown } | null)?.message).slice(0, 200),
  };
}

async function attempt(fn: () => unknown): Promise<Outcome> {
  try {
    await fn();
    return { outcome: 'accepted' };
  } catch (e) {
    return describe(e);
  }
}

const same = (a: Outcome, b: Outcome, prefix: Path): boolean =>
  a.outcome === b.outcome &&
  (a.outcome !== 'error' || (b.outcome === 'error' && a.code === b.code && JSON.stringify([...prefix, ...a.path]) === JSON.stringify(b.path)));

const PROVIDERS = [
  { name: 'a', type: 'memory', buckets: ['b', 'bucket..x', 'a/.../b'] },
  { name: 'c', type: 'local' },
];

async function configOutcome(c: ConfigCase): Promise<Outcome> {
  const reg = await cliRegistry();
  return attempt(async () => {
    const config = loadPolycloudConfig(c.text ?? c.object!(), { registry: reg, env: {}, routerSchema: RouterOptionsSchema });
    // Accepted by the loader: createPolycloud must take it too.
    await createPolycloud(config.options).close();
  });
}

async function jobOutcome(c: JobCase): Promise<Outcome> {
  try {
    const job = loadDataJob(c.text ?? (c.object!() as object)) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(c.check ?? {})) {
      if (JSON.stringify(job[k]) !== JSON.stringify(v))
        return { outcome: 'mismatch', detail: `${k} is ${JSON.stringify(job[k])}, expected ${JSON.stringify(v)}` };
    }
    return { outcome: 'accepted' };
  } catch (e) {
    return describe(e);
  }
}

/** Runs one case through the API. */
export async function apiOutcome(c: HostileCase): Promise<Outcome> {
  switch (c.kind) {
    case 'config':
      return configOutcome(c);
    case 'urm': {
      const direct = await attempt(() => parseUrmDocument(c.doc()));
      // The same document as a resource of createPolycloud: the same outcome, under resources[0].
      const reg = await cliRegistry();
      const created = await attempt(async () => createPolycloud({ registry: reg, providers: PROVIDERS, resources: [c.doc()] }).close());
      if (!same(direct, created, ['resources', 0]))
        return { outcome: 'mismatch', detail: `parseUrmDocument: ${JSON.stringify(direct)}; createPolycloud: ${JSON.stringify(created)}` };
      return direct;
    }
    case 'job':
      return jobOutcome(c);
    case 'call': {
      const reg = await cliRegistry();
      const polycloud = createPolycloud({
        registry: reg,
        providers: PROVIDERS,
        resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'a', physical_id: 'b' }] }],
        retry: { maxAttempts: 1 },
      });
      try {
        const bucket = polycloud.bucket('lb');
        await bucket.put('exists.txt', 'original');
        await bucket.put('a', 'a');
        await bucket.put('k', 'k');
        const outcome = await attempt(() => c.run(bucket));
        // Nothing silently changed: a refused call leaves exists.txt as it was.
        if ((await bucket.getText('exists.txt')) !== 'original') return { outcome: 'mismatch', detail: 'exists.txt was overwritten' };
        // A stalled upload that failed left no partial object.
        if (
          await bucket.head('stalled').then(
            () => true,
            () => false,
          )
        )
          return { outcome: 'mismatch', detail: 'a partial "stalled" object was left' };
        return outcome;
      } finally {
        await polycloud.close();
      }
    }
  }
}

const CLUSTER_CONFIG =
  'providers:\n  - {name: local, type: local}\nresources:\n  - {resource_id: lc, type: LogicalCluster, providers: [{cloud: local, physical_id: here}]}\n';

function collector() {
  let text = '';
  return {
    write: (s: string) => ((text += s), true),
    get text() {
      return text;
    },
  };
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(argv, { stdout, stderr, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Runs a text case through `runCli` (config: `validate`; job: `job explain`), without and with --json. Undefined for cases the CLI cannot take. */
export async function cliOutcome(c: HostileCase): Promise<CliOutcome | undefined> {
  if ((c.kind !== 'config' && c.kind !== 'job') || c.text === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'polycloud-hostile-'));
  try {
    let argv: string[];
    if (c.kind === 'config') {
      writeFileSync(join(dir, 'case.yaml'), c.text);
      argv = ['validate', join(dir, 'case.yaml')];
    } else {
      writeFileSync(join(dir, 'config.yaml'), CLUSTER_CONFIG);
      writeFileSync(join(dir, 'job.yaml'), c.text);
      argv = ['job', 'explain', '--config', join(dir, 'config.yaml'), join(dir, 'job.yaml')];
    }
    const plain = await cli(argv);
    const json = await cli([...argv, '--json']);
    let parsed: { code: string; path: Path } | undefined;
    if (json.code !== 0) {
      try {
        const e = (JSON.parse(json.stdout) as { error?: { code: string; path?: Path } }).error;
        if (e) parsed = { code: e.code, path: e.path ?? [] };
      } catch {
        parsed = undefined;
      }
    }
    const shown = [plain.stdout, plain.stderr, json.stdout, json.stderr].join('\n');
    if (shown.includes(PLANTED_SECRET)) return { exit: -1, exitJson: -1, sameStderr: false, leaked: true } as CliOutcome;
    return { exit: plain.code, exitJson: json.code, ...(parsed ? { json: parsed } : {}), sameStderr: plain.stderr === json.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The CLI outcome a case must have. */
export function expectedCli(expect: Expected): CliOutcome {
  if ('accept' in expect) return { exit: 0, exitJson: 0, sameStderr: true };
  const exit = expect.code === 'CONFIG_INVALID' || expect.code === 'INVALID_ARGUMENT' ? 2 : 1;
  return { exit, exitJson: exit, json: { code: expect.code, path: expect.path }, sameStderr: true };
}

/** The API outcome a case must have. */
export function expectedApi(expect: Expected): Outcome {
  return 'accept' in expect ? { outcome: 'accepted' } : { outcome: 'error', code: expect.code, path: expect.path };
}
