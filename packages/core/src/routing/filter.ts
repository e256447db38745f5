import { PolycloudError } from '../errors/polycloud-error.js';
import type { Binding } from '../urm/binding.js';
import type { RouteDecision, RouteRequest, RouterContext } from './router.js';
import { complianceVerdict } from './residency.js';

/**
 * The hard filters every router applies first, never relaxed: `only`, residency,
 * classification, capability. Returns the bindings that pass and the refusals.
 * Throws RESIDENCY_VIOLATION / UNSUPPORTED when nothing passes.
 */
export function hardFilter(
  request: RouteRequest,
  context: Pick<RouterContext, 'residency' | 'capabilities'>,
): { passed: Binding[]; rejected: RouteDecision['rejected'] } {
  const passed: Binding[] = [];
  const rejected: RouteDecision['rejected'] = [];
  const resourceId = request.resource.resource_id;
  for (const binding of request.resource.providers) {
    if (request.only && !request.only.includes(binding.id)) {
      rejected.push({ binding: binding.id, verdict: 'excluded' });
      continue;
    }
    const compliance = complianceVerdict(binding, request.tags, context.residency);
    if (!compliance.ok) {
      rejected.push({ binding: binding.id, verdict: compliance.reason, detail: compliance.detail });
      continue;
    }
    if (request.requires?.length) {
      const caps = context.capabilities(resourceId, binding.id) as unknown as Record<string, unknown>;
      const missing = request.requires.filter((c) => caps[c] !== true);
      if (missing.length) {
        rejected.push({ binding: binding.id, verdict: 'capability', detail: `lacks ${missing.join(', ')}` });
        continue;
      }
    }
    passed.push(binding);
  }
  if (passed.length === 0) throw noCandidateError(request, rejected);
  return { passed, rejected };
}

/** The error for "no binding may serve this": the most specific refusal wins. */
export function noCandidateError(request: RouteRequest, rejected: RouteDecision['rejected']): PolycloudError {
  const context = {
    resource: request.resource.resource_id,
    operation: request.operation,
    ...(request.key === undefined ? {} : { key: request.key }),
    rejected,
  };
  const detail = rejected.map((r) => `${r.binding}: ${r.verdict}${r.detail ? ` (${r.detail})` : ''}`).join('; ');
  const verdicts = new Set(rejected.map((r) => r.verdict));
  if (verdicts.has('residency') || verdicts.has('classification')) {
    if (![...verdicts].some((v) => v === 'capability' || v === 'unhealthy')) {
      return new PolycloudError('RESIDENCY_VIOLATION', `no binding of ${request.resource.resource_id} may hold this data: ${detail}`, {
        context,
        retryable: false,
      });
    }
  }
  if (verdicts.size > 0 && [...verdicts].every((v) => v === 'capability' || v === 'excluded')) {
    return new PolycloudError('UNSUPPORTED', `no binding of ${request.resource.resource_id} supports ${request.operation}: ${detail}`, {
      context,
      retryable: false,
    });
  }
  return new PolycloudError('UNAVAILABLE', `no usable binding of ${request.resource.resource_id}: ${detail}`, { context });
}
