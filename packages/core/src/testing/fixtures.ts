/**
 * The original design's DataJob, verbatim (from the design document's batch-job
 * example): the fixture every compute test starts from.
 */
export const ORIGINAL_DATAJOB_YAML = `apiVersion: batch.mcp/v1
kind: DataJob
metadata:
  name: data-cleaning
spec:
  cloud: CLOUD_A   # may be swapped for CLOUD_B, or left out for the router to choose
  image: data-processor:v1
  resources:
    cpu: 2
    memory: 4Gi
`;
