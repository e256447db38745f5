import type { Polycloud } from '../polycloud.js';

export interface BindingUsage {
  resource: string;
  binding: string;
  objects: number;
  bytes: number;
}

/**
 * Lists every binding of a LogicalBucket (polycloud's own `_polycloud/` objects
 * excluded), emits a `usage` event per binding — feeding the `polycloud.storage.usage`
 * gauge that the quota alert compares with the `quota` tag — and returns the totals.
 * Listing costs one request per page: run it on a schedule (hourly), not per request.
 * `only` restricts it to some binding ids.
 */
export async function measureBucketUsage(
  polycloud: Polycloud,
  bucketId: string,
  options: { only?: readonly string[]; signal?: AbortSignal } = {},
): Promise<BindingUsage[]> {
  const client = polycloud.bucket(bucketId);
  const bindings = client.resource.providers.filter((b) => !options.only || options.only.includes(b.id));
  return Promise.all(
    bindings.map(async (b) => {
      const adapter = client.adapter(b.id);
      let objects = 0;
      let bytes = 0;
      let token: string | undefined;
      do {
        const page = await adapter.list(b.physical_id, {
          ...(token ? { continuationToken: token } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        for (const o of page.objects) {
          if (o.key.startsWith('_polycloud/')) continue;
          objects++;
          bytes += o.size;
        }
        token = page.continuationToken;
      } while (token);
      const usage = { resource: bucketId, binding: b.id, objects, bytes };
      polycloud.events.emit('usage', usage);
      return usage;
    }),
  );
}
