// A live progress line on terminals only: CI logs and pipes get the JSON logs and the report.
import cliProgress from 'cli-progress';
import type { RunStats } from '../runtime/run-stats.ts';

export interface Progress {
  update(stats: RunStats): void;
  stop(): void;
}

export function createProgress(enabled: boolean): Progress {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{rate} ev/s | read {read} | accepted {accepted} | duplicates {duplicates} | dead-lettered {dead} | findings {findings} | issues opened {issues}',
      hideCursor: true,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const payload = (s: RunStats) => ({
    rate: Math.round(s.eventsPerSecond).toLocaleString('en'),
    read: s.read.toLocaleString('en'),
    accepted: s.accepted.toLocaleString('en'),
    duplicates: s.duplicates.toLocaleString('en'),
    dead: s.deadLettered.toLocaleString('en'),
    findings: s.findings.toLocaleString('en'),
    issues: s.issuesOpened.toLocaleString('en'),
  });
  return {
    update(stats) {
      if (!started) {
        bar.start(0, 0, payload(stats));
        started = true;
      } else bar.update(0, payload(stats));
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
