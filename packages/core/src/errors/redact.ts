/**
 * Removes secrets from a string before it is put into an error, log line, event or
 * explain output: signed query parameters (SigV4, GCS V4, Azure SAS), authorization
 * headers, account keys in connection strings, and any literal value registered as a
 * secret (for example the values of `${VAR}`s interpolated into a config).
 */
const SECRET_QUERY_PARAMS =
  /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|X-Goog-Signature|X-Goog-Credential|sig|Signature|GoogleAccessId|AWSAccessKeyId|token|access_token|code|upload_id|uploadId|X-Goog-Upload-Id)=)[^&#\s"']+/gi;
const CONNECTION_STRING_SECRETS = /((?:AccountKey|SharedAccessSignature|SharedAccessKey)=)[^;"'\s]+/gi;
const AUTH_HEADER =
  /((?:authorization|x-amz-security-token|x-ms-copy-source-authorization)["']?\s*[:=]\s*["']?)(?:Bearer\s+|AWS4-HMAC-SHA256\s+|SharedKey\s+)?[^"'\n,}]+/gi;
const KEY_VALUE_SECRETS =
  /((?:secret_?access_?key|secretAccessKey|access_?key|accessKeyId|account_?key|accountKey|private_?key|privateKey|password|sas_?token|sasToken|client_?secret|clientSecret|credentials?)["']?\s*[:=]\s*["']?)[^"',}&;\s]+/gi;

/** Credentials recognisable by shape wherever they appear (headers dumped by util.inspect, SDK request objects). */
const TOKEN_SHAPES: [RegExp, string][] = [
  [/\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/g, '$1[REDACTED]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '[REDACTED]'],
  [/\b(SharedKey(?:Lite)?\s+[^:\s'"]+:)[A-Za-z0-9+/=]+/g, '$1[REDACTED]'],
  [/\b(Signature=)[0-9a-fA-F]{16,}/g, '$1[REDACTED]'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[REDACTED PRIVATE KEY]'],
];

const registered = new Set<string>();

/** Registers literal secret values (min. 4 chars) to be replaced wherever they appear. */
export function registerSecrets(values: Iterable<string | undefined>): void {
  for (const v of values) if (typeof v === 'string' && v.length >= 4) registered.add(v);
}

export const REDACTED = '[REDACTED]';

/** Every pattern above needs one of these in the text: most messages (a key not found) have none. */
const MAY_HOLD_SECRET = /[=:]|Bearer|eyJ|-----BEGIN/;

export function redact(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return redactRegistered(text);
  let out = text
    .replace(SECRET_QUERY_PARAMS, `$1${REDACTED}`)
    .replace(CONNECTION_STRING_SECRETS, `$1${REDACTED}`)
    .replace(AUTH_HEADER, `$1${REDACTED}`)
    .replace(KEY_VALUE_SECRETS, `$1${REDACTED}`);
  for (const [pattern, replacement] of TOKEN_SHAPES) out = out.replace(pattern, replacement);
  return redactRegistered(out);
}

function redactRegistered(text: string): string {
  let out = text;
  for (const secret of registered) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}
