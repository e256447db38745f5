/**
 * The access layer: a REST API described by OpenAPI 3.0 and an S3-compatible endpoint in front of a polycloud instance.
 *
 * @module @polycloud/gateway
 */
export { createGateway, isRestPath, type Gateway, type GatewayOptions } from './server.js';
export {
  gatewayConfigSchema,
  gatewayConfigFromFile,
  resolveGatewayConfig,
  GATEWAY_ACTIONS,
  DEFAULT_MAX_BODY_BYTES,
  type GatewayConfig,
  type ResolvedGatewayConfig,
} from './config.js';
export { createCredentialStore, parseBearer, secretsEqual, type CredentialStore, type Principal, type GatewayAction, type BearerCredentials } from './auth.js';
export { createRateLimiter, type RateLimiter } from './limits.js';
export { ERROR_STATUS, problem, problemFromError, type Problem } from './problem.js';
export { REST_PREFIX, API_PREFIX, OPENAPI_PATH } from './rest/app.js';
export { createS3Handler, type S3HandlerDeps } from './s3/index.js';
export { GATEWAY_VERSION } from './version.js';
