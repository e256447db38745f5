import { z } from 'zod';

const arn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN (arn:aws:iam::<account>:role/<name>)');

interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Settings a binding may give in its `options` (they override the adapter's). */
/**
 * The part of `BatchClient` (`@aws-sdk/client-batch`) the adapter uses, as a structural
 * type, so that the adapter's types never need the compute SDK installed (it is an
 * optional peer dependency). A real BatchClient, or an aws-sdk-client-mock, fits.
 */
export interface AwsBatchClientLike {
  send(command: object, options?: object): Promise<unknown>;
  destroy(): void;
}

export const AwsBatchTargetOptionsSchema = z.strictObject({
  /** `EC2` (default) or `FARGATE`: must match the job queue's compute environment. */
  platform: z.enum(['EC2', 'FARGATE']).optional(),
  /** Role the job's containers assume (their AWS permissions). */
  jobRoleArn: arn.optional(),
  /** Role ECS uses to pull the image and write logs; required on Fargate. */
  executionRoleArn: arn.optional(),
  /** Fargate only: give the task a public IP (needed in public subnets without a NAT gateway to pull images). */
  assignPublicIp: z.enum(['ENABLED', 'DISABLED']).optional(),
});
export type AwsBatchTargetOptions = z.output<typeof AwsBatchTargetOptionsSchema>;

/**
 * Options of the AWS Batch compute adapter (camelCase). A binding's `physical_id`
 * is the job queue (name or ARN); its `options` may override platform and roles.
 */
export const AwsBatchAdapterOptionsSchema = z
  .strictObject({
    region: z.string().min(1).max(64).default('us-east-1'),
    /** A non-AWS endpoint (tests, VPC endpoints). */
    endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    accessKey: z.string().min(1).optional(),
    secretKey: z.string().min(1).optional(),
    sessionToken: z.string().min(1).optional(),
    credentials: z
      .custom<AwsCredentials | (() => Promise<AwsCredentials>)>(
        (v) => typeof v === 'function' || (typeof v === 'object' && v !== null && typeof (v as AwsCredentials).accessKeyId === 'string'),
        'expected a credentials provider function or {accessKeyId, secretAccessKey}',
      )
      .optional(),
    /** SDK attempts per call. 1 = no SDK retries: core retries and fails over. */
    maxAttempts: z.number().int().min(1).max(10).default(1),
    ...AwsBatchTargetOptionsSchema.shape,
    platform: z.enum(['EC2', 'FARGATE']).default('EC2'),
    /** Prefix of the job definitions the adapter registers. */
    jobDefinitionPrefix: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/, 'letters, digits, _ and - (max 40)')
      .default('polycloud'),
    /** CloudWatch log group the jobs log to (Batch's default), for `logLocation`. */
    logGroup: z.string().min(1).max(512).default('/aws/batch/job'),
    /** Largest job the compute environments take (EC2; Fargate's limits are fixed). */
    maxCpu: z.number().positive().optional(),
    maxMemoryMiB: z.number().int().positive().optional(),
    /** A ready BatchClient (tests inject one mocked with aws-sdk-client-mock). */
    client: z
      .custom<AwsBatchClientLike>((v) => typeof v === 'object' && v !== null && typeof (v as { send?: unknown }).send === 'function', 'expected a BatchClient')
      .optional(),
  })
  .superRefine((o, ctx) => {
    if ((o.accessKey === undefined) !== (o.secretKey === undefined)) {
      ctx.addIssue({ code: 'custom', path: [o.accessKey === undefined ? 'accessKey' : 'secretKey'], message: 'accessKey and secretKey go together' });
    }
    if (o.credentials !== undefined && o.accessKey !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['credentials'], message: 'give either credentials or accessKey/secretKey, not both' });
    }
  });

export type AwsBatchAdapterOptions = z.input<typeof AwsBatchAdapterOptionsSchema>;
export type ResolvedAwsBatchAdapterOptions = z.output<typeof AwsBatchAdapterOptionsSchema>;
