/**
 * The S3 version token is the object's ETag without its surrounding quotes (and
 * without a weak `W/` prefix): `5d41402abc4b2a76b9719d911017c592`, or
 * `…-3` for a multipart object. Unquoted tokens compare equal whichever S3 call
 * (PutObject, HeadObject, ListObjectsV2, CopyObject) returned them, even on stores
 * that are inconsistent about quoting.
 */
export function versionTokenFromEtag(etag: string | undefined): string {
  if (!etag) return '';
  let t = etag.trim();
  if (t.startsWith('W/')) t = t.slice(2);
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) t = t.slice(1, -1);
  return t.replace(/^&quot;|&quot;$/g, '');
}

/** The `If-Match` header value for a token: quoted, as RFC 9110 and S3 expect. */
export function etagFromVersionToken(token: string): string {
  if (token === '*') return token;
  const t = token.trim();
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t : `"${t}"`;
}
