/** Keys whose values are maps of the user's own names: their keys are never renamed. */
const DATA_KEYS = new Set(['tags', 'labels', 'metadata', 'headers', 'env', 'environment']);

/** `access_key` → `accessKey`, `force_path_style` → `forcePathStyle`; camelCase keys pass through. */
export function camelCase(key: string): string {
  return /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/.test(key) ? key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) : key;
}

/** Option names that hold credentials: their values are registered as secrets and never echoed. */
export const SECRET_OPTION = /(secret|password|passphrase|token|credential|private|sas|signature|connection_?string|account_?key|access_?key|api_?key|^key$)/i;

export interface RenamedOptions {
  options: Record<string, unknown>;
  /** camelCase key → the key as written in the file (to report paths in the user's terms). */
  original: Map<string, string>;
  /** Keys written twice (`access_key` and `accessKey`). */
  clashes: string[];
}

/** Renames keys to camelCase at every depth, except inside user-named maps. */
export function renameDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(renameDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [camelCase(k), DATA_KEYS.has(k) ? v : renameDeep(v)]));
  }
  return value;
}

/**
 * Maps a provider's snake_case option keys to the camelCase names adapter option
 * schemas use, generically (nested objects too, except user-named maps such as
 * `tags` or `metadata`).
 */
export function renameOptionKeys(options: Record<string, unknown>): RenamedOptions {
  const out: Record<string, unknown> = {};
  const original = new Map<string, string>();
  const clashes: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    const name = camelCase(key);
    if (original.has(name)) clashes.push(key);
    original.set(name, key);
    out[name] = DATA_KEYS.has(key) ? value : renameDeep(value);
  }
  return { options: out, original, clashes };
}

/** Every string value under a secret-named key, at any depth. */
export function secretValues(value: unknown, underSecret = false): string[] {
  if (typeof value === 'string') return underSecret ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => secretValues(v, underSecret));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => secretValues(v, underSecret || SECRET_OPTION.test(k)));
  }
  return [];
}
