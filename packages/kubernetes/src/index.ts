// @polycloud/kubernetes — the batch.mcp/v1 DataJob CRD, the `kubernetes` compute adapter and the
// DataJob controller. (Being built: issue 16.)
export {};
