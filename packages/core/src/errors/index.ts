export { ERROR_CODES, type ErrorCode, RETRYABLE_BY_DEFAULT } from './codes.js';
export { PolycloudError, isPolycloudError, toPolycloudError, type ErrorContext, type ErrorIssue, type PolycloudErrorOptions } from './polycloud-error.js';
export { redact, registerSecrets, REDACTED } from './redact.js';
export { zodIssues, errorFromIssues, parseWithSchema, formatPath } from './from-zod.js';
export { classifyNetworkError } from './network.js';
export { throwMissingPeer } from './missing-peer.js';
