// A vitest reporter (vitest.config.ts) that ends every run with the skipped tests and why, grouped
// by file and reason, and, in CI mode (tests/support/skips.ts: VERITY_REQUIRE_ALL=1 or CI=true),
// fails the run when a skip is not one of the documented gaps. A skip stays visible either way:
// a green run that quietly left out a real-component suite proves less than it seems to.
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { DOCUMENTED_GAPS, REQUIRE_ALL_ENV, requireAll, type DocumentedGap } from './skips.ts';

/** The name `-t` is matched against: suite and test names joined by spaces. */
function nameForFilter(test: TestCase): string {
  const names = [test.name];
  for (let parent = test.parent; parent.type === 'suite'; parent = parent.parent) names.unshift(parent.name);
  return names.join(' ');
}

interface SkipGroup {
  readonly file: string;
  readonly reason: string;
  readonly gap: DocumentedGap | undefined;
  readonly tests: string[];
}

export default class SkipReporter implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const pattern = this.#vitest?.config.testNamePattern;
    const groups = new Map<string, SkipGroup>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') continue;
        // With -t, vitest skips whatever the pattern leaves out: chosen, not a gap to report.
        if (pattern && !pattern.test(nameForFilter(test))) continue;
        const meta = test.meta();
        const todo = test.options.mode === 'todo';
        const reason = meta.skipReason ?? result.note ?? (todo ? 'todo' : 'no reason given (skip, skipIf or runIf without skipWhen)');
        const key = `${module.relativeModuleId}\0${reason}`;
        const group = groups.get(key) ?? { file: module.relativeModuleId, reason, gap: meta.skipGap, tests: [] };
        group.tests.push(test.fullName);
        groups.set(key, group);
      }
    }
    if (groups.size === 0) return;

    const all = [...groups.values()];
    const documented = all.filter((g) => g.gap !== undefined);
    const undocumented = all.filter((g) => g.gap === undefined);
    const strict = requireAll();
    const lines: string[] = [];
    const bar = '!'.repeat(78);
    const count = (n: number) => `${n} test${n === 1 ? '' : 's'}`;
    if (documented.length > 0) {
      lines.push('', bar, 'SKIPPED: documented gaps (README "Tests"), not run on this machine:');
      for (const gap of new Set(documented.map((g) => g.gap!))) {
        lines.push(`  ${gap}: ${DOCUMENTED_GAPS[gap]}`);
        for (const g of documented.filter((d) => d.gap === gap)) lines.push(`    ${g.file}: ${count(g.tests.length)} (${g.reason})`);
      }
    }
    if (undocumented.length > 0) {
      lines.push('', bar, `SKIPPED${strict ? ', and not a documented gap' : ''}:`);
      for (const g of undocumented) {
        lines.push(`  ${g.file}: ${count(g.tests.length)} (${g.reason})`);
        for (const name of g.tests.slice(0, 5)) lines.push(`    - ${name}`);
        if (g.tests.length > 5) lines.push(`    - … ${g.tests.length - 5} more`);
      }
    }
    const failing = strict && undocumented.length > 0;
    if (failing) {
      const n = undocumented.reduce((sum, g) => sum + g.tests.length, 0);
      lines.push('', `FAILED: ${count(n)} skipped in CI mode (${REQUIRE_ALL_ENV}=1 or CI=true), where only the documented gaps may skip.`);
      process.exitCode = 1;
    }
    lines.push(bar, '');
    const text = lines.join('\n');
    if (this.#vitest) {
      if (failing) this.#vitest.logger.error(text);
      else this.#vitest.logger.log(text);
    } else {
      process.stderr.write(`${text}\n`);
    }
  }
}
