import {
  BatchClient,
  ClientException,
  DescribeJobDefinitionsCommand,
  DescribeJobQueuesCommand,
  DescribeJobsCommand,
  type DescribeJobsRequest,
  type DescribeJobQueuesRequest,
  type ListJobsRequest,
  type KeyValuesPair,
  type JobDefinition,
  type JobDetail,
  ListJobsCommand,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';

/** A stateful AWS Batch behind aws-sdk-client-mock: jobs, definitions and queues behave as the API documents. */
export function createBatchMock(queues: string[] = ['queue-a']) {
  const client = new BatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  const mock = mockClient(client);
  const jobs = new Map<string, JobDetail>();
  const definitions: JobDefinition[] = [];
  let seq = 0;
  /** Runs inside SubmitJob before the job is recorded (to stage races). */
  const hooks: { beforeSubmit?: (input: { jobName?: string; jobQueue?: string; jobDefinition?: string }) => void; beforeList?: () => void } = {};
  const clientError = (message: string) => new ClientException({ message, $metadata: { httpStatusCode: 400 } });

  mock.on(DescribeJobDefinitionsCommand).callsFake((input) => ({
    jobDefinitions: definitions.filter((d) => d.jobDefinitionName === input.jobDefinitionName && (!input.status || d.status === input.status)),
  }));
  mock.on(RegisterJobDefinitionCommand).callsFake((input) => {
    const revision = definitions.filter((d) => d.jobDefinitionName === input.jobDefinitionName).length + 1;
    const arn = `arn:aws:batch:us-east-1:123456789012:job-definition/${input.jobDefinitionName}:${revision}`;
    definitions.push({
      jobDefinitionName: input.jobDefinitionName,
      jobDefinitionArn: arn,
      revision,
      status: 'ACTIVE',
      type: input.type,
      containerProperties: input.containerProperties,
    });
    return { jobDefinitionName: input.jobDefinitionName, jobDefinitionArn: arn, revision };
  });
  mock.on(SubmitJobCommand).callsFake((input) => {
    hooks.beforeSubmit?.(input);
    if (!queues.includes(input.jobQueue!)) throw clientError(`JobQueue ${input.jobQueue} not found.`);
    if (!definitions.some((d) => d.jobDefinitionArn === input.jobDefinition)) throw clientError(`Job definition ${input.jobDefinition} does not exist`);
    const jobId = `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
    jobs.set(jobId, {
      jobId,
      jobName: input.jobName,
      jobQueue: input.jobQueue,
      jobDefinition: input.jobDefinition,
      status: 'SUBMITTED',
      createdAt: Date.now(),
      startedAt: undefined,
      container: { command: input.containerOverrides?.command, environment: input.containerOverrides?.environment },
      tags: input.tags,
    });
    return { jobId, jobName: input.jobName, jobArn: `arn:aws:batch:us-east-1:123456789012:job/${jobId}` };
  });
  mock.on(ListJobsCommand).callsFake((input: ListJobsRequest) => {
    hooks.beforeList?.();
    const name = input.filters?.find((f: KeyValuesPair) => f.name === 'JOB_NAME')?.values?.[0];
    const list = [...jobs.values()].filter((j) => j.jobQueue === input.jobQueue && (name === undefined || j.jobName === name));
    return { jobSummaryList: list.map((j) => ({ jobId: j.jobId, jobName: j.jobName, status: j.status, createdAt: j.createdAt })) };
  });
  mock
    .on(DescribeJobsCommand)
    .callsFake((input: DescribeJobsRequest) => ({ jobs: (input.jobs ?? []).map((id: string) => jobs.get(id)).filter((j): j is JobDetail => j !== undefined) }));
  mock.on(TerminateJobCommand).callsFake((input) => {
    const j = jobs.get(input.jobId!);
    if (!j) throw clientError(`Job ${input.jobId} not found`);
    if (j.status !== 'SUCCEEDED' && j.status !== 'FAILED')
      Object.assign(j, { status: 'FAILED', statusReason: input.reason, isTerminated: true, stoppedAt: Date.now() });
    return {};
  });
  mock.on(DescribeJobQueuesCommand).callsFake((input: DescribeJobQueuesRequest) => ({
    jobQueues: (input.jobQueues ?? [])
      .filter((q: string) => queues.includes(q))
      .map((q: string) => ({ jobQueueName: q, jobQueueArn: `arn:${q}`, state: 'ENABLED', status: 'VALID', priority: 1, computeEnvironmentOrder: [] })),
  }));

  return {
    client,
    mock,
    jobs,
    definitions,
    hooks,
    setStatus(jobId: string, status: JobDetail['status']) {
      Object.assign(jobs.get(jobId)!, { status, ...(status === 'RUNNING' ? { startedAt: Date.now() } : {}) });
    },
    /** Drives a job to completion, as Batch reports it. */
    complete(jobId: string, exitCode: number) {
      Object.assign(jobs.get(jobId)!, {
        status: exitCode === 0 ? 'SUCCEEDED' : 'FAILED',
        statusReason: exitCode === 0 ? 'Essential container in task exited' : 'Essential container in task exited',
        stoppedAt: Date.now(),
        container: { ...jobs.get(jobId)!.container, exitCode, logStreamName: `polycloud/default/${jobId.slice(-12)}` },
      });
    },
    calls: <T = unknown>(command: abstract new (...args: never[]) => unknown) =>
      mock.commandCalls(command as never).map((c) => (c.args[0] as { input: T }).input),
  };
}
