export { createS3Adapter, s3AdapterFactory } from './adapter.js';
export { S3AdapterOptionsSchema, type S3AdapterOptions, type ResolvedS3AdapterOptions, type S3Credentials, type S3CredentialsProvider } from './options.js';
export { mapS3Error } from './errors.js';
