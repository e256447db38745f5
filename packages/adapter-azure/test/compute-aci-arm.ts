import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/core-auth';

export const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
export const credential: TokenCredential = { getToken: async () => ({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };

export interface RecordedRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  body: unknown;
  ifNoneMatch: string | undefined;
}

type Group = { id: string; name: string; type: string; location: string; tags?: Record<string, string>; properties: Record<string, unknown> };

const GROUP_PATH = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerInstance\/containerGroups(?:\/([^/]+))?(\/stop)?$/;

/**
 * An HTTP-level stand-in for Azure Resource Manager's Container Instances API
 * (2023-05-01), plugged into the real SDK as its `httpClient`: it records every
 * request and answers with the documented status codes and JSON bodies.
 */
export function createArmMock(resourceGroups: string[] = ['rg-jobs']) {
  const groups = new Map<string, Group>();
  const requests: RecordedRequest[] = [];
  /** Answers for the next requests of a method (then normal behaviour). */
  const failNext: Record<string, { status: number; code: string; message: string; afterAccepting?: boolean }[]> = {};
  const respond = (request: PipelineRequest, status: number, body?: unknown): PipelineResponse => ({
    request,
    status,
    headers: createHttpHeaders({ 'content-type': 'application/json', 'x-ms-request-id': 'req-1' }),
    ...(body === undefined ? {} : { bodyAsText: JSON.stringify(body) }),
  });
  const armError = (request: PipelineRequest, status: number, code: string, message: string) => respond(request, status, { error: { code, message } });

  const httpClient: HttpClient = {
    async sendRequest(request) {
      const url = new URL(request.url);
      const body = typeof request.body === 'string' ? JSON.parse(request.body) : undefined;
      requests.push({
        method: request.method,
        path: url.pathname,
        apiVersion: url.searchParams.get('api-version'),
        body,
        ifNoneMatch: request.headers.get('if-none-match'),
      });
      const m = GROUP_PATH.exec(url.pathname);
      if (!m) return armError(request, 404, 'InvalidResourceType', `no route for ${request.method} ${url.pathname}`);
      const [, , rg, name, stop] = m;
      if (!resourceGroups.includes(rg!)) return armError(request, 404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
      const scripted = failNext[request.method]?.shift();
      const key = `${rg}/${name}`;
      if (scripted && !scripted.afterAccepting) return armError(request, scripted.status, scripted.code, scripted.message);
      if (request.method === 'GET' && !name)
        return respond(request, 200, { value: [...groups.values()].filter((g) => g.id.includes(`/resourceGroups/${rg}/`)) });
      const group = groups.get(key);
      switch (request.method) {
        case 'PUT': {
          // ARM's conditional PUT: If-None-Match: * creates only; a taken name answers 412.
          if (group && request.headers.get('if-none-match') === '*')
            return armError(request, 412, 'PreconditionFailed', `The condition specified using HTTP conditional header(s) is not met.`);
          const created: Group = {
            id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/containerGroups/${name}`,
            name: name!,
            type: 'Microsoft.ContainerInstance/containerGroups',
            location: body.location,
            tags: body.tags,
            properties: { ...body.properties, provisioningState: 'Pending' },
          };
          groups.set(key, created);
          if (scripted) return armError(request, scripted.status, scripted.code, scripted.message);
          return respond(request, 201, created);
        }
        case 'GET':
          return group
            ? respond(request, 200, group)
            : armError(
                request,
                404,
                'ResourceNotFound',
                `The Resource 'Microsoft.ContainerInstance/containerGroups/${name}' under resource group '${rg}' was not found.`,
              );
        case 'PATCH':
          if (!group) return armError(request, 404, 'ResourceNotFound', 'not found');
          group.tags = body.tags;
          return respond(request, 200, group);
        case 'POST':
          if (!group || !stop) return armError(request, 404, 'ResourceNotFound', 'not found');
          group.properties = { ...group.properties, instanceView: { ...(group.properties['instanceView'] as object), state: 'Stopped' } };
          return respond(request, 204);
        default:
          return armError(request, 405, 'MethodNotAllowed', request.method);
      }
    },
  };

  return {
    httpClient,
    groups,
    requests,
    failNext,
    /** Sets what ARM reports for the group's state and its container's current state. */
    setState(
      name: string,
      groupState: string,
      container?: { state: string; exitCode?: number; startTime?: string; finishTime?: string; detailStatus?: string },
      provisioningState = 'Succeeded',
    ) {
      const g = [...groups.values()].find((x) => x.name === name)!;
      const containers = (g.properties['containers'] as { name: string; properties: Record<string, unknown> }[]).map((c) => ({
        ...c,
        properties: { ...c.properties, ...(container ? { instanceView: { restartCount: 0, currentState: container, events: [] } } : {}) },
      }));
      g.properties = { ...g.properties, provisioningState, containers, instanceView: { state: groupState, events: [] } };
    },
    complete(name: string, exitCode: number) {
      this.setState(name, exitCode === 0 ? 'Succeeded' : 'Failed', {
        state: 'Terminated',
        exitCode,
        startTime: '2026-01-15T12:00:00Z',
        finishTime: '2026-01-15T12:05:00Z',
        detailStatus: exitCode === 0 ? 'Completed' : 'Error',
      });
    },
  };
}
