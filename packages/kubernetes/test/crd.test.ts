import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseDataJob } from '@polycloud/core';
import { dataJobJsonSchema } from '@polycloud/core/spi';
import { ORIGINAL_DATAJOB_YAML } from '@polycloud/core/testing';
import { dataJobCrd, dataJobCrdSchema, dataJobCrdYaml, structuralViolations } from '@polycloud/kubernetes';
import { crdYaml, dataJobCrdFromJsonSchema } from '../src/crd/datajob-crd.js';

const manifest = fileURLToPath(new URL('../manifests/datajob-crd.yaml', import.meta.url));

// ajv 8 (pinned devDependency); strict off for Kubernetes' x-kubernetes-* keywords, which it ignores.
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('int64', /^-?\d+$/);
ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
const validate = ajv.compile(dataJobCrdSchema());
const problems = (value: unknown) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));

describe('the DataJob CRD (manifests/datajob-crd.yaml)', () => {
  it('the checked-in manifest is what the generator writes from the zod schema (run `npm run schema` after changing either)', () => {
    expect(readFileSync(manifest, 'utf8')).toBe(dataJobCrdYaml());
  });

  it('the comparison catches drift: a field added to the DataJob schema changes the generated CRD', () => {
    const schema = dataJobJsonSchema() as { definitions: Record<string, { properties?: Record<string, unknown> }> };
    const spec = Object.values(schema.definitions).find((d) => d.properties?.['image'])!;
    spec.properties!['priorityClass'] = { type: 'string' };
    const drifted = crdYaml(dataJobCrdFromJsonSchema(schema));
    expect(drifted).not.toBe(readFileSync(manifest, 'utf8'));
    expect(drifted).toContain('priorityClass:');
  });

  it('is a valid apiextensions.k8s.io/v1 CustomResourceDefinition (kubernetes-models)', () => {
    expect(() => new CustomResourceDefinition(dataJobCrd() as never).validate()).not.toThrow();
    const broken = dataJobCrd() as { spec: { scope?: unknown } };
    broken.spec.scope = 42;
    expect(() => new CustomResourceDefinition(broken as never).validate()).toThrow(/scope/);
  });

  it('declares the status subresource, the Phase / Cloud / Age columns and a namespaced scope', () => {
    const spec = (dataJobCrd() as { spec: Record<string, never> }).spec as unknown as {
      scope: string;
      group: string;
      names: { kind: string; plural: string };
      versions: { name: string; subresources: object; additionalPrinterColumns: { name: string; jsonPath: string }[] }[];
    };
    expect([spec.group, spec.names.kind, spec.names.plural, spec.scope]).toEqual(['batch.mcp', 'DataJob', 'datajobs', 'Namespaced']);
    expect(spec.versions[0]!.subresources).toEqual({ status: {} });
    expect(spec.versions[0]!.additionalPrinterColumns.map((c) => `${c.name}=${c.jsonPath}`)).toEqual([
      'Phase=.status.phase',
      'Cloud=.status.cloud',
      'Age=.metadata.creationTimestamp',
    ]);
  });

  it('its openAPIV3Schema is structural: a type at every node, no $ref / const / additionalProperties: false / top-level anyOf', () => {
    expect(structuralViolations(dataJobCrdSchema())).toEqual([]);
    // the checker itself catches what it must
    expect(structuralViolations({ type: 'object', properties: { a: { $ref: '#/x' }, b: { anyOf: [{ type: 'string' }] }, c: {} } })).toEqual([
      'a: $ref is not allowed',
      'a: no type',
      'b: no type',
      'b: anyOf outside x-kubernetes-int-or-string',
      'c: no type',
    ]);
  });

  it('includes the status schema the controller writes', () => {
    const status = (dataJobCrdSchema() as { properties: { status: { properties: Record<string, { items?: { properties: object } }> } } }).properties.status;
    expect(Object.keys(status.properties).sort()).toEqual(
      ['binding', 'cloud', 'completionTime', 'conditions', 'observedGeneration', 'phase', 'providerJobId', 'startTime'].sort(),
    );
    expect(Object.keys(status.properties['conditions']!.items!.properties).sort()).toEqual(['lastTransitionTime', 'message', 'reason', 'status', 'type']);
  });

  it("the original design's DataJob YAML validates against the CRD schema (ajv)", () => {
    const job = parse(ORIGINAL_DATAJOB_YAML) as unknown;
    expect(problems(job)).toEqual([]);
    expect(() => parseDataJob(ORIGINAL_DATAJOB_YAML)).not.toThrow();
    const full = {
      ...(job as object),
      spec: {
        image: 'data-processor:v1',
        command: ['node'],
        args: ['run.js'],
        env: [{ name: 'LEVEL', value: 'debug' }],
        resources: { cpu: '500m', memory: '4Gi' },
        timeout: '15m',
        retries: 2,
        tags: { residency: 'eu', priority: 1 },
      },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
    };
    expect(problems(full)).toEqual([]);
  });

  it('an invalid DataJob fails with the field path, as the zod schema fails it', () => {
    const job = parse(ORIGINAL_DATAJOB_YAML) as { spec: Record<string, unknown> };
    expect(problems({ ...job, spec: { ...job.spec, retries: 10 } })).toEqual(['/spec/retries must be <= 9']);
    expect(() => parseDataJob({ ...job, spec: { ...job.spec, retries: 10 } })).toThrow(/spec\.retries/);
    const { image: _image, ...noImage } = job.spec;
    expect(problems({ ...job, spec: noImage })).toEqual(["/spec must have required property 'image'"]);
    expect(problems({ ...job, spec: { ...job.spec, timeout: 3600 } })).toEqual(['/spec/timeout must be string']);
    expect(problems({ ...job, metadata: { name: 'Data_Cleaning' } })).toEqual(['/metadata/name must match pattern "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"']);
    expect(problems({ ...job, status: { conditions: [{ type: 'Ready', status: 'yes' }] } })).toEqual([
      '/status/conditions/0/status must be equal to one of the allowed values',
    ]);
  });
});
