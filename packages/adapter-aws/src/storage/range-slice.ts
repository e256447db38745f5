import { Transform } from 'node:stream';

/**
 * HTTP lets a server ignore `Range` and answer 200 with the whole body (some
 * S3-compatible stores do, e.g. s3rver for `bytes=0-0`). When that happens, this
 * transform passes through only bytes `start`…`end` (inclusive) of the stream.
 */
export function sliceStream(start: number, end: number | undefined): Transform {
  let offset = 0;
  const stopAt = end === undefined ? Infinity : end + 1;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const from = Math.max(start - offset, 0);
      const to = Math.min(stopAt - offset, chunk.length);
      offset += chunk.length;
      if (to > from) this.push(chunk.subarray(from, to));
      callback();
    },
  });
}
