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
  for (const binding of request.resource.providers) {
    const refused = hardRefusal(request, binding, context);
    if (refused) rejected.push(refused);
    else passed.push(binding);
  }
  if (passed.length === 0) throw noCandidateError(request, rejected);
  return { passed, rejected };
}

/**
 * Why the hard filters refuse `binding` for `request` (`only`, residency,
 * classification, capability), or `undefined` when it passes. The one rule: the
 * routers' {@link hardFilter} and core's own check of every router's candidates
 * ({@link admitCandidates}) both ask it.
 */
export function hardRefusal(
  request: RouteRequest,
  binding: Binding,
  context: Pick<RouterContext, 'residency' | 'capabilities'>,
): RouteDecision['rejected'][number] | undefined {
  if (request.only && !request.only.includes(binding.id)) return { binding: binding.id, verdict: 'excluded' };
  const compliance = complianceVerdict(binding, request.tags, context.residency);
  if (!compliance.ok) return { binding: binding.id, verdict: compliance.reason, detail: compliance.detail };
  if (request.requires?.length) {
    const caps = context.capabilities(request.resource.resource_id, binding.id) as unknown as Record<string, unknown>;
    const missing = request.requires.filter((c) => caps[c] !== true);
    if (missing.length) return { binding: binding.id, verdict: 'capability', detail: `lacks ${missing.join(', ')}` };
  }
  return undefined;
}

/**
 * Core's own check of a router's decision, whatever router is plugged in: every
 * candidate must be a binding of the resource (its declared binding is used, not the
 * router's object) and pass the same hard filters ({@link hardRefusal}). Refused
 * candidates are dropped and passed to `onRefused`; when none is left, the error
 * {@link hardFilter} would give is thrown (RESIDENCY_VIOLATION when residency or
 * classification refused them), before any adapter is called.
 */
export function admitCandidates(
  request: RouteRequest,
  candidates: readonly Binding[],
  context: Pick<RouterContext, 'residency' | 'capabilities'>,
  onRefused?: (refused: RouteDecision['rejected'][number]) => void,
): Binding[] {
  const declared = request.resource.providers;
  // The common case allocates nothing: every candidate is a declared binding that passes.
  let admitted: Binding[] | undefined;
  let rejected: RouteDecision['rejected'] | undefined;
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    const binding = declared.includes(candidate) ? candidate : declared.find((b) => b.id === candidate?.id);
    const refused = binding
      ? hardRefusal(request, binding, context)
      : { binding: String(candidate?.id), verdict: 'excluded' as const, detail: `not a binding of ${request.resource.resource_id}` };
    if (!refused && binding === candidate && !admitted) continue;
    admitted ??= candidates.slice(0, i) as Binding[];
    if (refused) {
      (rejected ??= []).push(refused);
      onRefused?.(refused);
    } else admitted.push(binding!);
  }
  if (!admitted) return candidates as Binding[];
  if (admitted.length === 0 && rejected?.length) throw noCandidateError(request, rejected);
  return admitted;
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
    // The capability the operation needs and, when one binding was refused, that binding.
    const refused = rejected.filter((r) => r.verdict === 'capability');
    return new PolycloudError('UNSUPPORTED', `no binding of ${request.resource.resource_id} supports ${request.operation}: ${detail}`, {
      context: {
        ...context,
        ...(request.requires?.length ? { capability: request.requires.join(', ') } : {}),
        ...(refused.length === 1 ? { binding: refused[0]!.binding } : {}),
      },
      retryable: false,
    });
  }
  return new PolycloudError('UNAVAILABLE', `no usable binding of ${request.resource.resource_id}: ${detail}`, { context });
}
