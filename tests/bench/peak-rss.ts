// Preloaded into a measured child (`node --import tests/bench/peak-rss.ts …`): when the process
// exits, it writes its peak resident set size in MB to the file named by VERITY_BENCH_PEAK_RSS_FILE.
// The measured program itself stays untouched (e.g. the real `verity run`).
import { writeFileSync } from 'node:fs';

const file = process.env['VERITY_BENCH_PEAK_RSS_FILE'];
if (file) {
  process.on('exit', () => {
    // maxRSS is in kilobytes on Linux.
    writeFileSync(file, `${process.resourceUsage().maxRSS / 1024}\n`);
  });
}
