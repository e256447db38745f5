// @polycloud/gateway — REST (OpenAPI 3.0) and S3-compatible access to LogicalBuckets. (Being built: issue 17.)
export {};
