import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { type S3Context, signalled } from './context.js';

/**
 * CreateBucket; an existing bucket is success. `BucketAlreadyOwnedByYou` is success
 * outright; `BucketAlreadyExists` (another account's name on AWS, or any existing
 * bucket on some emulators) is success only if HeadBucket then shows we can use it.
 */
export async function ensureBucket(ctx: S3Context, bucket: string): Promise<void> {
  try {
    await ctx.client.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 takes no location constraint; every other AWS region needs one.
        ...(ctx.options.endpoint === undefined && ctx.options.region !== 'us-east-1'
          ? { CreateBucketConfiguration: { LocationConstraint: ctx.options.region as never } }
          : {}),
      }),
    );
  } catch (error) {
    const mapped = ctx.fail(error, 'ensureBucket', bucket);
    if (mapped.context['providerCode'] === 'BucketAlreadyOwnedByYou') return;
    if (mapped.code === 'ALREADY_EXISTS') {
      await probeBucket(ctx, bucket);
      return;
    }
    throw mapped;
  }
}

/** HeadBucket: a cheap liveness and access check. */
export async function probeBucket(ctx: S3Context, bucket: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  try {
    await ctx.client.send(signalled(new HeadBucketCommand({ Bucket: bucket }), options.signal));
  } catch (error) {
    throw ctx.fail(error, 'probe', bucket);
  }
}
