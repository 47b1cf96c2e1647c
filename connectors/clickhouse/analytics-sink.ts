// The analytics store as one of the pipeline's sinks: masked rows, findings, issue changes and
// dead-letter metadata (never the payload), the active-findings mirror, written idempotently (see AnalyticsStore.write).
import type { Sink } from '../../pipelines/runtime/sink.ts';
import type { AnalyticsStore } from './analytics-store.ts';

export function analyticsSink(store: AnalyticsStore): Sink {
  return {
    name: 'analytics store',
    dependency: 'store',
    write: (batch, out, { signal }) =>
      store.write(
        batch,
        { records: out.records, findings: out.findings, issueChanges: out.issueChanges, deadLetters: out.deadLetters.map((d) => d.deadLetter), findingMirror: out.findingMirror },
        out.derivedAt,
        { signal },
      ),
  };
}
