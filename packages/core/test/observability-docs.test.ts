import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { POLYCLOUD_METRICS } from '@polycloud/core';
import { prometheusSeriesNames } from '../src/observability/metrics.js';

const docs = (p: string) => fileURLToPath(new URL(`../../../docs/${p}`, import.meta.url));
const SERIES = new Set(prometheusSeriesNames());
const LABELS = new Set([...POLYCLOUD_METRICS.flatMap((m) => m.attributes.map((a) => a.replace(/\./g, '_'))), 'le']);

/** Metric names and label names a PromQL expression uses. */
function analyse(expr: string): { metrics: string[]; labels: string[] } {
  const labels: string[] = [];
  let rest = expr.replace(/\{([^}]*)\}/g, (_m, inner: string) => {
    for (const m of inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) labels.push(m[1]!);
    return ' ';
  });
  rest = rest.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_m, _k, inner: string) => {
    labels.push(...inner.split(',').map((s) => s.trim()).filter(Boolean));
    return ' ';
  });
  const metrics = [...rest.matchAll(/\bpolycloud_[a-z0-9_]+\b/g)].map((m) => m[0]);
  return { metrics, labels };
}

describe('docs/observability/alerts.yml', () => {
  const rules = parse(readFileSync(docs('observability/alerts.yml'), 'utf8')) as { groups: { name: string; rules: { alert: string; expr: string; for?: string }[] }[] };
  const all = rules.groups.flatMap((g) => g.rules);

  it('parses as Prometheus rule groups, each rule with a name and an expression', () => {
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const r of all) {
      expect(r.alert).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
      expect(typeof r.expr).toBe('string');
      if (r.for) expect(r.for).toMatch(/^\d+[smh]$/);
    }
  });

  it('names only metrics and labels polycloud emits', () => {
    for (const r of all) {
      const { metrics, labels } = analyse(r.expr);
      expect(metrics.length, r.alert).toBeGreaterThan(0);
      for (const m of metrics) expect(SERIES.has(m), `${r.alert}: ${m}`).toBe(true);
      for (const l of labels) expect(LABELS.has(l), `${r.alert}: label ${l}`).toBe(true);
    }
  });

  it('covers lag over objective, error rate, circuit open, failover and a bucket nearing its quota for 5 minutes', () => {
    const byName = new Map(all.map((r) => [r.alert, r]));
    for (const name of ['PolycloudReplicationLagOverObjective', 'PolycloudHighErrorRate', 'PolycloudCircuitOpen', 'PolycloudFailoverHappened', 'PolycloudBucketNearQuota']) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.get('PolycloudBucketNearQuota')!.expr).toContain('> 0.9');
    expect(byName.get('PolycloudBucketNearQuota')!.for).toBe('5m');
  });
});

describe('docs/observability/grafana-dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync(docs('observability/grafana-dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };

  it('queries only metrics and labels polycloud emits', () => {
    expect(dashboard.panels.length).toBeGreaterThan(5);
    const used = new Set<string>();
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        const { metrics, labels } = analyse(t.expr);
        for (const m of metrics) {
          expect(SERIES.has(m), `${p.title}: ${m}`).toBe(true);
          used.add(m.replace(/_(bucket|sum|count)$/, ''));
        }
        for (const l of labels) expect(LABELS.has(l), `${p.title}: label ${l}`).toBe(true);
      }
    }
    // Every metric polycloud emits is on the dashboard.
    const missing = POLYCLOUD_METRICS.map((m) => prometheusSeriesNames().find((s) => s.startsWith(m.name.replace(/\./g, '_')))!.replace(/_(bucket|sum|count)$/, '')).filter((n) => !used.has(n));
    expect(missing).toEqual([]);
  });
});
