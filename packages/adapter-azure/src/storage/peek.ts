import { Readable } from 'node:stream';

/**
 * Reads a stream until it ends or passes `limit` bytes. A short stream comes back
 * whole (one Put Blob instead of Put Block + Put Block List); a longer one comes
 * back as an equivalent stream (the chunks read so far, then the rest), with a
 * byte counter. At most `limit` bytes are held here.
 */
export async function peek(source: Readable, limit: number, signal?: AbortSignal): Promise<{ whole: Buffer } | { stream: Readable; bytes: () => number }> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let held = 0;
  for (;;) {
    const r = await it.next();
    signal?.throwIfAborted();
    if (r.done) return { whole: head.length === 1 ? head[0]! : Buffer.concat(head, held) };
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    head.push(chunk);
    held += chunk.length;
    if (held > limit) break;
  }
  let count = 0;
  async function* rest(): AsyncGenerator<Buffer> {
    while (head.length) {
      const chunk = head.shift()!;
      count += chunk.length;
      yield chunk;
    }
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      count += chunk.length;
      yield chunk;
    }
  }
  return { stream: Readable.from(rest(), { objectMode: false }), bytes: () => count };
}
