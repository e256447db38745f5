import { Readable } from 'node:stream';
import { type GetOptions, type PutOptions, type PutResult, readAll } from '@polycloud/core/spi';
import { ok } from '../assert.js';
import type { StorageCaseContext } from '../storage-types.js';

export const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

/** Every byte value 0…255 twice: catches text-mode and encoding mistakes. */
export const BINARY = new Uint8Array(512).map((_, i) => i % 256);

export function putBytes(ctx: StorageCaseContext, key: string, data: Uint8Array | string, options?: PutOptions): Promise<PutResult> {
  return ctx.adapter.put(ctx.bucket, key, typeof data === 'string' ? utf8(data) : data, options);
}

/** Gets an object and reads its body, checking the body is a Node Readable. */
export async function getBytes(ctx: StorageCaseContext, key: string, options?: GetOptions): Promise<Buffer> {
  const { body } = await ctx.adapter.get(ctx.bucket, key, options);
  ok(body instanceof Readable, 'get() must return the body as a Node Readable');
  return readAll(body);
}

/** Every key and prefix of a listing, following continuation tokens. */
export async function listAll(ctx: StorageCaseContext, options: { prefix?: string; delimiter?: string; pageSize?: number } = {}) {
  const keys: string[] = [];
  const prefixes: string[] = [];
  let pages = 0;
  let token: string | undefined;
  do {
    const page = await ctx.adapter.list(ctx.bucket, { ...options, ...(token === undefined ? {} : { continuationToken: token }) });
    pages++;
    ok(pages <= 1000, 'list() keeps returning continuation tokens (more than 1000 pages)');
    if (options.pageSize !== undefined)
      ok(page.objects.length + page.prefixes.length <= options.pageSize, `a page holds more than pageSize=${options.pageSize} entries`);
    keys.push(...page.objects.map((o) => o.key));
    prefixes.push(...page.prefixes);
    token = page.continuationToken;
  } while (token);
  return { keys, prefixes, pages };
}

/** A Readable emitting `data` in `parts` chunks (a body of unknown length to the adapter). */
export function chunkedStream(data: Uint8Array, parts: number): Readable {
  const size = Math.ceil(data.byteLength / parts);
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.byteLength; i += size) chunks.push(Buffer.from(data.subarray(i, i + size)));
  return Readable.from(chunks);
}

/** Sorts by UTF-8 bytes, the order listings must follow. */
export const byteOrder = (keys: string[]): string[] => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
