import { type DataJob, parseDataJob } from '../compute/spec.js';
import type { ErrorIssue } from '../errors/polycloud-error.js';
import { isPolycloudError } from '../errors/polycloud-error.js';
import type { ResidencyZones } from '../routing/residency.js';
import type { UrmDocument } from '../urm/resources.js';
import { checkJobInput } from './job-input.js';
import { didYouMean } from './suggest.js';
import { checkResidencyTag } from './resources.js';

type Path = (string | number)[];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates the `jobs` section (a list of DataJobs, or a map name → DataJob whose
 * `metadata.name` defaults to the key) with core's DataJob parser; checks unique
 * names, that `spec.cloud` names a binding of some LogicalCluster, and residency tags.
 */
export function checkJobs(
  section: unknown[] | Record<string, unknown> | undefined,
  resources: UrmDocument[],
  zones: ResidencyZones,
  issues: ErrorIssue[],
): Record<string, DataJob> {
  const jobs: Record<string, DataJob> = {};
  if (section === undefined) return jobs;
  const entries: [Path, unknown][] = Array.isArray(section)
    ? section.map((j, i) => [['jobs', i], j])
    : Object.entries(section).map(([name, j]) => {
        if (typeof j === 'object' && j !== null && !Array.isArray(j)) {
          const m = (j as { metadata?: unknown }).metadata;
          if (m === undefined) return [['jobs', name], { ...j, metadata: { name } }];
          if (typeof m === 'object' && m !== null && (m as { name?: unknown }).name === undefined) return [['jobs', name], { ...j, metadata: { ...m, name } }];
          if (typeof m === 'object' && m !== null && (m as { name?: unknown }).name !== name) {
            issues.push({ path: ['jobs', name, 'metadata', 'name'], message: `metadata.name differs from its key "${name}"` });
          }
        }
        return [['jobs', name], j];
      });
  const clusters = resources.filter((r) => r.type === 'LogicalCluster');
  const targets = new Set(clusters.flatMap((c) => c.providers.flatMap((b) => [b.id, b.cloud])));
  const regions = clusters.flatMap((c) => c.providers.map((b) => b.region).filter((r): r is string => r !== undefined));
  const seen = new Map<string, string>();
  const checkTargets = (at: Path, cloud: string | undefined, residency: string | undefined) => {
    if (cloud !== undefined && !targets.has(cloud)) {
      issues.push({
        path: [...at, 'spec', 'cloud'],
        message: `no LogicalCluster binding with id or cloud "${cloud}"${didYouMean(cloud, targets)} (${targets.size ? `known: ${[...targets].join(', ')}` : 'no LogicalCluster is configured'})`,
      });
    }
    checkResidencyTag(residency, regions, zones, [...at, 'spec', 'tags', 'residency'], issues);
  };
  for (const [at, raw] of entries) {
    let job: DataJob | undefined;
    const before = issues.length;
    checkJobInput(raw, at, issues);
    if (issues.length === before) {
      try {
        job = parseDataJob(raw as object);
      } catch (e) {
        if (!isPolycloudError(e) || !e.context.issues) throw e;
        issues.push(...e.context.issues.map((i) => ({ path: [...at, ...i.path], message: i.message })));
      }
    }
    if (!job) {
      // Its schema problems are reported; check what can be read of the rest in the same pass.
      const spec = isObject(raw) && isObject(raw['spec']) ? raw['spec'] : {};
      const tags = isObject(spec['tags']) ? spec['tags'] : {};
      checkTargets(at, typeof spec['cloud'] === 'string' ? spec['cloud'] : undefined, typeof tags['residency'] === 'string' ? tags['residency'] : undefined);
      continue;
    }
    const where = at.map(String).join('.');
    if (seen.has(job.name)) {
      issues.push({ path: [...at, 'metadata', 'name'], message: `duplicate job name "${job.name}" (also ${seen.get(job.name)})` });
      continue;
    }
    seen.set(job.name, where);
    checkTargets(at, job.cloud, job.tags['residency']);
    jobs[job.name] = job;
  }
  return jobs;
}
