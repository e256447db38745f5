import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { basename, isAbsolute, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { isReservedKey, PolycloudError } from '@polycloud/core/spi';
import type { Polycloud } from '@polycloud/core';
import { type CommandContext, openPolycloud } from '../context.js';
import { bytes, table } from '../format.js';
import { type CliStream, EXIT, line } from '../io.js';

interface Target {
  bucket: string;
  key: string;
}

/** `<bucket>[/<key>]` (a leading `:` is allowed: `:lb-1/k`). The bucket must be a LogicalBucket of the config. */
function parseTarget(polycloud: Polycloud, ref: string, what: string): Target {
  const s = ref.startsWith(':') ? ref.slice(1) : ref;
  const at = s.indexOf('/');
  const bucket = at < 0 ? s : s.slice(0, at);
  const key = at < 0 ? '' : s.slice(at + 1);
  if (!polycloud.resources.some((r) => r.type === 'LogicalBucket' && r.resource_id === bucket)) {
    const known = polycloud.resources.filter((r) => r.type === 'LogicalBucket').map((r) => r.resource_id);
    throw new PolycloudError(
      'INVALID_ARGUMENT',
      `"${ref}": ${bucket ? `"${bucket}" is not a LogicalBucket of the config` : 'no bucket'} (buckets: ${known.join(', ') || 'none'})`,
      { context: { path: [what] } },
    );
  }
  return { bucket, key };
}

function needKey(t: Target, ref: string, what: string): Target {
  if (!t.key || t.key.endsWith('/'))
    throw new PolycloudError('INVALID_ARGUMENT', `"${ref}" names no object (expected <bucket>/<key>)`, { context: { path: [what] } });
  return t;
}

/**
 * Whether a `cp` argument is a bucket object: `:` forces it; `-`, an absolute path or
 * one starting with `./` or `../` is local; otherwise it is a bucket object when its
 * first segment is a LogicalBucket of the config (a local file of that name needs `./`).
 */
function isBucketRef(polycloud: Polycloud, ref: string): boolean {
  if (ref.startsWith(':')) return true;
  if (ref === '-' || isAbsolute(ref) || ref.startsWith('./') || ref.startsWith('../') || ref === '.' || ref === '..') return false;
  const first = ref.split('/')[0]!;
  return polycloud.resources.some((r) => r.type === 'LogicalBucket' && r.resource_id === first);
}

/** Writes a body to a stream, honouring backpressure when the stream has it. */
async function writeBody(out: CliStream, body: AsyncIterable<Buffer | string>): Promise<number> {
  let n = 0;
  for await (const chunk of body) {
    n += chunk.length;
    const ok = out.write(chunk as string);
    const emitter = out as unknown as NodeJS.EventEmitter;
    if (ok === false && typeof emitter.once === 'function') await once(emitter, 'drain');
  }
  return n;
}

const info = (o: { key: string; size: number; versionToken: string; lastModified: Date; contentType?: string; metadata?: Record<string, string> }) => ({
  key: o.key,
  size: o.size,
  versionToken: o.versionToken,
  lastModified: o.lastModified.toISOString(),
  ...(o.contentType ? { contentType: o.contentType } : {}),
  ...(o.metadata ? { metadata: o.metadata } : {}),
});

/** `polycloud ls <bucket>[/prefix] [-r]`: one level (prefixes end in `/`) or every key. */
export async function lsCommand(ctx: CommandContext, ref: string, opts: { recursive?: boolean; json?: boolean }): Promise<number> {
  const { polycloud } = await openPolycloud(ctx);
  try {
    const t = parseTarget(polycloud, ref, 'bucket');
    const client = polycloud.bucket(t.bucket);
    const objects: ReturnType<typeof info>[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    let binding = '';
    do {
      const page = await client.list({
        ...(t.key ? { prefix: t.key } : {}),
        ...(opts.recursive ? {} : { delimiter: '/' }),
        ...(token ? { continuationToken: token } : {}),
      });
      binding = page.binding;
      for (const o of page.objects) if (!isReservedKey(o.key)) objects.push(info(o));
      for (const p of page.prefixes) if (!isReservedKey(p)) prefixes.push(p);
      token = page.continuationToken;
    } while (token);
    if (opts.json) line(ctx.stdout, JSON.stringify({ ok: true, bucket: t.bucket, prefix: t.key, binding, prefixes, objects }, null, 2));
    else {
      for (const p of prefixes) line(ctx.stdout, `${'DIR'.padStart(12)}  ${' '.repeat(24)}  ${p}`);
      for (const o of objects) line(ctx.stdout, `${String(o.size).padStart(12)}  ${o.lastModified.padEnd(24)}  ${o.key}`);
      if (!ctx.quiet)
        line(
          ctx.stderr,
          `${objects.length} object(s), ${bytes(objects.reduce((n, o) => n + o.size, 0))}${prefixes.length ? `, ${prefixes.length} prefix(es)` : ''} (listed on ${binding})`,
        );
    }
    return EXIT.ok;
  } finally {
    await polycloud.close();
  }
}

/** `polycloud stat <bucket>/<key>`. */
export async function statCommand(ctx: CommandContext, ref: string, opts: { json?: boolean }): Promise<number> {
  const { polycloud } = await openPolycloud(ctx);
  try {
    const t = needKey(parseTarget(polycloud, ref, 'object'), ref, 'object');
    const h = await polycloud.bucket(t.bucket).head(t.key);
    const out = { ok: true, bucket: t.bucket, binding: h.binding, ...info(h) };
    if (opts.json) line(ctx.stdout, JSON.stringify(out, null, 2));
    else {
      line(
        ctx.stdout,
        table(
          ['field', 'value'],
          [
            ['key', `${t.bucket}/${out.key}`],
            ['size', `${out.size} (${bytes(out.size)})`],
            ['version', out.versionToken],
            ['modified', out.lastModified],
            ['content type', out.contentType ?? '-'],
            ['read from', out.binding],
            ...Object.entries(out.metadata ?? {}).map(([k, v]) => [`metadata ${k}`, v]),
          ],
        ),
      );
    }
    return EXIT.ok;
  } finally {
    await polycloud.close();
  }
}

/** `polycloud cat <bucket>/<key>`: the object's bytes on stdout. */
export async function catCommand(ctx: CommandContext, ref: string): Promise<number> {
  const { polycloud } = await openPolycloud(ctx);
  try {
    const t = needKey(parseTarget(polycloud, ref, 'object'), ref, 'object');
    const o = await polycloud.bucket(t.bucket).get(t.key, ctx.signal ? { signal: ctx.signal } : {});
    await writeBody(ctx.stdout, o.body as AsyncIterable<Buffer>);
    return EXIT.ok;
  } finally {
    await polycloud.close();
  }
}

/** `polycloud cp <source> <destination>`: local → bucket, bucket → local (or `-`), bucket → bucket. */
export async function cpCommand(ctx: CommandContext, source: string, destination: string, opts: { json?: boolean }): Promise<number> {
  const { polycloud } = await openPolycloud(ctx);
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  try {
    const fromBucket = isBucketRef(polycloud, source);
    const toBucket = destination !== '-' && isBucketRef(polycloud, destination);
    if (!fromBucket && !toBucket)
      throw new PolycloudError(
        'INVALID_ARGUMENT',
        `neither "${source}" nor "${destination}" names a bucket object (<bucket>/<key>); use cp for local ↔ bucket or bucket ↔ bucket copies`,
        { context: { path: ['source'] } },
      );
    const cwd = ctx.cwd ?? process.cwd();
    let result: { source: string; destination: string; bytes: number; binding?: string };
    if (!fromBucket) {
      // local file → bucket object
      const file = resolve(cwd, source);
      let size: number;
      try {
        const st = statSync(file);
        if (!st.isFile()) throw new PolycloudError('INVALID_ARGUMENT', `${source} is not a regular file`, { context: { path: ['source'] } });
        size = st.size;
      } catch (e) {
        if (e instanceof PolycloudError) throw e;
        throw new PolycloudError('NOT_FOUND', `cannot read ${source} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, {
          context: { path: ['source'] },
          cause: e,
        });
      }
      const d = parseTarget(polycloud, destination, 'destination');
      const key = !d.key || d.key.endsWith('/') ? `${d.key}${basename(file)}` : d.key;
      const put = await polycloud.bucket(d.bucket).put(key, createReadStream(file), { contentLength: size, ...signal });
      result = { source: file, destination: `${d.bucket}/${key}`, bytes: size, binding: put.binding };
    } else {
      const s = needKey(parseTarget(polycloud, source, 'source'), source, 'source');
      if (toBucket) {
        const d = parseTarget(polycloud, destination, 'destination');
        const key = !d.key || d.key.endsWith('/') ? `${d.key}${basename(s.key)}` : d.key;
        if (d.bucket === s.bucket) {
          const copied = await polycloud.bucket(s.bucket).copy(s.key, key, signal);
          const head = await polycloud.bucket(d.bucket).head(key);
          result = { source: `${s.bucket}/${s.key}`, destination: `${d.bucket}/${key}`, bytes: head.size, binding: copied.binding };
        } else {
          const o = await polycloud.bucket(s.bucket).get(s.key, signal);
          const put = await polycloud.bucket(d.bucket).put(key, o.body, {
            contentLength: o.size,
            ...(o.contentType ? { contentType: o.contentType } : {}),
            ...(o.metadata ? { metadata: o.metadata } : {}),
            ...signal,
          });
          result = { source: `${s.bucket}/${s.key}`, destination: `${d.bucket}/${key}`, bytes: o.size, binding: put.binding };
        }
      } else if (destination === '-') {
        const o = await polycloud.bucket(s.bucket).get(s.key, signal);
        const n = await writeBody(ctx.stdout, o.body as AsyncIterable<Buffer>);
        // stdout carries the bytes: the summary (text or JSON) goes to stderr.
        if (!ctx.quiet) line(ctx.stderr, `${s.bucket}/${s.key} → stdout: ${bytes(n)}`);
        return EXIT.ok;
      } else {
        const target = resolve(cwd, destination);
        const file = destination.endsWith('/') || isDirectory(target) ? resolve(target, basename(s.key)) : target;
        const o = await polycloud.bucket(s.bucket).get(s.key, signal);
        await pipeline(o.body as Readable, createWriteStream(file));
        result = { source: `${s.bucket}/${s.key}`, destination: file, bytes: o.size, binding: o.binding };
      }
    }
    if (opts.json) line(ctx.stdout, JSON.stringify({ ok: true, ...result }, null, 2));
    else if (!ctx.quiet) line(ctx.stdout, `${result.source} → ${result.destination}: ${bytes(result.bytes)}${result.binding ? ` (${result.binding})` : ''}`);
    return EXIT.ok;
  } finally {
    await polycloud.close();
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** `polycloud rm <bucket>/<key>...`. */
export async function rmCommand(ctx: CommandContext, refs: string[], opts: { json?: boolean }): Promise<number> {
  const { polycloud } = await openPolycloud(ctx);
  try {
    const targets = refs.map((r) => needKey(parseTarget(polycloud, r, 'object'), r, 'object'));
    const deleted: string[] = [];
    for (const t of targets) {
      await polycloud.bucket(t.bucket).delete(t.key, ctx.signal ? { signal: ctx.signal } : {});
      deleted.push(`${t.bucket}/${t.key}`);
      if (!opts.json && !ctx.quiet) line(ctx.stdout, `deleted ${t.bucket}/${t.key}`);
    }
    if (opts.json) line(ctx.stdout, JSON.stringify({ ok: true, deleted }, null, 2));
    return EXIT.ok;
  } finally {
    await polycloud.close();
  }
}
