import type { RouteExplanation } from '@polycloud/core';
import { redact } from '@polycloud/core/spi';

const round = (n: number) => (Number.isFinite(n) ? Number(n.toPrecision(3)) : n);

/** The sub-scores a reader of `kubectl describe` needs (the router reports many more); others are left out. */
const SHOWN = ['cost', 'relativePrice', 'price', 'distance', 'placement', 'inflight', 'errorRate', 'effective'];

/**
 * The router's explanation as one line for an Event / condition message (what
 * `kubectl describe datajob` shows): the chosen binding, then every candidate with
 * its verdict, weight and the main sub-scores (cost, price, distance, load). Binding ids, clouds, regions and numbers only;
 * redacted all the same. At most 1000 characters (Event messages are capped).
 */
export function explanationText(e: RouteExplanation): string {
  const parts = [...e.candidates]
    .sort((a, b) => (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER))
    .map((c) => {
      const where = [c.cloud, c.region].filter(Boolean).join(' ');
      if (c.verdict !== 'ok') return `${c.binding} (${where}) refused: ${c.verdict}${c.detail ? ` (${c.detail})` : ''}`;
      const scores = Object.entries(c.scores)
        .filter(([k]) => SHOWN.includes(k))
        .map(([k, v]) => `${k}=${round(v)}`)
        .join(' ');
      return `${c.binding} (${where}) weight ${round(c.weight)}${scores ? ` [${scores}]` : ''}`;
    });
  const head = e.chosen ? `chose binding ${e.chosen}` : 'no binding can take the job';
  const text = redact(`${head}${e.panic ? ' (panic: health ignored)' : ''}; candidates: ${parts.join('; ')}`);
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}
