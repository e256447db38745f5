import { readAll } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';

/** Every data object of a physical bucket (the engine's `_polycloud/` objects left out): key → body as text. */
export async function bodies(adapter: StorageAdapter, bucket: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await adapter.list(bucket, token ? { continuationToken: token } : {});
    for (const o of page.objects) {
      if (o.key.startsWith('_polycloud/')) continue;
      out.set(o.key, (await readAll((await adapter.get(bucket, o.key)).body)).toString());
    }
    token = page.continuationToken;
  } while (token);
  return out;
}
