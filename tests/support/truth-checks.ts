// End-to-end assertions against the generator's ground truth: identities (which customers, which
// events, per rule, as tokens under the run's key), the issue lifecycle, and the PII scan's input.
// Failure output is counts and field names only: customer ids are themselves personal data.
import { expect } from 'vitest';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { PATTERN_RULE_IDS, RULE_IDS } from '../../pipelines/generate/index.ts';
import { FIELD_POLICY } from '../../pipelines/privacy/classification.ts';
import { createTokenizer } from '../../pipelines/privacy/tokens.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import type { StateDump, StoreDump } from './store-dump.ts';

/** The tables a run writes today; the scan reads system.tables, this only proves it found them. */
export const KNOWN_TABLES = [
  'active_findings',
  'dead_letters',
  'findings',
  'issue_events',
  'issue_sla_events',
  'issues',
  'records',
  'schema_migrations',
] as const;

function difference(expected: readonly string[], actual: readonly string[] = []): { missing: number; extra: number } {
  const want = new Set(expected);
  const got = new Set(actual);
  return { missing: [...want].filter((x) => !got.has(x)).length, extra: [...got].filter((x) => !want.has(x)).length };
}

const perRule = <T>(f: (rule: (typeof RULE_IDS)[number]) => T) => Object.fromEntries(RULE_IDS.map((rule) => [rule, f(rule)]));
const NO_DIFFERENCE = perRule(() => ({ missing: 0, extra: 0 }));

/**
 * Per rule, the store holds findings for exactly the truth's customers (compared as customer
 * tokens under `tokenKey`) and exactly the truth's events, and open issues for exactly the
 * customers whose issue the truth leaves open; its issue changes per rule are the truth's.
 */
export function expectStoreMatchesTruth(store: StoreDump, truth: GroundTruth, tokenKey: Buffer): void {
  const tokenizer = createTokenizer(tokenKey);
  const tokens = (ids: readonly string[]) => ids.map((id) => tokenizer.token('customer', id));
  for (const rule of RULE_IDS) expect(truth.customersByRule[rule].length, rule).toBeGreaterThan(0);

  expect(perRule((rule) => difference(tokens(truth.customersByRule[rule]), store.findingCustomers[rule])), 'customers with findings').toEqual(NO_DIFFERENCE);
  expect(perRule((rule) => difference(truth.eventsByRule[rule], store.findingEvents[rule])), 'events with findings').toEqual(NO_DIFFERENCE);
  expect(perRule((rule) => difference(tokens(truth.openIssuesByRule[rule]), store.openIssueCustomers[rule])), 'customers with an open issue').toEqual(NO_DIFFERENCE);
  // The pipeline's changes; the SLA clock's reminders and breaches (relayed later) are checked on their own.
  const pipelineChanges = (changes: Record<string, number> | undefined) => {
    const { opened = 0, updated = 0, resolved = 0, withdrawn = 0 } = changes ?? {};
    return { opened, updated, resolved, withdrawn };
  };
  expect(
    perRule((rule) => pipelineChanges(store.issueChanges[rule])),
    'issue changes stored per rule',
  ).toEqual(perRule((rule) => {
    const { opened, updated, resolved, withdrawn } = truth.issuesByRule[rule];
    return { opened, updated, resolved, withdrawn };
  }));
}

/**
 * The report's issue counts are the ones the truth's injected defects call for. The truth counts
 * the per-record rules' issues; the pattern rules' (checked by expectPatternStateMatchesTruth) are
 * taken out of the report's totals by what the store holds for them.
 */
export function expectReportIssuesMatchTruth(report: RunReport, truth: GroundTruth, store: StoreDump): void {
  const patternChanges = (change: string) => PATTERN_RULE_IDS.reduce((n, rule) => n + (store.issueChanges[rule]?.[change] ?? 0), 0);
  const patternOpen = PATTERN_RULE_IDS.reduce((n, rule) => n + (store.openIssueCustomers[rule]?.length ?? 0), 0);
  expect({
    opened: report.issuesOpened - patternChanges('opened'),
    updated: report.issues.updated - patternChanges('updated'),
    resolved: report.issues.resolved - patternChanges('resolved'),
    withdrawn: report.issues.withdrawn - patternChanges('withdrawn'),
    open: report.issues.open - patternOpen,
  }).toEqual(truth.issues);
}

/** Per-record rules: the report's customers with a finding during the run are the truth's. */
export function expectReportFindingsMatchTruth(report: RunReport, truth: GroundTruth): void {
  expect(Object.fromEntries(RULE_IDS.map((rule) => [rule, report.findings[rule] ?? 0]))).toEqual(truth.rules);
}

/**
 * Active findings after the run, for all rules: the report's counts and the operational store's
 * customers are the truth's; and for each pattern rule, the analytics store's `issues` mirror
 * holds exactly one open issue per active (rule, customer), and none for anyone else.
 */
export function expectActiveFindingsMatchTruth(report: RunReport, truth: GroundTruth, state: StateDump, store: StoreDump, tokenKey: Buffer): void {
  const tokenizer = createTokenizer(tokenKey);
  const tokens = (ids: readonly string[]) => ids.map((id) => tokenizer.token('customer', id)).sort();
  const allRules = [...RULE_IDS, ...PATTERN_RULE_IDS];
  for (const rule of PATTERN_RULE_IDS) expect(truth.activeFindings[rule].length, `${rule}: the stream injects it`).toBeGreaterThan(0);
  expect(report.activeFindings).toEqual(truth.activeFindingCounts);
  const byRule = (f: (rule: string) => { missing: number; extra: number }) => Object.fromEntries(allRules.map((rule) => [rule, f(rule)]));
  const none = byRule(() => ({ missing: 0, extra: 0 }));
  expect(byRule((rule) => difference(tokens(truth.activeFindings[rule as keyof typeof truth.activeFindings]), state.activeFindings[rule])), 'customers with an active finding').toEqual(none);
  // The analysts' mirror holds what the operational store holds, rule by rule.
  expect(byRule((rule) => difference(state.activeFindings[rule] ?? [], store.activeFindingCustomers[rule])), 'active findings mirrored in the analytics store').toEqual(none);
  for (const rule of PATTERN_RULE_IDS) {
    const open = store.openIssueCustomers[rule] ?? [];
    expect(open.length, `${rule}: one open issue per customer`).toBe(new Set(open).size);
    expect(difference(tokens(truth.activeFindings[rule]), open), `${rule}: open issues are the active findings`).toEqual({ missing: 0, extra: 0 });
  }
}

/** Fields the classification policy calls sensitive (or most sensitive). */
export function sensitiveFields(): string[] {
  return Object.entries(FIELD_POLICY)
    .filter(([, policy]) => policy.class !== 'general')
    .map(([field]) => field);
}

/** The truth lists raw values for every sensitive field, so the scan looks for each of them. */
export function expectRawValuesForEverySensitiveField(truth: GroundTruth): void {
  const unrecorded = sensitiveFields().filter((field) => (truth.rawValues[field]?.length ?? 0) === 0);
  expect(unrecorded, 'sensitive fields without raw values in the truth').toEqual([]);
}

/** Every table exists and has rows, so the scan of it proves something. */
export function expectEveryTableScanned(store: StoreDump): void {
  expect(Object.keys(store.tableRows)).toEqual(expect.arrayContaining([...KNOWN_TABLES]));
  const empty = Object.entries(store.tableRows).filter(([, rows]) => rows === 0).map(([table]) => table);
  expect(empty, 'tables without rows').toEqual([]);
}
