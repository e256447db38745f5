import type { OperationKind, RouteExplanation } from '@polycloud/core/spi';
import type { CliIo } from '../io.js';
import { type CommandContext, openPolycloud } from '../context.js';
import { score, table } from '../format.js';
import { EXIT, line } from '../io.js';

export interface ExplainOptions {
  operation: string;
  tag?: string[];
  json?: boolean;
}

function parseTags(list: string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (list ?? []).map((t) => {
      const at = t.indexOf('=');
      return at < 0 ? [t, ''] : [t.slice(0, at), t.slice(at + 1)];
    }),
  );
}

/** `polycloud explain <config> <bucket> <key>`: the routing decision with its sub-scores. */
export async function explainCommand(ctx: CommandContext, bucket: string, key: string, opts: ExplainOptions): Promise<number> {
  const { polycloud } = await openPolycloud(ctx);
  try {
    const explanation = polycloud.bucket(bucket).explain(opts.operation as OperationKind, key, parseTags(opts.tag));
    if (opts.json) line(ctx.stdout, JSON.stringify(explanation, null, 2));
    else printExplanation(ctx, explanation, `${explanation.operation} ${bucket}/${key}`);
    // No binding qualifies: exit 1 with --json too, so scripts need not parse the output to notice.
    return explanation.chosen ? EXIT.ok : EXIT.failed;
  } finally {
    await polycloud.close();
  }
}

/** The decision line and the candidates table (rank, verdict, weight, sub-scores). */
export function printExplanation(ctx: Pick<CliIo, 'stdout'>, explanation: RouteExplanation, title: string): void {
  line(ctx.stdout, `${title} → ${explanation.chosen ?? '(no binding qualifies)'}${explanation.panic ? '  [panic: health ignored]' : ''}`);
  const ranked = [...explanation.candidates].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
  line(
    ctx.stdout,
    table(
      ['rank', 'binding', 'provider', 'region', 'verdict', 'weight', 'sub-scores'],
      ranked.map((c) => [
        c.rank === undefined ? '-' : c.rank + 1,
        c.binding,
        c.provider === c.cloud ? c.provider : `${c.provider} (${c.cloud})`,
        c.region ?? '-',
        c.detail ? `${c.verdict}: ${c.detail}` : c.verdict,
        score(c.weight),
        Object.entries(c.scores)
          .map(([k, v]) => `${k}=${score(v)}`)
          .join('\n'),
      ]),
    ),
  );
}
