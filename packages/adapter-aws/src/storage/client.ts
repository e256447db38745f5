import { S3Client } from '@aws-sdk/client-s3';
import type { ResolvedS3AdapterOptions } from './options.js';

/**
 * Builds the SDK client. SDK retries are off by default (`maxAttempts: 1`): core
 * retries and fails over. Path-style addressing is the default for custom endpoints
 * (most S3-compatible stores and every emulator need it).
 */
export function createS3Client(o: ResolvedS3AdapterOptions): S3Client {
  const credentials =
    o.accessKey !== undefined && o.secretKey !== undefined
      ? { accessKeyId: o.accessKey, secretAccessKey: o.secretKey, ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}) }
      : o.credentials;
  const checksum = o.checksums === 'whenRequired' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  return new S3Client({
    region: o.region,
    ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
    forcePathStyle: o.forcePathStyle ?? o.endpoint !== undefined,
    ...(credentials !== undefined ? { credentials } : {}),
    maxAttempts: o.maxAttempts,
    requestChecksumCalculation: checksum,
    responseChecksumValidation: checksum,
    requestHandler: {
      connectionTimeout: o.connectionTimeoutMs,
      ...(o.requestTimeoutMs !== undefined ? { requestTimeout: o.requestTimeoutMs, throwOnRequestTimeout: true } : {}),
      httpAgent: { keepAlive: true, maxSockets: o.maxSockets },
      httpsAgent: { keepAlive: true, maxSockets: o.maxSockets },
    },
  });
}
