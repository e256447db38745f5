import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3Error } from './errors.js';

/*
 * Multipart uploads staged on the gateway's disk. Each upload is a directory
 * `<stagingDir>/<uploadId>/` holding `upload.json` (bucket, key, content type,
 * metadata, initiator) and one `part-NNNNN` file per part with its `part-NNNNN.json`
 * (MD5, size). Parts are streamed to a temporary file and renamed into place, so a
 * part is either wholly there or not; the state is on disk, so an upload survives a
 * restart of the gateway. Complete streams the parts, in order, as one body.
 */

export interface UploadState {
  uploadId: string;
  bucket: string;
  key: string;
  contentType?: string;
  metadata: Record<string, string>;
  tags?: Record<string, string>;
  initiator: string;
  initiated: string;
}

export interface PartInfo {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: string;
}

/** S3's smallest part, except the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const partFile = (n: number) => `part-${String(n).padStart(5, '0')}`;

export class MultipartStore {
  constructor(readonly dir: string) {}

  #uploadDir(uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw noSuchUpload();
    return join(this.dir, uploadId);
  }

  async create(state: Omit<UploadState, 'uploadId' | 'initiated'>): Promise<UploadState> {
    const uploadId = randomBytes(16).toString('hex');
    const full: UploadState = { ...state, uploadId, initiated: new Date().toISOString() };
    const dir = join(this.dir, uploadId);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'upload.json.tmp'), JSON.stringify(full));
    await rename(join(dir, 'upload.json.tmp'), join(dir, 'upload.json'));
    return full;
  }

  /** The upload, checked to belong to `bucket`/`key`; NoSuchUpload otherwise. */
  async get(uploadId: string, bucket: string, key: string): Promise<UploadState> {
    let state: UploadState;
    try {
      state = JSON.parse(await readFile(join(this.#uploadDir(uploadId), 'upload.json'), 'utf8')) as UploadState;
    } catch (e) {
      if (e instanceof S3Error) throw e;
      throw noSuchUpload();
    }
    if (state.bucket !== bucket || state.key !== key) throw noSuchUpload();
    return state;
  }

  /** Streams `body` into part `partNumber` (replacing an earlier one); resolves with its MD5 (hex) and size. */
  async putPart(uploadId: string, partNumber: number, body: Readable & { md5hex?: string }): Promise<PartInfo> {
    const dir = this.#uploadDir(uploadId);
    const tmp = join(dir, `${partFile(partNumber)}.${randomBytes(4).toString('hex')}.tmp`);
    const md5 = createHash('md5');
    let size = 0;
    try {
      await pipeline(
        body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            md5.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    const info: PartInfo = { partNumber, etag: md5.digest('hex'), size, lastModified: new Date().toISOString() };
    try {
      await writeFile(join(dir, `${partFile(partNumber)}.json`), JSON.stringify(info));
      await rename(tmp, join(dir, partFile(partNumber)));
    } catch {
      await rm(tmp, { force: true });
      // The upload was aborted (its directory removed) while the part was arriving.
      throw noSuchUpload();
    }
    return info;
  }

  async parts(uploadId: string): Promise<PartInfo[]> {
    const dir = this.#uploadDir(uploadId);
    const names = (await readdir(dir)).filter((n) => /^part-\d{5}\.json$/.test(n)).sort();
    const out: PartInfo[] = [];
    for (const n of names) {
      try {
        const info = JSON.parse(await readFile(join(dir, n), 'utf8')) as PartInfo;
        await stat(join(dir, partFile(info.partNumber)));
        out.push(info);
      } catch {
        // a part being replaced; not listed
      }
    }
    return out;
  }

  /** Every upload in the store (for ListMultipartUploads). */
  async uploads(): Promise<UploadState[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: UploadState[] = [];
    for (const n of names.filter((x) => UPLOAD_ID.test(x))) {
      try {
        out.push(JSON.parse(await readFile(join(this.dir, n, 'upload.json'), 'utf8')) as UploadState);
      } catch {
        // being created or removed
      }
    }
    return out;
  }

  /** A fresh stream of the chosen parts, in order (a retry reads them again). */
  body(uploadId: string, parts: PartInfo[]): Readable {
    const dir = this.#uploadDir(uploadId);
    return Readable.from(
      (async function* () {
        for (const p of parts) {
          for await (const chunk of createReadStream(join(dir, partFile(p.partNumber)), { highWaterMark: 1 << 20 })) yield chunk as Buffer;
        }
      })(),
      { objectMode: false, highWaterMark: 1 << 20 },
    );
  }

  /**
   * Removes the uploads created before `cutoff` (ms since the epoch), parts and all, except
   * those `keep` names (being completed); a directory without its upload.json (a create
   * that failed half-way) goes once it is that old too. Resolves with the ids removed.
   */
  async expire(cutoff: number, keep: (uploadId: string) => boolean): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const removed: string[] = [];
    for (const id of names.filter((x) => UPLOAD_ID.test(x) && !keep(x))) {
      const dir = join(this.dir, id);
      let created: number;
      try {
        created = Date.parse((JSON.parse(await readFile(join(dir, 'upload.json'), 'utf8')) as UploadState).initiated);
      } catch {
        created = await stat(dir).then(
          (st) => st.mtimeMs,
          () => Infinity,
        );
      }
      if (!(created < cutoff) || keep(id)) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(id);
    }
    return removed;
  }

  async remove(uploadId: string): Promise<void> {
    await rm(this.#uploadDir(uploadId), { recursive: true, force: true });
  }
}

export function noSuchUpload(): S3Error {
  return new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
}

/** The S3 ETag of a multipart object: MD5 of the parts' binary MD5s, `-N`. */
export function multipartEtag(parts: PartInfo[]): string {
  const h = createHash('md5');
  for (const p of parts) h.update(Buffer.from(p.etag, 'hex'));
  return `${h.digest('hex')}-${parts.length}`;
}
