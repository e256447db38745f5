import type { Polycloud } from '@polycloud/core';

/** Objects and bytes stored in one binding of a bucket (polycloud's own `_polycloud/` objects excluded). */
export async function measureUsage(polycloud: Polycloud, bucket: string, binding: string): Promise<{ objects: number; bytes: number }> {
  const client = polycloud.bucket(bucket);
  const b = client.binding(binding);
  const adapter = client.adapter(binding);
  let objects = 0;
  let bytes = 0;
  let token: string | undefined;
  do {
    const page = await adapter.list(b.physical_id, { ...(token ? { continuationToken: token } : {}) });
    for (const o of page.objects) {
      if (o.key.startsWith('_polycloud/')) continue;
      objects++;
      bytes += o.size;
    }
    token = page.continuationToken;
  } while (token);
  polycloud.events.emit('usage', { resource: bucket, binding, bytes, objects });
  return { objects, bytes };
}
