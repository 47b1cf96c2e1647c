// What a failed fuzz run's log may show in test output: the entries' levels, messages' first words,
// error classes and codes. Not the messages themselves: a failed run's last words may be a
// store error that quotes the row it choked on, and the rows here are fuzz input.
export function logSummary(stderr: string, last = 20): string {
  // For a developer at a terminal only (see fuzz-run.ts).
  if (process.env['VERITY_FUZZ_SHOW_VALUES'] === '1') return stderr.slice(-8000);
  const entries = stderr.split('\n').filter((l) => l.trim() !== '');
  const shown = entries.slice(-last).map((line) => {
    try {
      const e = JSON.parse(line) as { level?: number; msg?: string; err?: { type?: string; code?: string }; stage?: string; reasonCode?: string };
      const words = (e.msg ?? '').split(/[:(]/)[0]!.slice(0, 80);
      return [`level ${e.level ?? '?'}`, words, e.err?.type, e.err?.code, e.stage, e.reasonCode].filter(Boolean).join(' | ');
    } catch {
      return `(a ${line.length}-character line that is not a log entry)`;
    }
  });
  return `${entries.length} log lines; the last ${shown.length}:\n${shown.join('\n')}`;
}
