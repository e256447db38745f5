/**
 * Azure sends ETags quoted in headers (`"0x8D…"`) and unquoted in List Blobs XML.
 * polycloud's version token is always the quoted form; either form is accepted back.
 */
export function toVersionToken(etag: string | undefined): string {
  if (!etag) return '';
  return etag.startsWith('"') || etag.startsWith('W/"') ? etag : `"${etag}"`;
}

/** The If-Match value for a version token (quoted; `*` stays `*`). */
export function toIfMatch(token: string): string {
  return token === '*' ? token : toVersionToken(token);
}
