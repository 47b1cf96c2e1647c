// Preloaded into a measured child (`node --import tests/bench/usage-at-exit.ts …`): when the
// process exits, it writes its peak resident set size and CPU time, as one JSON object, to the
// file named by VERITY_BENCH_USAGE_FILE. The measured program itself stays untouched (e.g. the
// real `verity run`).
import { writeFileSync } from 'node:fs';

export interface UsageAtExit {
  readonly peakRssMb: number;
  /** User + system CPU time of every thread of the process (chDB's included). */
  readonly cpuSeconds: number;
}

const file = process.env['VERITY_BENCH_USAGE_FILE'];
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    // maxRSS is in kilobytes on Linux; CPU times in microseconds.
    const result: UsageAtExit = { peakRssMb: usage.maxRSS / 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 };
    writeFileSync(file, `${JSON.stringify(result)}\n`);
  });
}
