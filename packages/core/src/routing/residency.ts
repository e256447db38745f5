import type { Binding } from '../urm/binding.js';

/**
 * Residency zones: zone name → regions in it. A region ending in `*` is a prefix
 * (`eu-*`, `europe-*`). A residency value that names no zone is read as a region.
 */
export type ResidencyZones = Record<string, string[]>;

export type ComplianceVerdict = { ok: true } | { ok: false; reason: 'residency' | 'classification'; detail: string };

function list(value: string | undefined): string[] {
  return value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

/** Whether `region` matches a zone pattern (`*` at the end is a prefix match). */
export function regionMatches(region: string, pattern: string): boolean {
  return pattern.endsWith('*') ? region.startsWith(pattern.slice(0, -1)) : region === pattern;
}

/** The regions a `residency` tag value allows, or `undefined` when unrestricted. */
export function allowedRegions(residency: string | undefined, zones: ResidencyZones): string[] | undefined {
  if (!residency) return undefined; // the common case, without building a list
  const names = list(residency);
  if (names.length === 0) return undefined;
  return names.flatMap((n) => zones[n] ?? [n]);
}

/**
 * Whether data carrying `tags` may live on `binding`. A hard filter, never relaxed:
 * - `residency: eu[,ch]` → the binding's region must be in one of those zones (a
 *   binding with no region never qualifies);
 * - `classification: pii` → the binding's `classifications` tag must list it (or `*`).
 */
export function complianceVerdict(binding: Binding, tags: Record<string, string | undefined>, zones: ResidencyZones): ComplianceVerdict {
  const regions = allowedRegions(tags['residency'], zones);
  if (regions) {
    const region = binding.region;
    if (!region || !regions.some((p) => regionMatches(region, p))) {
      return {
        ok: false,
        reason: 'residency',
        detail: `region ${region ?? '(none)'} is outside residency "${tags['residency']}"`,
      };
    }
  }
  const classification = tags['classification'];
  if (classification) {
    const accepted = list(binding.tags['classifications']);
    if (!accepted.includes('*') && !accepted.includes(classification)) {
      return { ok: false, reason: 'classification', detail: `binding does not accept classification "${classification}"` };
    }
  }
  return COMPLIANT;
}

/** One shared verdict for the common case (routing asks for it on every call). */
const COMPLIANT: ComplianceVerdict = Object.freeze({ ok: true });
