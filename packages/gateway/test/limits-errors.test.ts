import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, PolycloudError } from '@polycloud/core/spi';
import { ERROR_STATUS, problemFromError } from '@polycloud/gateway';
import { ADMIN, FULL_CONFIG, READER, startGateway } from './helpers.js';

const API = '/_polycloud/v1';
type Problem = { type: string; title: string; status: number; detail: string; code: string; path: unknown[]; issues?: unknown[] };
const problem = async (res: Response) => {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as Problem;
};

describe('body size limit', () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    g = await startGateway({ ...FULL_CONFIG, limits: { maxBodyBytes: 1024 } });
  });
  afterAll(() => g?.stop());

  it('a declared Content-Length over the limit: 413 before anything is read, nothing written', async () => {
    const res = await fetch(`${g.url}${API}/buckets/lb/objects/big.bin`, { method: 'PUT', headers: ADMIN, body: Buffer.alloc(4096, 1) });
    expect(res.status).toBe(413);
    expect(await problem(res)).toMatchObject({ status: 413, code: 'INVALID_ARGUMENT', type: 'urn:polycloud:problem:body-too-large', path: ['body'] });
    expect(await g.polycloud.bucket('lb').exists('big.bin')).toBe(false);
  });

  it('a streamed (chunked) body that grows past the limit: 413, nothing written', async () => {
    const chunks = Array.from({ length: 8 }, () => new Uint8Array(512).fill(7));
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const res = await fetch(`${g.url}${API}/buckets/lb/objects/streamed.bin`, { method: 'PUT', headers: ADMIN, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect((await problem(res)).type).toBe('urn:polycloud:problem:body-too-large');
    expect(await g.polycloud.bucket('lb').exists('streamed.bin')).toBe(false);
  });

  it('within the limit, a streamed body is written whole', async () => {
    const res = await fetch(`${g.url}${API}/buckets/lb/objects/small.bin`, { method: 'PUT', headers: ADMIN, body: Buffer.alloc(1000, 3) });
    expect(res.status).toBe(201);
    expect((await g.polycloud.bucket('lb').getBytes('small.bin')).length).toBe(1000);
  });

  it('an object whose content type is JSON still streams (the JSON limit is for the API’s own bodies)', async () => {
    const big = await startGateway({ ...FULL_CONFIG, limits: { maxBodyBytes: 4 * 1024 * 1024 } });
    try {
      const json = JSON.stringify({ blob: 'x'.repeat(2 * 1024 * 1024) });
      const res = await fetch(`${big.url}${API}/buckets/lb/objects/data.json`, {
        method: 'PUT',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: json,
      });
      expect(res.status).toBe(201);
      expect((await big.polycloud.bucket('lb').head('data.json')).size).toBe(json.length);
    } finally {
      await big.stop();
    }
  });

  it('a JSON body over the limit: 413', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
    const res = await fetch(`${g.url}${API}/buckets/lb/delete`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ keys }),
    });
    expect(res.status).toBe(413);
    await res.body?.cancel();
  });
});

