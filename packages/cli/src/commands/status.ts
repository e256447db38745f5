import { type Binding, PolycloudError, toPolycloudError, type UrmDocument } from '@polycloud/core/spi';
import type { Polycloud } from '@polycloud/core';
import { type CommandContext, openPolycloud } from '../context.js';
import { bytes, seconds, table } from '../format.js';
import { EXIT, line } from '../io.js';
import { measureUsage } from '../usage.js';
import { causeOf } from '../errors.js';

export interface StatusOptions {
  probe: boolean;
  usage?: boolean;
  timeout: string;
  json?: boolean;
}

export interface BindingRow {
  resource: string;
  type: string;
  binding: string;
  provider: string;
  region?: string;
  health: 'up' | 'down' | 'unknown';
  probeMs?: number;
  /** The error code of a failed probe (UNAVAILABLE, PERMISSION_DENIED, …). */
  error?: string;
  /** What is under it: the errno or the provider's code (ECONNREFUSED, ENOTFOUND, AuthorizationFailure); never a message. */
  cause?: string;
  circuit?: string;
  lagMs?: number;
  backlog?: number;
  usageBytes?: number;
  quotaBytes?: number;
}

async function probe(
  polycloud: Polycloud,
  doc: UrmDocument,
  b: Binding,
  timeoutMs: number,
): Promise<Pick<BindingRow, 'health' | 'probeMs' | 'error' | 'cause'>> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    if (doc.type === 'LogicalBucket') {
      const adapter = polycloud.storageAdapter(b.provider);
      if (!adapter.probe) return { health: 'unknown' };
      await adapter.probe(b.physical_id, { signal });
    } else {
      const adapter = polycloud.computeAdapter(b.provider);
      if (!adapter.probe) return { health: 'unknown' };
      await adapter.probe({ physicalId: b.physical_id, ...(b.region ? { region: b.region } : {}), options: b.options ?? {} }, { signal });
    }
    return { health: 'up', probeMs: performance.now() - started };
  } catch (e) {
    const cause = causeOf(e);
    return { health: 'down', probeMs: performance.now() - started, error: toPolycloudError(e).code, ...(cause ? { cause } : {}) };
  }
}

/** Health, circuit state, lag and backlog of every binding. */
export async function collectStatus(polycloud: Polycloud, options: { probe: boolean; usage?: boolean; timeoutMs: number }): Promise<BindingRow[]> {
  const rows: BindingRow[] = [];
  await Promise.all(
    polycloud.resources.map(async (doc) => {
      const probes = await Promise.all(
        doc.providers.map((b) => (options.probe ? probe(polycloud, doc, b, options.timeoutMs) : Promise.resolve({ health: 'unknown' as const }))),
      );
      let sync: Map<string, { lagMs: number; backlog: number }> | undefined;
      if (doc.type === 'LogicalBucket' && doc.replication.mode !== 'none' && doc.providers.length > 1) {
        try {
          const status = await polycloud.sync(doc.resource_id).status();
          sync = new Map(status.targets.map((t) => [t.binding, { lagMs: t.lagMs, backlog: t.backlog }]));
        } catch {
          sync = undefined;
        }
      }
      for (const [j, b] of doc.providers.entries()) {
        const p = probes[j]!;
        const state = polycloud.telemetry.snapshot().find((s) => s.resource === doc.resource_id && s.binding === b.id);
        let usage: number | undefined;
        if (options.usage && doc.type === 'LogicalBucket' && p.health !== 'down') {
          usage = await measureUsage(polycloud, doc.resource_id, b.id).then(
            (u) => u.bytes,
            () => undefined,
          );
        }
        const s = sync?.get(b.id);
        rows.push({
          resource: doc.resource_id,
          type: doc.type,
          binding: b.id,
          provider: b.provider,
          ...(b.region ? { region: b.region } : {}),
          ...p,
          circuit: state?.circuit ?? 'closed',
          ...(s ? { lagMs: s.lagMs, backlog: s.backlog } : {}),
          ...(usage === undefined ? {} : { usageBytes: usage }),
          ...(state?.quotaBytes === undefined ? {} : { quotaBytes: state.quotaBytes }),
        });
      }
    }),
  );
  const order = new Map(
    polycloud.resources.flatMap((d) => d.providers.map((b, j) => [`${d.resource_id}/${b.id}`, polycloud.resources.indexOf(d) * 1000 + j] as const)),
  );
  return rows.sort((a, b) => order.get(`${a.resource}/${a.binding}`)! - order.get(`${b.resource}/${b.binding}`)!);
}

/** `polycloud status <config>`: exit 0 when every probed binding is up, 1 otherwise. */
export async function statusCommand(ctx: CommandContext, opts: StatusOptions): Promise<number> {
  const timeoutMs = Number(opts.timeout);
  if (!/^\s*\d+\s*$/.test(opts.timeout) || !Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    throw new PolycloudError('INVALID_ARGUMENT', `--timeout must be a positive number of milliseconds, got "${opts.timeout}"`, {
      context: { path: ['timeout'] },
    });
  }
  const { polycloud } = await openPolycloud(ctx);
  try {
    const rows = await collectStatus(polycloud, { probe: opts.probe, ...(opts.usage ? { usage: true } : {}), timeoutMs });
    if (opts.json) line(ctx.stdout, JSON.stringify(rows, null, 2));
    else {
      const head = ['resource', 'binding', 'provider', 'region', 'health', 'probe', 'circuit', 'lag', 'backlog'];
      if (opts.usage) head.push('usage', 'quota');
      line(
        ctx.stdout,
        table(
          head,
          rows.map((r) => {
            const cells: (string | number)[] = [
              r.resource,
              r.binding,
              r.provider,
              r.region ?? '-',
              r.error ? `${r.health} (${r.error}${r.cause ? `: ${r.cause}` : ''})` : r.health,
              seconds(r.probeMs),
              r.circuit ?? '-',
              r.lagMs === undefined ? '-' : seconds(r.lagMs),
              r.backlog ?? '-',
            ];
            if (opts.usage) cells.push(bytes(r.usageBytes), bytes(r.quotaBytes));
            return cells;
          }),
        ),
      );
    }
    return rows.some((r) => r.health === 'down') ? EXIT.failed : EXIT.ok;
  } finally {
    await polycloud.close();
  }
}
