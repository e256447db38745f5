import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one closing line, `N passed, N failed, N skipped`, and the reason of every
 * skipped test (the text after "skip:" in its name or its annotation), so a CI log
 * shows what ran and what did not, and why.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const reasons = new Map<string, number>();
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else if (state === 'skipped') {
          skipped++;
          const result = test.result() as { note?: string };
          const note = result.note ?? test.name;
          const key = `${test.project.name}: ${note}`;
          reasons.set(key, (reasons.get(key) ?? 0) + 1);
        }
      }
    }
    if (reasons.size) {
      process.stdout.write('\nSkipped, with reasons:\n');
      for (const [reason, n] of [...reasons].sort()) process.stdout.write(`  ${n} × ${reason}\n`);
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
