import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterRegistry } from '@polycloud/core';
import { createPolycloudFromConfig } from '@polycloud/core/config';
import { type RunningAzurite, type RunningGcsEmulator, type S3rverEmulator, startAzurite, startGcsEmulator, startS3rver } from '@polycloud/emulators';
import { createCliRegistry } from '@polycloud/cli';
import { run, tempDir, writeConfig } from './helpers.js';
import { createSync } from '@polycloud/sync';

const CONFIG = `
providers:
  - name: aws
    type: s3
    endpoint: \${S3_ENDPOINT}
    region: us-east-1
    access_key: \${S3_KEY}
    secret_key: \${S3_SECRET}
    force_path_style: true
  - name: azure
    type: azure-blob
    connection_string: \${AZURE_CONNECTION_STRING}
  - name: gcp
    type: gcs
    project_id: demo-test
    api_endpoint: \${GCS_ENDPOINT}
residency:
  eu: [europe-*, westeurope]
resources:
  - resource_id: lb-emu
    type: LogicalBucket
    providers:
      - {cloud: aws, physical_id: pc-cli-a, region: us-east-1}
      - {cloud: azure, physical_id: pc-cli-b, region: westeurope}
      - {cloud: gcp, physical_id: pc-cli-c, region: europe-west1}
`;

describe('polycloud CLI against s3rver, Azurite and the GCS emulator', () => {
  let s3: S3rverEmulator;
  let azure: RunningAzurite;
  let gcs: RunningGcsEmulator;
  let env: Record<string, string>;
  let registry: AdapterRegistry;
  let config: string;
  const outputs: string[] = [];
  const cli = async (argv: string[]) => {
    const r = await run(argv, { registry, env });
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  beforeAll(async () => {
    [s3, azure, gcs] = await Promise.all([startS3rver(), startAzurite(), startGcsEmulator()]);
    env = {
      S3_ENDPOINT: s3.endpoint,
      S3_KEY: s3.accessKeyId,
      S3_SECRET: 'S3RVER',
      AZURE_CONNECTION_STRING: azure.connectionString,
      GCS_ENDPOINT: gcs.apiEndpoint,
    };
    registry = await createCliRegistry();
    config = writeConfig(tempDir(), 'polycloud.yaml', CONFIG);
    const setup = createPolycloudFromConfig(config, { registry, env, sync: createSync({ autoStart: false }) });
    try {
      for (const b of setup.bucket('lb-emu').resource.providers) await setup.storageAdapter(b.provider).ensureBucket(b.physical_id);
    } finally {
      await setup.close();
    }
  });

  afterAll(async () => {
    await Promise.allSettled([s3?.remove(), azure?.stop(), gcs?.stop()]);
  });

  it('validate: exit 0, built-in adapter types found by type', async () => {
    const r = await cli(['validate', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('providers: aws (s3), azure (azure-blob), gcp (gcs)');
  });

  it('explain: the decision with sub-scores; residency=eu excludes the AWS binding', async () => {
    const plain = await cli(['explain', '--config', config, 'lb-emu', 'a.txt']);
    expect(plain.code).toBe(0);
    expect(plain.stdout.split('\n')[0]).toBe('write lb-emu/a.txt → aws');
    const eu = JSON.parse((await cli(['explain', '--config', config, 'lb-emu', 'a.txt', '--tag', 'residency=eu', '--json'])).stdout) as {
      chosen: string;
      candidates: { binding: string; verdict: string }[];
    };
    expect(eu.chosen).toBe('azure');
    expect(eu.candidates.find((c) => c.binding === 'aws')!.verdict).toBe('residency');
  });

  it('status: every binding up (exit 0); sync drains the backlog to the other clouds', async () => {
    const up = await cli(['status', '--config', config, '--json']);
    expect(up.code).toBe(0);
    const rows = JSON.parse(up.stdout) as { binding: string; health: string; backlog?: number }[];
    expect(rows.map((r) => [r.binding, r.health])).toEqual([
      ['aws', 'up'],
      ['azure', 'up'],
      ['gcp', 'up'],
    ]);

    const writer = createPolycloudFromConfig(config, { registry, env, sync: createSync({ autoStart: false }) });
    try {
      for (let i = 0; i < 3; i++) await writer.bucket('lb-emu').put(`obj-${i}.txt`, `payload ${i}`);
    } finally {
      await writer.close();
    }
    const before = JSON.parse((await cli(['status', '--config', config, '--json'])).stdout) as { binding: string; backlog?: number }[];
    expect(before.find((r) => r.binding === 'gcp')!.backlog).toBe(3);

    const sync = await cli(['sync', '--config', config, 'lb-emu']);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/replicated lb-emu: 6 change\(s\) applied, 54 B, 0 conflict\(s\), 0 failed key\(s\)/);

    const after = JSON.parse((await cli(['status', '--config', config, '--json', '--usage'])).stdout) as {
      binding: string;
      backlog?: number;
      usageBytes?: number;
    }[];
    for (const r of after) expect(r, r.binding).toMatchObject({ backlog: 0, usageBytes: 27 });
  });

  it('sync --reconcile copies an object written outside polycloud (straight into Azurite) to S3 and GCS', async () => {
    const direct = createPolycloudFromConfig(config, { registry, env, sync: createSync({ autoStart: false }) });
    try {
      await direct.storageAdapter('azure').put('pc-cli-b', 'outside/report.csv', Buffer.from('day,total\n1,42\n'));
    } finally {
      await direct.close();
    }
    const dry = await cli(['sync', '--config', config, 'lb-emu', '--reconcile', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      "dry run (the engine's plan): 1 key(s) to bring in line, 0 deleted outside polycloud, 0 to delete everywhere of 3 synchronised; nothing was changed",
    );
    const r = await cli(['sync', '--config', config, 'lb-emu', '--reconcile']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/reconciled lb-emu: 2 change\(s\) applied, 30 B, 0 conflict\(s\), every binding listed/);
    const after = JSON.parse((await cli(['status', '--config', config, '--json', '--usage'])).stdout) as { binding: string; usageBytes?: number }[];
    for (const row of after) expect(row.usageBytes, row.binding).toBe(27 + 15);
  });

  it('status: a stopped emulator shows as down, exit 1', async () => {
    await azure.stop();
    try {
      const r = await cli(['status', '--config', config, '--timeout', '2000']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/azure .*westeurope .*down \(/);
      expect(r.stdout).toMatch(/aws .*up/);
    } finally {
      await azure.restart();
    }
  });

  it('no credential appears in any output', () => {
    const all = outputs.join('\n');
    expect(all).not.toContain(azure.accountKey);
    expect(all).not.toContain('S3RVER');
  });
});
