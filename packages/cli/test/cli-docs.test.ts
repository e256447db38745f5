import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run, tempDir, writeConfig } from './helpers.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url)), 'utf8');

describe('docs/configuration.md', () => {
  it('its complete example file validates with the built-in adapters', async () => {
    const section = doc.slice(doc.indexOf('## A complete file'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const file = writeConfig(tempDir(), 'polycloud.yaml', yaml);
    const env = {
      ENV_CLOUD_A_KEY: 'AKIAEXAMPLEKEY0001',
      ENV_CLOUD_A_SECRET: 'example-secret-value-0001',
      AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=example;AccountKey=ZXhhbXBsZS1rZXk=;EndpointSuffix=core.windows.net',
    };
    const r = await run(['validate', file, '--json'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      jobs: ['data-cleaning'],
      resources: [
        { id: 'lb-123', bindings: 3 },
        { id: 'lc-1', bindings: 1 },
      ],
    });
    expect(r.stdout).not.toContain(env.ENV_CLOUD_A_SECRET);
  });
});

describe('the `npx polycloud …` lines of docs/cli.md and the package README', () => {
  const texts = ['../../../docs/cli.md', '../README.md'].map((p) => readFileSync(fileURLToPath(new URL(p, import.meta.url)), 'utf8'));
  const lines = texts.flatMap((t) => [...t.matchAll(/^npx polycloud (.*)$/gm)].map((m) => m[1]!.replace(/\s*>\s*\/dev\/null\s*$/, '')));

  it('there are some, and each exits 0 (in a directory holding the complete example as polycloud.yaml)', async () => {
    expect(lines.length).toBeGreaterThanOrEqual(4);
    const section = doc.slice(doc.indexOf('## A complete file'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const cwd = tempDir();
    writeConfig(cwd, 'polycloud.yaml', yaml);
    const env = {
      ENV_CLOUD_A_KEY: 'AKIAEXAMPLEKEY0001',
      ENV_CLOUD_A_SECRET: 'example-secret-value-0001',
      AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=example;AccountKey=ZXhhbXBsZS1rZXk=;EndpointSuffix=core.windows.net',
    };
    for (const l of lines) {
      const r = await run(l.split(/\s+/), { env, cwd });
      expect(r.code, `npx polycloud ${l}\n${r.stderr}`).toBe(0);
    }
  });
});