describe('rate limit per principal', () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    // 0.2 tokens a second: a refused principal stays refused for the whole test, however slow the machine.
    g = await startGateway({ ...FULL_CONFIG, limits: { maxRequestsPerSecond: 0.2, burst: 2 } });
  });
  afterAll(() => g?.stop());

  it('answers 429 with Retry-After once a principal spent its burst; other principals are unaffected', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await fetch(`${g.url}${API}/buckets`, { headers: ADMIN });
      statuses.push(last.status);
      if (i < 2) await last.body?.cancel();
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await problem(last!)).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryable: true });
    const other = await fetch(`${g.url}${API}/buckets`, { headers: READER });
    expect(other.status).toBe(200);
    await other.body?.cancel();
  });

  it('failed authentications are limited per client address: guessing a secret is no faster than calling', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${g.url}${API}/buckets`, { headers: { authorization: `Bearer admin-key:guess-${i}` } });
      statuses.push(res.status);
      await res.body?.cancel();
    }
    expect(statuses).toEqual([401, 401, 429]);
    // The key itself is not locked out by someone else's failures.
    const admin = await fetch(`${g.url}${API}/buckets`, { headers: READER });
    expect(admin.status).toBe(200);
    await admin.body?.cancel();
  });
});

describe('errors as RFC 9457 problems', () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    g = await startGateway();
  });
  afterAll(() => g?.stop());

  it('maps every core error code to an HTTP error status', () => {
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      const p = problemFromError(new PolycloudError(code, `something ${code}`, { context: { path: ['x', 0] } }), ['body']);
      expect(p).toMatchObject({
        code,
        status: ERROR_STATUS[code].status,
        path: ['body', 'x', 0],
        type: `urn:polycloud:problem:${code.toLowerCase().replace(/_/g, '-')}`,
      });
      expect(p.status).toBeGreaterThanOrEqual(400);
    }
  });

  it('an error that is not a PolycloudError says nothing of its message', () => {
    const p = problemFromError(new Error('internal detail /etc/secret-path'));
    expect(p).toMatchObject({ status: 500, code: 'UNEXPECTED' });
    expect(p.detail).not.toContain('secret-path');
  });

  it('a residency refusal surfaces as RESIDENCY_VIOLATION (403), and nothing is written', async () => {
    // lb-us has one binding, in us-east-1; data tagged for the EU zone may not go there.
    const res = await fetch(`${g.url}${API}/buckets/lb-us/objects/eu-data.txt`, {
      method: 'PUT',
      headers: { ...ADMIN, 'x-polycloud-tag-residency': 'eu' },
      body: 'personal data',
    });
    expect(res.status).toBe(403);
    const p = await problem(res);
    expect(p).toMatchObject({ status: 403, code: 'RESIDENCY_VIOLATION', type: 'urn:polycloud:problem:residency-violation' });
    expect(await g.polycloud.bucket('lb-us').exists('eu-data.txt')).toBe(false);
    // The same data routed through lb lands only on its EU binding.
    const ok = await fetch(`${g.url}${API}/buckets/lb/objects/eu-data.txt`, {
      method: 'PUT',
      headers: { ...ADMIN, 'x-polycloud-tag-residency': 'eu' },
      body: 'personal data',
    });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { binding: string }).binding).toBe('a');
  });

  it('request validation problems carry the path of the offending input', async () => {
    const limit = await fetch(`${g.url}${API}/buckets/lb/objects?limit=0`, { headers: ADMIN });
    expect(limit.status).toBe(400);
    expect(await problem(limit)).toMatchObject({ code: 'INVALID_ARGUMENT', path: ['query', 'limit'] });

    const keys = await fetch(`${g.url}${API}/buckets/lb/delete`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: '{"keys":["ok",7]}',
    });
    expect(await problem(keys)).toMatchObject({ status: 400, path: ['body', 'keys', 1] });

    const op = await fetch(`${g.url}${API}/buckets/lb/explain?operation=fly`, { headers: ADMIN });
    expect(await problem(op)).toMatchObject({ status: 400, path: ['query', 'operation'] });

    const media = await fetch(`${g.url}${API}/buckets/lb/delete`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'text/plain' }, body: 'keys' });
    expect(await problem(media)).toMatchObject({ status: 415, code: 'INVALID_ARGUMENT' });

    // Facade validation of object options is placed where the request carried them.
    const meta = await fetch(`${g.url}${API}/buckets/lb/objects/m.txt`, {
      method: 'PUT',
      headers: { ...ADMIN, 'x-polycloud-meta-pc_reserved': 'v' },
      body: 'x',
    });
    expect(await problem(meta)).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', path: ['header', 'x-polycloud-meta-pc_reserved'] });
    const key = await fetch(`${g.url}${API}/buckets/lb/objects/${encodeURIComponent('x'.repeat(2000))}`, { method: 'PUT', headers: ADMIN, body: 'x' });
    expect(await problem(key)).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', path: ['path', 'key'] });

    const badJob = await fetch(`${g.url}${API}/clusters/lc/jobs/not-a-job`, { headers: ADMIN });
    expect(await problem(badJob)).toMatchObject({ status: 400, path: ['path', 'job'] });
  });

  it('facade errors keep their code: unknown bucket, missing object, unknown endpoint', async () => {
    const bucket = await fetch(`${g.url}${API}/buckets/nope/objects`, { headers: ADMIN });
    expect(await problem(bucket)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const object = await fetch(`${g.url}${API}/buckets/lb/objects/missing.txt`, { headers: ADMIN });
    expect(await problem(object)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const head = await fetch(`${g.url}${API}/buckets/lb/objects/missing.txt`, { method: 'HEAD', headers: ADMIN });
    expect(head.status).toBe(404);
    const endpoint = await fetch(`${g.url}${API}/nothing-here`, { headers: ADMIN });
    expect(await problem(endpoint)).toMatchObject({ status: 404, type: 'urn:polycloud:problem:no-such-endpoint' });
    const replication = await fetch(`${g.url}${API}/buckets/lb-us/replication`, { headers: ADMIN });
    // One binding: nothing pending anywhere.
    expect(replication.status).toBe(200);
    const status = (await replication.json()) as { bucket: string; targets: { backlog: number }[] };
    expect(status.bucket).toBe('lb-us');
    expect(status.targets.every((t) => t.backlog === 0)).toBe(true);
  });
});

describe('job watch (server-sent events)', () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    g = await startGateway();
  });
  afterAll(() => g?.stop());

  const submit = async (name: string) => {
    const res = await fetch(`${g.url}${API}/clusters/lc/jobs`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name }, spec: { image: 'x' } }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };

  const events = async (id: string) => {
    const res = await fetch(`${g.url}${API}/clusters/lc/jobs/${id}/events?pollIntervalMs=50`, { headers: ADMIN });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    return [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
  };

  it('delivers state changes until the job ends, then closes', async () => {
    const id = await submit('watched');
    expect(await events(id)).toEqual(['status', 'succeeded']);
  });

  it('a job cancelled while watched ends the stream with `cancelled`', async () => {
    const id = await submit('cancelled-while-watched');
    const watching = events(id);
    await new Promise((r) => setTimeout(r, 100));
    const cancel = await fetch(`${g.url}${API}/clusters/lc/jobs/${id}/cancel`, { method: 'POST', headers: ADMIN });
    expect(cancel.status).toBe(202);
    expect(await watching).toEqual(['status', 'cancelled']);
  });

  it('closing the gateway ends an open watch of a job that never finishes', async () => {
    const { createPolycloud } = await import('@polycloud/core');
    const { createMemoryComputeAdapter } = await import('@polycloud/core/testing');
    const polycloud = createPolycloud({
      providers: [{ name: 'mc', adapter: createMemoryComputeAdapter({ name: 'mc', runMs: null }) }],
      resources: [{ resource_id: 'lc', type: 'LogicalCluster', providers: [{ cloud: 'mc', physical_id: 'q' }] }],
    });
    const own = await startGateway(FULL_CONFIG, polycloud);
    const res = await fetch(`${own.url}${API}/clusters/lc/jobs`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'forever' }, spec: { image: 'x' } }),
    });
    const { id } = (await res.json()) as { id: string };
    const watch = await fetch(`${own.url}${API}/clusters/lc/jobs/${id}/events?pollIntervalMs=50`, { headers: ADMIN });
    const reader = watch.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('event: status');
    const started = performance.now();
    await own.stop();
    // The stream ends (cleanly or cut) instead of holding the server open.
    await reader.read().then(
      async function drain(r): Promise<void> {
        if (!r.done) return reader.read().then(drain);
      },
      () => undefined,
    );
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('a finished job gives its status event only; a reader without scope on the cluster gets 403', async () => {
    const id = await submit('already-done');
    await g.polycloud.cluster('lc').wait(decode(id), { pollIntervalMs: 50 });
    expect(await events(id)).toEqual(['status']);
    const denied = await fetch(`${g.url}${API}/clusters/lc/jobs/${id}/events`, { headers: READER });
    expect(denied.status).toBe(403);
    await denied.body?.cancel();
  });
});

function decode(id: string) {
  const v = JSON.parse(Buffer.from(id, 'base64url').toString('utf8')) as { b: string; j: string; k: string };
  return { resource: 'lc', binding: v.b, jobId: v.j, idempotencyKey: v.k };
}
