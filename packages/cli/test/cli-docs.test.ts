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
    expect(JSON.parse(r.stdout)).toMatchObject({ jobs: ['data-cleaning'], resources: [{ id: 'lb-123', bindings: 3 }, { id: 'lc-1', bindings: 1 }] });
    expect(r.stdout).not.toContain(env.ENV_CLOUD_A_SECRET);
  });
});
