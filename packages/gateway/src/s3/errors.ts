import { isPolycloudError } from '@polycloud/core';

/** An S3 error: the code and HTTP status S3 clients branch on, and a message safe to show. */
export class S3Error extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra elements of the XML error body (e.g. `BucketName`, `Key`); never a secret. */
  readonly extra: Record<string, string>;

  constructor(code: string, message: string, status = STATUS[code] ?? 400, extra: Record<string, string> = {}) {
    super(message);
    this.name = 'S3Error';
    this.code = code;
    this.status = status;
    this.extra = extra;
  }
}

const STATUS: Record<string, number> = {
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidDigest: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidURI: 400,
  MalformedXML: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  MissingSecurityHeader: 400,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NotImplemented: 501,
  PreconditionFailed: 412,
  RequestTimeout: 400,
  RequestTimeTooSkewed: 403,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  SlowDown: 503,
  XAmzContentSHA256Mismatch: 400,
};

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** S3's XML error document. */
export function errorXml(error: S3Error, resource: string, requestId: string): string {
  const extra = Object.entries(error.extra)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message>` +
    `${extra}<Resource>${xmlEscape(resource)}</Resource><RequestId>${requestId}</RequestId></Error>`
  );
}

/**
 * A facade (or any) error as the S3 error a client understands. `what` says whether a
 * NOT_FOUND is about the key or the bucket. Messages of unexpected errors are not
 * passed through (they could name internals); polycloud's own messages are (they never
 * carry secrets: PolycloudError redacts its context).
 */
export function toS3Error(e: unknown, what: 'key' | 'bucket' = 'key'): S3Error {
  if (e instanceof S3Error) return e;
  if (isPolycloudError(e)) {
    const m = e.message;
    switch (e.code) {
      case 'NOT_FOUND':
        return what === 'bucket'
          ? new S3Error('NoSuchBucket', 'The specified bucket does not exist')
          : new S3Error('NoSuchKey', 'The specified key does not exist.');
      case 'CONDITION_NOT_MET':
      case 'ALREADY_EXISTS':
        return new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      case 'PERMISSION_DENIED':
        return new S3Error('AccessDenied', 'Access Denied (by the backing store)');
      case 'RESIDENCY_VIOLATION':
        // A policy refusal, not a malformed request: 403 like any other denial. Clients do not retry it.
        return new S3Error('AccessDenied', `Refused by the bucket's residency rules: ${m}`);
      case 'RATE_LIMITED':
      case 'QUOTA_EXCEEDED':
        return new S3Error('SlowDown', 'Please reduce your request rate.');
      case 'UNAVAILABLE':
      case 'TIMEOUT':
      case 'ABORTED':
        return new S3Error('ServiceUnavailable', 'No binding of the bucket could serve the request; please retry.');
      case 'INVALID_ARGUMENT':
        return /exceeds the \d+-byte limit/.test(m) ? new S3Error('EntityTooLarge', m) : new S3Error('InvalidArgument', m);
      case 'UNSUPPORTED':
        return new S3Error('NotImplemented', m);
      case 'CONFLICT':
        return new S3Error('OperationAborted', m, 409);
      default:
        return e.retryable
          ? new S3Error('ServiceUnavailable', 'Please retry.')
          : new S3Error('InternalError', 'We encountered an internal error. Please try again.');
    }
  }
  return new S3Error('InternalError', 'We encountered an internal error. Please try again.');
}
