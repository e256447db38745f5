import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { AdapterBody } from '../adapter/storage-adapter.js';

/** sha256 as base64url (43 ASCII characters). */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url');
}

/** A body whose hash is known once it has been read to the end. */
export interface HashedBody {
  body: AdapterBody;
  /** The hash now (bytes), or once the stream has ended; `undefined` if it was not read to the end. */
  digest(): string | undefined;
}

/**
 * Hashes a body without buffering it: bytes are hashed at once, a stream is piped
 * through a pass-through Transform that updates the hash chunk by chunk.
 */
export function hashBody(body: AdapterBody): HashedBody {
  if (!(body instanceof Readable)) {
    const h = sha256(body);
    return { body, digest: () => h };
  }
  const hash: Hash = createHash('sha256');
  let result: string | undefined;
  const pass = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      result = hash.digest('base64url');
      cb();
    },
  });
  body.on('error', (e) => pass.destroy(e));
  body.pipe(pass);
  return { body: pass, digest: () => result };
}
