import { type ResourceType, qualifiedKind, qualifiedName } from './resources.js';

/** One problem in an Invalid (422) Status, as the API server lists it in `details.causes`. */
export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

/** A `meta/v1` Status, as the API server answers every failed request. */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class StatusError extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message);
  }
}

const failure = (code: number, reason: string, message: string, details?: KubeStatus['details']): StatusError =>
  new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });

const details = (t: ResourceType, name: string | undefined) => ({ ...(name ? { name } : {}), group: t.group, kind: t.plural });

export const notFound = (t: ResourceType, name: string) => failure(404, 'NotFound', `${qualifiedName(t)} "${name}" not found`, details(t, name));
export const alreadyExists = (t: ResourceType, name: string) => failure(409, 'AlreadyExists', `${qualifiedName(t)} "${name}" already exists`, details(t, name));
export const conflict = (t: ResourceType, name: string) =>
  failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedName(t)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details(t, name),
  );
export const invalid = (t: ResourceType, name: string, causes: StatusCause[]) =>
  failure(422, 'Invalid', `${qualifiedKind(t)} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, {
    name,
    group: t.group,
    kind: t.kind,
    causes,
  });
export const badRequest = (message: string) => failure(400, 'BadRequest', message);
export const unauthorized = () => failure(401, 'Unauthorized', 'Unauthorized');
export const forbidden = (t: ResourceType, name: string, why: string) =>
  failure(403, 'Forbidden', `${qualifiedName(t)} "${name}" is forbidden: ${why}`, details(t, name));
export const methodNotAllowed = () => failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
export const gone = (message: string) => failure(410, 'Expired', message);
export const unsupportedMediaType = (type: string) =>
  failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json; got ${type}`,
  );
export const internalError = (message: string) => failure(500, 'InternalError', message);
export const pageNotFound = () => failure(404, 'NotFound', 'the server could not find the requested resource');
