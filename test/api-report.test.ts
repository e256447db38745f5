import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiReports, entryPoints, reportDir } from '../tooling/api-report.js';

// The public surface of every package is reviewed: a name exported from an entry but
// missing from api/*.api.txt (or listed there but no longer exported) fails here.
// After a deliberate change, `npm run api:update` rewrites the reports for review.
describe('API report', () => {
  const reports = apiReports();

  for (const [entry, actual] of reports) {
    it(`${entry.specifier} exports exactly the names in api/${entry.file}`, () => {
      const path = join(reportDir, entry.file);
      const expected = existsSync(path) ? readFileSync(path, 'utf8') : '';
      const names = (t: string) => new Set(t.split('\n').filter((l) => l && !l.startsWith('#')));
      const [a, e] = [names(actual), names(expected)];
      const added = [...a].filter((n) => !e.has(n));
      const dropped = [...e].filter((n) => !a.has(n));
      expect({ added, dropped }, 'public names changed; review them and run `npm run api:update`').toEqual({ added: [], dropped: [] });
    });
  }

  it('every package entry has a report (no entry escapes the check)', () => {
    expect(entryPoints().map((e) => e.specifier)).toEqual(
      expect.arrayContaining(['@polycloud/core', '@polycloud/core/spi', '@polycloud/core/testing', '@polycloud/sync']),
    );
    expect(reports.size).toBe(entryPoints().length);
  });

  it('the application entry of @polycloud/core has at most 100 names, each documented in docs/api.md', () => {
    const core = [...reports].find(([e]) => e.specifier === '@polycloud/core')![1];
    const names = core
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(' ')[1]!);
    expect(names.length).toBeLessThanOrEqual(100);
    const doc = readFileSync(join(reportDir, '..', 'docs', 'api.md'), 'utf8');
    expect(names.filter((n) => !doc.includes('`' + n + '`'))).toEqual([]);
  });
});
