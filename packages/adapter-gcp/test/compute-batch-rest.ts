import { v1 } from '@google-cloud/batch';
import type { GcpBatchClient } from '@polycloud/adapter-gcp';

interface RestCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: Record<string, unknown>;
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const error = (status: number, grpcStatus: string, message: string) => json(status, { error: { code: status, message, status: grpcStatus } });

/**
 * The real `BatchServiceClient` on its HTTP/JSON transport (`fallback: true`), with
 * the HTTP exchange answered by a stateful fake of the Cloud Batch REST API
 * (`POST /v1/{parent}/jobs?jobId=…`, `GET /v1/{name}`, `POST /v1/{name}:cancel`).
 */
export function createRestGcpBatch() {
  const jobs = new Map<string, Record<string, unknown>>();
  const calls: RestCall[] = [];
  let uid = 0;
  const fetch = async (url: string, init: { method: string; body?: string }) => {
    const u = new URL(url);
    const path = decodeURIComponent(u.pathname).replace(/^\/v1\//, '');
    const query = Object.fromEntries(u.searchParams.entries());
    const body = init.body ? (JSON.parse(init.body) as Record<string, unknown>) : undefined;
    calls.push({ method: init.method, path, query, ...(body ? { body } : {}) });
    if (init.method === 'POST' && path.endsWith('/jobs')) {
      const name = `${path}/${query['jobId']}`;
      if (jobs.has(name)) return error(409, 'ALREADY_EXISTS', `Job ${name} already exists`);
      const job = {
        ...body,
        name,
        uid: `uid-${++uid}`,
        status: { state: 'QUEUED', statusEvents: [] },
        createTime: '2026-01-15T12:00:00Z',
        updateTime: '2026-01-15T12:00:00Z',
      };
      jobs.set(name, job);
      return json(200, job);
    }
    if (init.method === 'POST' && path.endsWith(':cancel')) {
      const job = jobs.get(path.slice(0, -':cancel'.length));
      if (!job) return error(404, 'NOT_FOUND', 'not found');
      const state = (job['status'] as { state: string }).state;
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(state)) return error(400, 'FAILED_PRECONDITION', 'job already finished');
      job['status'] = { ...(job['status'] as object), state: 'CANCELLED' };
      return json(200, { name: `${path.split('/jobs/')[0]}/operations/op-${uid}`, done: false });
    }
    if (init.method === 'GET') {
      const job = jobs.get(path);
      return job ? json(200, job) : error(404, 'NOT_FOUND', `Resource not found: ${path}`);
    }
    return error(400, 'INVALID_ARGUMENT', `unexpected ${init.method} ${path}`);
  };
  const authClient = { universeDomain: 'googleapis.com', getRequestHeaders: async () => new Headers(), fetch };
  const auth = {
    getClient: async () => authClient,
    fetch,
    getProjectId: async () => 'demo-project',
    getUniverseDomain: async () => 'googleapis.com',
    universeDomain: 'googleapis.com',
  };
  const client = new v1.BatchServiceClient({ fallback: true, auth: auth as never }) as unknown as GcpBatchClient;
  return {
    client,
    jobs,
    calls,
    complete(jobId: string, exitCode: number) {
      const job = [...jobs.values()].find((j) => String(j['name']).endsWith(`/jobs/${jobId}`))!;
      job['status'] = {
        state: exitCode === 0 ? 'SUCCEEDED' : 'FAILED',
        statusEvents: [
          {
            type: 'STATUS_CHANGED',
            description: `Task state is updated from RUNNING to ${exitCode === 0 ? 'SUCCEEDED' : 'FAILED'} with exit code ${exitCode}`,
            taskExecution: { exitCode },
            taskState: exitCode === 0 ? 'SUCCEEDED' : 'FAILED',
          },
        ],
      };
      job['updateTime'] = '2026-01-15T12:10:00Z';
    },
  };
}
