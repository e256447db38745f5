import type { ErrorIssue } from '../errors/polycloud-error.js';
import type { UrmDocument } from '../urm/resources.js';
import { regionMatches, type ResidencyZones } from './residency.js';

type Path = (string | number)[];

/** Every name in a `residency` tag must be a zone, or a region (pattern) some binding of the resource is in. */
export function checkResidencyTag(value: string | undefined, regions: string[], zones: ResidencyZones, at: Path, issues: ErrorIssue[]): void {
  if (value === undefined) return;
  for (const name of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (Object.hasOwn(zones, name)) continue;
    if (regions.some((r) => regionMatches(r, name))) continue;
    const known = Object.keys(zones);
    issues.push({
      path: at,
      message: `residency "${name}" names no residency zone (${known.length ? `zones: ${known.join(', ')}` : 'none defined under residency:'}) and no region of this resource's bindings`,
    });
  }
}

/**
 * The residency tag of each resource, as `createPolycloud` receives them: a tag naming
 * neither a zone nor a region of the resource's bindings would otherwise match no
 * binding at route time, or none of the ones meant (the config loader checks the same).
 */
export function checkResourceResidency(resources: UrmDocument[], zones: ResidencyZones | undefined, issues: ErrorIssue[]): void {
  resources.forEach((doc, i) => {
    const regions = doc.providers.map((b) => b.region).filter((r): r is string => r !== undefined);
    checkResidencyTag(doc.tags['residency'], regions, zones ?? {}, ['resources', i, 'tags', 'residency'], issues);
  });
}
