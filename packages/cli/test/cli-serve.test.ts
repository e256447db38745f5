import { describe, expect, it } from 'vitest';
import { runCli } from '@polycloud/cli';
import { collector, memoryRegistry, run, tempDir, writeConfig } from './helpers.js';

const SECRET = 'Serve-Test-Secret-3e9b';
const CONFIG = (secret: string) => `
providers:
  - {name: m, type: memory, buckets: [pb]}
resources:
  - {resource_id: lb, type: LogicalBucket, providers: [{cloud: m, physical_id: pb}]}
gateway:
  listen: {port: 8080}
  credentials:
    - {accessKeyId: ops, secretAccessKey: "${secret}", buckets: [lb], actions: [read, write]}
`;

describe('polycloud serve', () => {
  it('serves the REST API over the config until the signal, then stops and exits 0', async () => {
    const file = writeConfig(tempDir(), 'polycloud.yaml', CONFIG('${GW_SECRET}'));
    const stdout = collector();
    const stderr = collector();
    const controller = new AbortController();
    const done = runCli(['serve', '--config', file, '--port', '0', '--json'], {
      stdout,
      stderr,
      env: { GW_SECRET: SECRET },
      registry: memoryRegistry().registry,
      signal: controller.signal,
    });
    await expect.poll(() => stdout.text, { timeout: 30_000 }).toContain('"url"');
    const started = JSON.parse(stdout.text) as { url: string; openapi: string; warnings: string[] };
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.warnings).toEqual([]);
    const auth = { authorization: `Bearer ops:${SECRET}` };
    const put = await fetch(`${started.url}/_polycloud/v1/buckets/lb/objects/hello.txt`, { method: 'PUT', headers: auth, body: 'hi' });
    expect(put.status).toBe(201);
    const get = await fetch(`${started.url}/_polycloud/v1/buckets/lb/objects/hello.txt`, { headers: auth });
    expect(await get.text()).toBe('hi');
    expect((await fetch(started.openapi)).status).toBe(200);
    controller.abort('SIGTERM');
    expect(await done).toBe(0);
    await expect(fetch(`${started.url}/_polycloud/openapi.json`)).rejects.toThrow();
    expect(stdout.text + stderr.text).not.toContain(SECRET);
  });

  it('refuses a literal secret in the file: exit 2, the path named, the secret not shown', async () => {
    const file = writeConfig(tempDir(), 'polycloud.yaml', CONFIG(SECRET));
    const r = await run(['serve', '--config', file, '--port', '0'], { registry: memoryRegistry().registry });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gateway.credentials[0].secretAccessKey');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('refuses a bad --port', async () => {
    const file = writeConfig(tempDir(), 'polycloud.yaml', CONFIG('${GW_SECRET}'));
    const r = await run(['serve', '--config', file, '--port', 'http'], { registry: memoryRegistry().registry, env: { GW_SECRET: SECRET } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port');
  });
});
