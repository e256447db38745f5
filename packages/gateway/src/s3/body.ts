import { createHash, createHmac, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { S3Error } from './errors.js';
import { chunkStringToSign, type ChunkChain, EMPTY_SHA256, sameSignature, sha256hex, trailerStringToSign } from './sigv4.js';

/*
 * Request-body verification, streamed: nothing is buffered beyond one aws-chunked chunk
 * (signed chunks must be verified before their bytes are passed on) and the last piece
 * of the body, which both transforms hold back until every check has passed — so a
 * store downstream never sees a complete body that fails its signature, its payload hash
 * or its checksum: it sees a stream error and stores nothing.
 */

/** Checksum algorithms of `x-amz-checksum-*`; crc32c and crc64nvme are accepted but not verified. */
const CHECKSUMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
type ChecksumName = (typeof CHECKSUMS)[number];

const crc32 = (zlib as unknown as { crc32?: (data: Buffer, value?: number) => number }).crc32;

class Checksum {
  #hash: Hash | undefined;
  #crc = 0;
  readonly verifiable: boolean;
  constructor(readonly name: ChecksumName) {
    if (name === 'sha1' || name === 'sha256') this.#hash = createHash(name);
    this.verifiable = this.#hash !== undefined || (name === 'crc32' && crc32 !== undefined);
  }
  update(data: Buffer): void {
    if (this.#hash) this.#hash.update(data);
    else if (this.name === 'crc32' && crc32) this.#crc = crc32(data, this.#crc);
  }
  base64(): string {
    if (this.#hash) return this.#hash.digest('base64');
    const b = Buffer.alloc(4);
    b.writeUInt32BE(this.#crc >>> 0);
    return b.toString('base64');
  }
}

/** The checksum algorithm named by a header like `x-amz-checksum-crc32`, if any. */
export function checksumName(header: string): ChecksumName | undefined {
  const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(header);
  return m && (CHECKSUMS as readonly string[]).includes(m[1]!) ? (m[1] as ChecksumName) : undefined;
}

export interface VerifyOptions {
  /** The signed payload hash (hex), when the request signed its body. */
  sha256?: string;
  /** `Content-MD5` (base64). */
  contentMd5?: string;
  /** An `x-amz-checksum-*` header: algorithm and expected base64 value. */
  checksum?: { name: string; value: string };
  /** The aws-chunked decoder upstream, whose trailing checksum is checked at the end. */
  trailersFrom?: ChunkedDecoder;
  /** Bytes allowed; more → EntityTooLarge. */
  maxBytes: number;
  /** The declared length; a different count → IncompleteBody. */
  expectedLength?: number;
}

/** Passes the body through, counting and hashing it; fails the stream on any mismatch. */
export class BodyVerifier extends Transform {
  readonly #options: VerifyOptions;
  readonly #md5 = createHash('md5');
  readonly #sha256: Hash | undefined;
  #checksum: Checksum | undefined;
  #held: Buffer | undefined;
  #bytes = 0;
  /** The S3 error the body failed with, if it did. */
  failure: S3Error | undefined;
  /** MD5 of the body (hex), once it has ended. */
  md5hex = '';

  constructor(options: VerifyOptions) {
    super({ highWaterMark: 1 << 20 });
    this.#options = options;
    if (options.sha256) this.#sha256 = createHash('sha256');
    if (options.checksum) {
      const name = checksumName(options.checksum.name);
      if (!name) throw new S3Error('InvalidRequest', `unknown checksum ${options.checksum.name}`);
      this.#checksum = new Checksum(name);
    }
  }

  get bytes(): number {
    return this.#bytes;
  }

  #fail(error: S3Error): S3Error {
    this.failure ??= error;
    return this.failure;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.#options.maxBytes) {
      cb(
        this.#fail(
          new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, { MaxSizeAllowed: String(this.#options.maxBytes) }),
        ),
      );
      return;
    }
    this.#md5.update(chunk);
    this.#sha256?.update(chunk);
    this.#checksum?.update(chunk);
    const held = this.#held;
    this.#held = chunk;
    if (held) this.push(held);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    const o = this.#options;
    const md5 = this.#md5.digest();
    this.md5hex = md5.toString('hex');
    if (o.expectedLength !== undefined && this.#bytes !== o.expectedLength) {
      cb(this.#fail(new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.')));
      return;
    }
    if (this.#sha256 && this.#sha256.digest('hex') !== o.sha256) {
      cb(this.#fail(new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.")));
      return;
    }
    if (o.contentMd5 !== undefined && md5.toString('base64') !== o.contentMd5) {
      cb(this.#fail(new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.')));
      return;
    }
    const checks: { sum: Checksum; value: string }[] = [];
    if (this.#checksum && o.checksum) checks.push({ sum: this.#checksum, value: o.checksum.value });
    const trailing = o.trailersFrom?.checksum;
    if (trailing) checks.push(trailing);
    for (const { sum, value } of checks) {
      if (sum.verifiable && sum.base64() !== value) {
        cb(this.#fail(new S3Error('BadDigest', `The ${sum.name.toUpperCase()} you specified did not match the calculated checksum.`)));
        return;
      }
    }
    if (this.#held) this.push(this.#held);
    cb();
  }
}

export interface ChunkedOptions {
  /** Set for signed chunks: every chunk's signature is verified against this chain. */
  chain?: ChunkChain;
  /** Whether trailing headers follow the last chunk (and, when signed, a trailer signature). */
  trailer: boolean;
  /** The trailer the request announced (`x-amz-trailer`), e.g. `x-amz-checksum-crc32`. */
  announcedTrailer?: string;
  /** Largest chunk accepted (signed chunks are held whole until verified). */
  maxChunkBytes: number;
}

/** Largest trailer (all its lines) of an aws-chunked body. */
const MAX_TRAILER_BYTES = 16 * 1024;

type State = 'header' | 'data' | 'data-crlf' | 'final-crlf' | 'trailer' | 'done';

/** Decodes an `aws-chunked` body, verifying chunk signatures, the trailer signature, and collecting the trailing checksum. */
export class ChunkedDecoder extends Transform {
  readonly #o: ChunkedOptions;
  #pending: Buffer = Buffer.alloc(0);
  #state: State = 'header';
  #remaining = 0;
  #signature = '';
  #previous: string;
  #parts: Buffer[] = [];
  #hash: Hash | undefined;
  #trailerLines: string[] = [];
  #trailerSignature: string | undefined;
  #trailerBytes = 0;
  #checksumSum: Checksum | undefined;
  /** The trailing checksum and its running computation, once the trailer has been read. */
  checksum: { sum: Checksum; value: string } | undefined;
  failure: S3Error | undefined;

  constructor(options: ChunkedOptions) {
    super({ highWaterMark: 1 << 20 });
    this.#o = options;
    this.#previous = options.chain?.seedSignature ?? '';
    if (options.announcedTrailer) {
      const name = checksumName(options.announcedTrailer.trim().toLowerCase());
      if (name) this.#checksumSum = new Checksum(name);
    }
  }

  #fail(error: S3Error): S3Error {
    this.failure ??= error;
    return this.failure;
  }

  #signatureMismatch(): S3Error {
    return this.#fail(new S3Error('SignatureDoesNotMatch', 'The chunk signature we calculated does not match the signature you provided.', 403));
  }

  #line(): string | undefined {
    const i = this.#pending.indexOf('\r\n');
    if (i < 0) {
      if (this.#pending.length > 8192) throw this.#fail(new S3Error('IncompleteBody', 'aws-chunked: a chunk header or trailer line is too long'));
      return undefined;
    }
    const line = this.#pending.subarray(0, i).toString('latin1');
    this.#pending = this.#pending.subarray(i + 2);
    return line;
  }

  #emit(data: Buffer): void {
    this.#checksumSum?.update(data);
    this.push(data);
  }

  #verifyChunk(data: Buffer): void {
    const chain = this.#o.chain;
    if (!chain) return;
    const hash = data.length === 0 ? EMPTY_SHA256 : this.#hash!.digest('hex');
    const expected = createHmac('sha256', chain.signingKey)
      .update(chunkStringToSign(chain, this.#previous, hash))
      .digest('hex');
    if (!sameSignature(expected, this.#signature)) throw this.#signatureMismatch();
    this.#previous = expected;
  }

  #run(): void {
    for (;;) {
      switch (this.#state) {
        case 'header': {
          const line = this.#line();
          if (line === undefined) return;
          const [sizeHex, ...ext] = line.split(';');
          if (!/^[0-9a-fA-F]{1,16}$/.test(sizeHex ?? '')) throw this.#fail(new S3Error('IncompleteBody', 'aws-chunked: a malformed chunk size'));
          const size = parseInt(sizeHex!, 16);
          if (size > this.#o.maxChunkBytes) throw this.#fail(new S3Error('EntityTooLarge', `aws-chunked: a chunk larger than ${this.#o.maxChunkBytes} bytes`));
          const sig = ext.find((e) => e.startsWith('chunk-signature='));
          if (this.#o.chain) {
            if (!sig) throw this.#signatureMismatch();
            this.#signature = sig.slice('chunk-signature='.length).toLowerCase();
            this.#hash = createHash('sha256');
          }
          if (size === 0) {
            this.#verifyChunk(Buffer.alloc(0));
            this.#state = this.#o.trailer ? 'trailer' : 'final-crlf';
          } else {
            this.#remaining = size;
            this.#state = 'data';
          }
          break;
        }
        case 'data': {
          if (this.#pending.length === 0) return;
          const take = Math.min(this.#remaining, this.#pending.length);
          const piece = this.#pending.subarray(0, take);
          this.#pending = this.#pending.subarray(take);
          this.#remaining -= take;
          if (this.#o.chain) {
            this.#hash!.update(piece);
            this.#parts.push(piece);
          } else this.#emit(piece);
          if (this.#remaining === 0) {
            if (this.#o.chain) {
              const data = Buffer.concat(this.#parts);
              this.#parts = [];
              this.#verifyChunk(data);
              this.#emit(data);
            }
            this.#state = 'data-crlf';
          }
          break;
        }
        case 'data-crlf':
        case 'final-crlf': {
          if (this.#pending.length < 2) return;
          if (this.#pending[0] !== 13 || this.#pending[1] !== 10) throw this.#fail(new S3Error('IncompleteBody', 'aws-chunked: expected CRLF after a chunk'));
          this.#pending = this.#pending.subarray(2);
          this.#state = this.#state === 'data-crlf' ? 'header' : 'done';
          break;
        }
        case 'trailer': {
          const line = this.#line();
          if (line === undefined) return;
          if (line === '') {
            this.#state = 'done';
            break;
          }
          this.#trailer(line);
          break;
        }
        case 'done':
          if (this.#pending.length > 0 && this.#pending.toString('latin1').trim() !== '')
            throw this.#fail(new S3Error('IncompleteBody', 'aws-chunked: data after the last chunk'));
          this.#pending = Buffer.alloc(0);
          return;
      }
    }
  }

  #trailer(line: string): void {
    // The trailer is kept until the body ends (its signature covers all of it): bounded, as S3 bounds headers.
    this.#trailerBytes += line.length + 2;
    if (this.#trailerBytes > MAX_TRAILER_BYTES) throw this.#fail(new S3Error('InvalidRequest', `aws-chunked: the trailer exceeds ${MAX_TRAILER_BYTES} bytes`));
    const i = line.indexOf(':');
    if (i < 0) throw this.#fail(new S3Error('IncompleteBody', 'aws-chunked: a malformed trailer'));
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (name === 'x-amz-trailer-signature') this.#trailerSignature = value.toLowerCase();
    else {
      this.#trailerLines.push(`${name}:${value}\n`);
      const sum = checksumName(name);
      if (sum) {
        if (!this.#checksumSum || this.#checksumSum.name !== sum)
          throw this.#fail(new S3Error('InvalidRequest', `the trailer ${name} was not announced in x-amz-trailer`));
        this.checksum = { sum: this.#checksumSum, value };
      }
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    try {
      this.#run();
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      // Some clients end the trailer without the final empty line.
      if (this.#state === 'trailer' && this.#pending.length > 0) {
        this.#trailer(this.#pending.toString('latin1').replace(/\r?\n?$/, ''));
        this.#pending = Buffer.alloc(0);
        this.#state = 'done';
      }
      if (this.#state === 'trailer' && this.#trailerLines.length > 0) this.#state = 'done';
      if (this.#state !== 'done') throw this.#fail(new S3Error('IncompleteBody', 'The request body ended before the last aws-chunked chunk.'));
      if (this.#o.chain && this.#o.trailer) {
        if (this.#trailerSignature === undefined) throw this.#signatureMismatch();
        const hash = sha256hex(this.#trailerLines.join(''));
        const expected = createHmac('sha256', this.#o.chain.signingKey)
          .update(trailerStringToSign(this.#o.chain, this.#previous, hash))
          .digest('hex');
        if (!sameSignature(expected, this.#trailerSignature)) throw this.#signatureMismatch();
      }
      if (this.#checksumSum && !this.checksum) throw this.#fail(new S3Error('IncompleteBody', `the announced trailer ${this.#checksumSum.name} is missing`));
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}
