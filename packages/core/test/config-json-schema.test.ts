import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadPolycloudConfig } from '@polycloud/core/config';
import { jsonSchemaFiles } from '../../../tooling/json-schema.js';
import { ORIGINAL_DATAJOB_YAML } from './compute-fixtures.js';
import { configRegistry, ENV, VALID } from './config-fixtures.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const read = (file: string) => JSON.parse(readFileSync(join(root, 'packages', 'core', file), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true });
const validateConfig = ajv.compile(read('polycloud.schema.json'));
const validateJob = ajv.compile(read('datajob.schema.json'));
const errors = (validate: typeof validateConfig, value: unknown) =>
  validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.dataPath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);

/** Every fenced YAML block of the docs that is a config file (or a part of one: top-level config keys only). */
function docConfigs(): [string, unknown][] {
  const configKeys = Object.keys((read('polycloud.schema.json') as { properties: object }).properties);
  const docs = join(root, 'docs');
  const files = readdirSync(docs, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md'));
  return files.flatMap((f) => {
    const text = readFileSync(join(docs, f), 'utf8');
    return [...text.matchAll(/```ya?ml\n([\s\S]*?)```/g)].flatMap((m): [string, unknown][] => {
      const value = parse(m[1]!) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
      const keys = Object.keys(value);
      if (!keys.some((k) => ['providers', 'storage_providers', 'resources'].includes(k)) || !keys.every((k) => configKeys.includes(k))) return [];
      // A resource's `providers:` (its bindings, with physical_id) shown alone is not a config file.
      const list = (value as { providers?: unknown }).providers;
      if (Array.isArray(list) && list.some((b) => typeof b === 'object' && b !== null && 'physical_id' in b)) return [];
      return [[`docs/${f}:${text.slice(0, m.index).split('\n').length}`, value]];
    });
  });
}

describe('JSON Schema of the config file (packages/core/polycloud.schema.json)', () => {
  it('is what `npm run schema` generates from the zod schemas now (regenerate and commit when they change)', () => {
    for (const [file, text] of Object.entries(jsonSchemaFiles())) {
      expect(readFileSync(file, 'utf8'), `${file} is stale: run npm run schema`).toBe(text);
    }
  });

  const examples = docConfigs();
  it('finds the config examples of the docs', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it.each(examples)('accepts %s', (_where, value) => {
    expect(errors(validateConfig, value)).toEqual([]);
  });

  it('accepts the test fixture config, which the loader accepts too', () => {
    expect(errors(validateConfig, parse(VALID))).toEqual([]);
    expect(() => loadPolycloudConfig(VALID, { registry: configRegistry(), env: ENV })).not.toThrow();
  });

  it('refuses what the loader refuses: an unknown key, a bare-number duration, a bad enum, a DataJob without image', () => {
    const base = parse(VALID) as Record<string, unknown>;
    expect(errors(validateConfig, { ...base, retyr: {} })).toEqual([expect.stringContaining('additionalProperty":"retyr"')]);
    expect(errors(validateConfig, { ...base, timeout: 250 })).not.toEqual([]);
    expect(errors(validateConfig, { ...base, timeout: '${TIMEOUT}' })).toEqual([]);
    const resources = base['resources'] as Record<string, unknown>[];
    expect(errors(validateConfig, { ...base, resources: [{ ...resources[0], replication: { mode: 'asynch' } }] })).not.toEqual([]);
    expect(errors(validateConfig, { ...base, jobs: { j: { apiVersion: 'batch.mcp/v1', kind: 'DataJob', spec: {} } } })).not.toEqual([]);
    expect(errors(validateConfig, { ...base, jobs: { j: { apiVersion: 'batch.mcp/v1', kind: 'DataJob', spec: { image: 'x' } } } })).toEqual([]);
  });
});

it('a JSON config may name its schema in "$schema" (the loader ignores it)', () => {
  const config = {
    $schema: './node_modules/@polycloud/core/polycloud.schema.json',
    providers: [{ name: 'm', type: 'memory', buckets: ['b'] }],
    resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'm', physical_id: 'b' }] }],
  };
  expect(errors(validateConfig, config)).toEqual([]);
  expect(loadPolycloudConfig(JSON.stringify(config), { registry: configRegistry() }).options.providers).toHaveLength(1);
});

describe('JSON Schema of a DataJob (packages/core/datajob.schema.json)', () => {
  it("accepts the original design's DataJob and refuses a bare-number timeout", () => {
    const job = parse(ORIGINAL_DATAJOB_YAML) as { spec: Record<string, unknown> };
    expect(errors(validateJob, job)).toEqual([]);
    expect(errors(validateJob, { ...job, spec: { ...job.spec, timeout: '1h30m' } })).toEqual([]);
    expect(errors(validateJob, { ...job, spec: { ...job.spec, timeout: 3600 } })).not.toEqual([]);
  });
});
