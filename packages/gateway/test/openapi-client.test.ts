import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startGateway } from './helpers.js';
import { GENERATED_TYPES, typesFromDocument } from './openapi-types.js';
import * as api from './rest-client.js';

let g: Awaited<ReturnType<typeof startGateway>>;
let doc: Record<string, unknown>;
let client: api.GatewayClient;

beforeAll(async () => {
  g = await startGateway();
  const res = await fetch(`${g.url}/_polycloud/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Record<string, unknown>;
  client = api.gatewayClient(g.url, ADMIN.authorization);
});
afterAll(() => g?.stop());

describe('the OpenAPI document', () => {
  it('passes swagger-parser validation as OpenAPI 3.0', async () => {
    expect(doc['openapi']).toBe('3.0.3');
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('declares the bearer security scheme and requires it on every API operation', () => {
    const components = doc['components'] as { securitySchemes: Record<string, { type: string; scheme: string }> };
    expect(components.securitySchemes['bearerAuth']).toMatchObject({ type: 'http', scheme: 'bearer' });
    const paths = doc['paths'] as Record<string, Record<string, { security?: unknown[] }>>;
    const operations = Object.values(paths).flatMap((item) => Object.values(item));
    expect(operations.length).toBeGreaterThanOrEqual(17);
    for (const op of operations) expect(op.security).toEqual([{ bearerAuth: [] }]);
  });

  it('describes the DataJob body with core’s schema', () => {
    const schemas = (doc['components'] as { schemas: Record<string, { properties?: Record<string, unknown> }> }).schemas;
    expect(Object.keys(schemas['DataJob']!.properties!)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  });

  it('generates the client types committed under test/fixtures (regenerated from the served document)', async () => {
    const generated = await typesFromDocument(doc);
    const file = fileURLToPath(GENERATED_TYPES);
    if (process.env['UPDATE_GATEWAY_OPENAPI']) writeFileSync(file, generated);
    expect(generated, 'the served document changed: regenerate with UPDATE_GATEWAY_OPENAPI=1').toBe(readFileSync(file, 'utf8'));
  });

  it('the openapi-fetch client type-checks against the generated types', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const program = ts.createProgram([fileURLToPath(new URL('./rest-client.ts', import.meta.url))], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      types: ['node'],
      typeRoots: [`${root}node_modules/@types`],
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  }, 120_000);

  it('a call the document does not describe fails to type-check', () => {
    const host = ts.createCompilerHost({
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
    });
    const probe = fileURLToPath(new URL('./probe.ts', import.meta.url));
    const source = [
      "import createClient from 'openapi-fetch';",
      "import type { paths } from './fixtures/openapi.js';",
      'const client = createClient<paths>({});',
      "void client.GET('/_polycloud/v1/buckets/{bucket}/objects', { params: { path: { bucket: 'lb' }, query: { pageSize: 3 } } });",
    ].join('\n');
    const read = host.readFile.bind(host);
    host.readFile = (f) => (f === probe ? source : read(f));
    const exists = host.fileExists.bind(host);
    host.fileExists = (f) => f === probe || exists(f);
    const get = host.getSourceFile.bind(host);
    host.getSourceFile = (f, lang) => (f === probe ? ts.createSourceFile(f, source, lang) : get(f, lang));
    const program = ts.createProgram(
      [probe],
      { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true },
      host,
    );
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors.join('\n')).toMatch(/pageSize/);
  }, 120_000);
});

describe('every REST operation through the generated client', () => {
  it('lists the buckets the caller may read', async () => {
    const buckets = await api.listBuckets(client);
    expect(buckets.map((b) => b.id).sort()).toEqual(['lb', 'lb-us']);
    expect(buckets.find((b) => b.id === 'lb')).toMatchObject({
      replication: 'async',
      bindings: [
        { id: 'a', cloud: 'a', region: 'eu-west-1' },
        { id: 'b', cloud: 'b' },
      ],
    });
  });

  it('puts, gets (whole and ranges), heads, lists, copies, deletes', async () => {
    const put = await api.putObject(client, 'lb', 'docs/a b.txt', 'hello world', { contentType: 'text/plain', metadata: { owner: 'ana' } });
    expect(put.status).toBe(201);
    expect(put.result).toMatchObject({ key: 'docs/a b.txt', size: 11 });

    const whole = await api.getObject(client, 'lb', 'docs/a b.txt');
    expect(whole).toMatchObject({ status: 200, text: 'hello world' });
    expect(whole.headers.get('content-type')).toBe('text/plain');
    expect(whole.headers.get('x-polycloud-meta-owner')).toBe('ana');
    expect(whole.headers.get('x-polycloud-version-token')).toBe(put.result!.versionToken);

    const part = await api.getObject(client, 'lb', 'docs/a b.txt', 'bytes=6-');
    expect(part.status).toBe(206);
    expect(part.text).toBe('world');
    expect(part.headers.get('content-range')).toBe('bytes 6-10/11');
    const suffix = await api.getObject(client, 'lb', 'docs/a b.txt', 'bytes=-3');
    expect([suffix.status, suffix.text, suffix.headers.get('content-range')]).toEqual([206, 'rld', 'bytes 8-10/11']);
    const past = await api.getObject(client, 'lb', 'docs/a b.txt', 'bytes=50-60');
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */11');
    expect(past.problem).toMatchObject({ status: 416, path: ['header', 'range'] });

    const head = await api.headObject(client, 'lb', 'docs/a b.txt');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('11');

    const copy = await api.copyObject(client, 'lb', { source: 'docs/a b.txt', destination: 'docs/copy.txt' });
    expect(copy.key).toBe('docs/copy.txt');
    expect((await api.getObject(client, 'lb', 'docs/copy.txt')).text).toBe('hello world');

    const again = await api.putObject(client, 'lb', 'docs/copy.txt', 'x', { ifNoneMatch: '*' });
    // Core reports a create-only write onto an existing key as ALREADY_EXISTS: 409.
    expect(again.status).toBe(409);
    expect(again.problem?.code).toBe('ALREADY_EXISTS');

    expect(await api.deleteObject(client, 'lb', 'docs/copy.txt')).toBe(204);
    expect((await api.getObject(client, 'lb', 'docs/copy.txt')).problem).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('lists with prefix, delimiter and pages (cursor, limit)', async () => {
    for (const k of ['p/1', 'p/2', 'p/3', 'p/sub/4']) expect((await api.putObject(client, 'lb', k, k)).status).toBe(201);
    const top = await api.listObjects(client, 'lb', { prefix: 'p/', delimiter: '/' });
    expect(top.objects.map((o) => o.key)).toEqual(['p/1', 'p/2', 'p/3']);
    expect(top.prefixes).toEqual(['p/sub/']);
    const first = await api.listObjects(client, 'lb', { prefix: 'p/', limit: 2 });
    expect(first.objects.map((o) => o.key)).toEqual(['p/1', 'p/2']);
    expect(first.cursor).toBeTruthy();
    const second = await api.listObjects(client, 'lb', { prefix: 'p/', limit: 2, cursor: first.cursor! });
    expect(second.objects.map((o) => o.key)).toEqual(['p/3', 'p/sub/4']);
  });

  it('deletes many, reporting each key', async () => {
    const result = await api.deleteObjects(client, 'lb', ['p/1', 'p/2', 'never-there']);
    expect(result.deleted.sort()).toEqual(['never-there', 'p/1', 'p/2']);
    expect(result.errors).toEqual([]);
    expect((await api.listObjects(client, 'lb', { prefix: 'p/' })).objects.map((o) => o.key)).toEqual(['p/3', 'p/sub/4']);
  });

  it('presigns, within the gateway’s longest expiry', async () => {
    const r = await api.presign(client, 'lb', { key: 'p/3', method: 'GET', expiresInSeconds: 60 });
    expect(r.problem).toBeUndefined();
    expect(r.data!.url).toMatch(/p\/3|p%2F3/);
    expect(['a', 'b']).toContain(r.data!.binding);
    expect(Date.parse(r.data!.expiresAt) - Date.now()).toBeGreaterThan(30_000);
    const tooLong = await api.presign(client, 'lb', { key: 'p/3', method: 'GET', expiresInSeconds: 604_800 + 1 });
    expect(tooLong.problem).toMatchObject({ status: 400, path: ['body', 'expiresInSeconds'] });
  });

  it('explains a route', async () => {
    const e = await api.explain(client, 'lb', 'read', 'p/3');
    expect(e.resource).toBe('lb');
    expect(e.candidates.map((c) => c.binding).sort()).toEqual(['a', 'b']);
  });

  it('reports replication status, per object, and drains', async () => {
    expect((await api.putObject(client, 'lb', 'replicated.txt', 'r')).status).toBe(201);
    const before = await api.replicationStatus(client, 'lb');
    expect(before.bucket).toBe('lb');
    expect(before.targets.length).toBeGreaterThan(0);
    const drained = await api.drain(client, 'lb');
    expect(drained.more).toBe(false);
    expect(drained.writes).toBeGreaterThan(0);
    const after = await api.replicationStatus(client, 'lb');
    expect(after.targets.every((t) => t.backlog === 0)).toBe(true);
    expect((await api.objectReplication(client, 'lb', 'replicated.txt')).state).toBe('COMPLETED');
    // The replica is readable from the other binding through the facade itself.
    expect(await g.polycloud.bucket('lb').getText('replicated.txt', { binding: 'b' })).toBe('r');
  });

  it('submits a DataJob, reads its status, watches it to the end, cancels another', async () => {
    const manifest = {
      apiVersion: 'batch.mcp/v1' as const,
      kind: 'DataJob' as const,
      metadata: { name: 'nightly' },
      spec: { image: 'img:1', resources: { cpu: '1', memory: '256Mi' } },
    };
    const { job } = await api.submitJob(client, 'lc', manifest);
    expect(job).toMatchObject({ cluster: 'lc', binding: 'mc', existing: false });
    const status = await api.jobStatus(client, 'lc', job!.id);
    expect(['PENDING', 'RUNNING', 'SUCCEEDED']).toContain(status.status.state);
    const events = await api.watchJob(client, 'lc', job!.id);
    expect(events[0]!.event).toBe('status');
    expect(events.at(-1)).toMatchObject({ event: 'succeeded', data: { type: 'succeeded', status: { state: 'SUCCEEDED' } } });

    const same = await api.submitJob(client, 'lc', manifest);
    expect(same.job).toMatchObject({ existing: true, jobId: job!.jobId });

    const other = await api.submitJob(client, 'lc', { ...manifest, metadata: { name: 'to-cancel' } });
    const cancelled = await api.cancelJob(client, 'lc', other.job!.id);
    expect(['CANCELLED', 'SUCCEEDED']).toContain(cancelled.status.state);
  });

  it('an invalid DataJob is a 400 problem naming the field (the route checks it with core’s schema)', async () => {
    const r = await api.submitJob(client, 'lc', { apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'Bad Name' }, spec: { image: 'x' } });
    expect(r.problem).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', path: ['body', 'metadata', 'name'] });
  });
});
