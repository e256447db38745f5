import { measureBucketUsage, type Polycloud } from '@polycloud/core';

/** Objects and bytes stored in one binding of a bucket (emits a `usage` event). */
export async function measureUsage(polycloud: Polycloud, bucket: string, binding: string): Promise<{ objects: number; bytes: number }> {
  const [usage] = await measureBucketUsage(polycloud, bucket, { only: [binding] });
  return { objects: usage?.objects ?? 0, bytes: usage?.bytes ?? 0 };
}
