import { type DataJob, parseDataJob } from '../compute/spec.js';
import { parseQuantity } from '../compute/quantity.js';
import { errorFromIssues } from '../errors/from-zod.js';
import type { ErrorIssue } from '../errors/polycloud-error.js';
import { INPUT_LIMITS } from '../input/limits.js';
import { parseYamlText } from '../input/parse-yaml.js';
import { toPlainData } from '../input/plain-data.js';

type Path = (string | number)[];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What core's DataJob parser would otherwise accept by changing it: a memory
 * quantity that is not a whole number of bytes (`1m` is one milli-byte, which the
 * parser rounds UP to 1 MiB). Adds issues at their path under `at`.
 */
export function checkJobInput(raw: unknown, at: Path, issues: ErrorIssue[]): void {
  if (!isObject(raw) || !isObject(raw['spec']) || !isObject(raw['spec']['resources'])) return;
  const memory = raw['spec']['resources']['memory'];
  if (typeof memory !== 'string' && typeof memory !== 'number') return;
  let q: { num: bigint; den: bigint };
  try {
    q = parseQuantity(memory);
  } catch {
    return; // the parser reports it
  }
  if (q.num % q.den !== 0n) {
    issues.push({
      path: [...at, 'spec', 'resources', 'memory'],
      message: `memory "${memory}" is not a whole number of bytes ("m" means milli: use Mi or M for mebi- or megabytes)`,
    });
  }
}

/**
 * `parseDataJob` within the input limits: YAML/JSON text (at most `maxJobBytes`,
 * nesting, aliases and strings bounded, as for config files) or an object (getters
 * and Proxies read once inside a try, `__proto__` keys refused — e.g. in `env`),
 * then {@link checkJobInput}, then core's DataJob parser. Only PolycloudErrors
 * (CONFIG_INVALID with paths) escape.
 */
export function loadDataJob(input: string | object): DataJob {
  const issues: ErrorIssue[] = [];
  let value: unknown;
  if (typeof input === 'string') {
    const parsed = parseYamlText(input, INPUT_LIMITS.maxJobBytes);
    if (!parsed.ok) throw errorFromIssues('invalid DataJob', parsed.issues);
    value = parsed.parsed.value;
  } else {
    value = toPlainData(input, issues);
  }
  if (issues.length === 0 && !isObject(value)) issues.push({ path: [], message: 'expected a DataJob (a map with apiVersion, kind, metadata and spec)' });
  checkJobInput(value, [], issues);
  if (issues.length) throw errorFromIssues('invalid DataJob', issues);
  return parseDataJob(value as object);
}
