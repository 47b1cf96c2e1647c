// What a run left in the store, read back for the end-to-end tests: the embedded store of a data
// dir (only when no process holds it: chDB lets one process at a time open it) or an http:// URL
// (`verity store serve`). Ids and counts for comparing runs, per-rule identities for comparing with
// the ground truth, and every table in full for the PII scan.
import { join } from 'node:path';
import { expect } from 'vitest';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { createSqlClient } from '../../connectors/postgres/sql-client.ts';
import { ACTIVE_STATUSES, PIPELINE_ACTIONS } from '../../pipelines/contract/issue.ts';
import { PATTERN_RULE_IDS } from '../../pipelines/generate/index.ts';
import { PIPELINE_ACTOR } from '../../pipelines/stewardship/lifecycle.ts';

const DATABASE = 'verity';

// The SLA clock acts on the wall clock: a run interrupted and restarted sweeps at other moments than
// a clean run, so its reminders and breaches (each a new version of an issue, a history entry, an
// issue event) land between other changes. What must match is what the events did: issues are
// compared by their status and by how many of their changes the pipeline made.
const PIPELINE_KINDS = `(${PIPELINE_ACTIONS.map((k) => `'${k}'`).join(', ')})`;
const ACTIVE = `(${ACTIVE_STATUSES.map((k) => `'${k}'`).join(', ')})`;
/** `issue_id|status|pipeline changes` of the issues `where` selects, sorted. */
const issuesByPipelineChanges = (where: string) => `
  SELECT i.issue_id, i.status, e.n FROM (SELECT issue_id, status FROM verity.issues FINAL WHERE ${where}) AS i
  LEFT JOIN (SELECT issue_id, uniqExact(version) AS n FROM verity.issue_events WHERE change IN ${PIPELINE_KINDS} GROUP BY issue_id) AS e USING issue_id
  ORDER BY i.issue_id`;

export interface StoreDump {
  readonly eventIds: string[];
  /** Per-record rules only: their findings and issues depend on each customer's own order alone. */
  readonly recordRuleFindingIds: string[];
  readonly recordRuleIssues: string[];
  readonly recordRuleIssueEvents: number;
  /** Pattern rules: `ruleId|customerToken` of every open issue, sorted. */
  readonly patternOpenIssues: string[];
  readonly recordRows: number;
  readonly findingIds: string[];
  readonly findingRows: number;
  /** `issueId|status|changes the pipeline made`, sorted (the clock's are left out: see above). */
  readonly issues: string[];
  /** The pipeline's issue events: distinct (issue, version), and rows (equal unless doubled). */
  readonly issueEvents: number;
  readonly issueEventRows: number;
  readonly deadLetterIds: string[];
  readonly deadLetterRows: number;
  /** SLA notices as `issueId/kind`, and the open issues already past due when the last one was raised. */
  readonly slaNotices: string[];
  readonly overdueAtLastNotice: string[];
  /** Per rule: customer tokens with a finding, sorted. */
  readonly findingCustomers: Record<string, string[]>;
  /** Per rule: event ids with a finding, sorted. */
  readonly findingEvents: Record<string, string[]>;
  /** Per rule: customer tokens whose issue is open now, sorted. */
  readonly openIssueCustomers: Record<string, string[]>;
  /** Per rule: customer tokens whose mirrored finding is active now (active_findings FINAL), sorted. */
  readonly activeFindingCustomers: Record<string, string[]>;
  /** Per rule and change (opened, updated, resolved, withdrawn): issue_events rows, each change once. */
  readonly issueChanges: Record<string, Record<string, number>>;
  /** Every table of the database, found in system.tables, with its row count. */
  readonly tableRows: Record<string, number>;
  /** Every row of every table, as raw tab-separated text (no JSON escaping to hide a value behind). */
  readonly tables: string;
}

function groupSorted(rows: readonly { key: string; value: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const { key, value } of rows) (out[key] ??= []).push(value);
  for (const list of Object.values(out)) list.sort();
  return out;
}

export async function dumpStore(store: string): Promise<StoreDump> {
  const client = createStoreClient(/^https?:\/\//.test(store) ? { kind: 'http', url: store } : { kind: 'embedded', path: join(store, 'chdb') });
  const rows = async <T>(sql: string) => (await (await client.query({ query: sql, format: 'JSONEachRow' })).json<T>());
  const col = async (sql: string) => (await rows<Record<string, string | number>>(sql)).map((r) => Object.values(r).join('|'));
  const pairs = async (sql: string) => groupSorted(await rows<{ key: string; value: string }>(sql));
  try {
    const names = (await rows<{ name: string }>(`SELECT name FROM system.tables WHERE database = '${DATABASE}' ORDER BY name`)).map((r) => r.name);
    const tableRows: Record<string, number> = {};
    const dumps: string[] = [];
    for (const name of names) {
      tableRows[name] = Number((await col(`SELECT count() FROM ${DATABASE}.${name}`))[0]);
      dumps.push(await (await client.query({ query: `SELECT * FROM ${DATABASE}.${name}`, format: 'TabSeparatedRaw' })).text());
    }
    const issueChanges: Record<string, Record<string, number>> = {};
    for (const r of await rows<{ rule_id: string; change: string; n: string }>(
      'SELECT rule_id, change, uniqExact(issue_id, version) AS n FROM verity.issue_events GROUP BY rule_id, change',
    )) {
      (issueChanges[r.rule_id] ??= {})[r.change] = Number(r.n);
    }
    const patternRules = `(${PATTERN_RULE_IDS.map((id) => `'${id}'`).join(', ')})`;
    return {
      eventIds: await col('SELECT DISTINCT event_id FROM verity.records ORDER BY event_id'),
      recordRuleFindingIds: await col(`SELECT DISTINCT finding_id FROM verity.findings WHERE rule_id NOT IN ${patternRules} ORDER BY finding_id`),
      recordRuleIssues: await col(issuesByPipelineChanges(`rule_id NOT IN ${patternRules}`)),
      recordRuleIssueEvents: Number(
        (await col(`SELECT count() FROM (SELECT DISTINCT issue_id, version FROM verity.issue_events WHERE rule_id NOT IN ${patternRules} AND change IN ${PIPELINE_KINDS})`))[0],
      ),
      patternOpenIssues: await col(
        `SELECT rule_id, customer_token FROM verity.issues FINAL WHERE status = 'open' AND rule_id IN ${patternRules} ORDER BY rule_id, customer_token`,
      ),
      recordRows: Number((await col('SELECT count() FROM verity.records'))[0]),
      findingIds: await col('SELECT DISTINCT finding_id FROM verity.findings ORDER BY finding_id'),
      findingRows: Number((await col('SELECT count() FROM verity.findings'))[0]),
      issues: await col(issuesByPipelineChanges('1')),
      issueEvents: Number((await col(`SELECT count() FROM (SELECT DISTINCT issue_id, version FROM verity.issue_events WHERE change IN ${PIPELINE_KINDS})`))[0]),
      issueEventRows: Number((await col(`SELECT count() FROM verity.issue_events WHERE change IN ${PIPELINE_KINDS}`))[0]),
      deadLetterIds: await col('SELECT DISTINCT dead_letter_id FROM verity.dead_letters ORDER BY dead_letter_id'),
      deadLetterRows: Number((await col('SELECT count() FROM verity.dead_letters'))[0]),
      slaNotices: (await col("SELECT issue_id, toString(kind) FROM verity.issue_sla_events FINAL ORDER BY issue_id, kind")).map((r) => r.replace('|', '/')),
      overdueAtLastNotice: await col(
        `SELECT issue_id FROM verity.issues FINAL WHERE status IN ('open', 'claimed', 'in-verification') AND due_at < (SELECT max(noticed_at) FROM verity.issue_sla_events) ORDER BY issue_id`,
      ),
      findingCustomers: await pairs('SELECT DISTINCT rule_id AS key, customer_token AS value FROM verity.findings'),
      findingEvents: await pairs('SELECT DISTINCT rule_id AS key, event_id AS value FROM verity.findings'),
      openIssueCustomers: await pairs("SELECT rule_id AS key, customer_token AS value FROM verity.issues FINAL WHERE status = 'open'"),
      activeFindingCustomers: await pairs('SELECT rule_id AS key, customer_token AS value FROM verity.active_findings FINAL WHERE active'),
      issueChanges,
      tableRows,
      tables: dumps.join('\n'),
    };
  } finally {
    await client.close();
  }
}

/**
 * `dump` holds exactly what a clean single run (`clean`) holds: nothing lost, nothing doubled.
 *
 * `order: 'same'` is for runs that read the stream in the clean run's order (a file, replayed after
 * a crash): every row must match. `order: 'per-partition'` is for Kafka runs, where partitions
 * interleave differently from run to run. Per-record rules still match row for row (they depend only
 * on each customer's own order, which a partition keeps), but a pattern rule's rows name the event
 * that raised or cleared it, and that depends on arrival order across customers. What must not
 * depend on it is the end state (issue 7 §2 "Order"): the same open pattern issues per (rule,
 * customer). Duplicates are refused either way.
 */
export function expectSameTables(dump: StoreDump, clean: StoreDump, order: 'same' | 'per-partition' = 'same'): void {
  const diff = (a: string[], b: string[]) => {
    const sb = new Set(b);
    return a.filter((x) => !sb.has(x));
  };
  const findings = order === 'same' ? (d: StoreDump) => d.findingIds : (d: StoreDump) => d.recordRuleFindingIds;
  const issues = order === 'same' ? (d: StoreDump) => d.issues : (d: StoreDump) => d.recordRuleIssues;
  const mirrored = (d: StoreDump) => Object.entries(d.activeFindingCustomers).flatMap(([rule, tokens]) => tokens.map((t) => `${rule}|${t}`));
  // A short, readable difference first (ids and tokens only, no personal data).
  expect({
    eventsMissing: diff(clean.eventIds, dump.eventIds).length,
    eventsExtra: diff(dump.eventIds, clean.eventIds).length,
    findingsMissing: diff(findings(clean), findings(dump)).length,
    findingsExtra: diff(findings(dump), findings(clean)).length,
    issuesMissing: diff(issues(clean), issues(dump)).slice(0, 5),
    issuesExtra: diff(issues(dump), issues(clean)).slice(0, 5),
    patternIssuesMissing: diff(clean.patternOpenIssues, dump.patternOpenIssues).slice(0, 5),
    patternIssuesExtra: diff(dump.patternOpenIssues, clean.patternOpenIssues).slice(0, 5),
    activeFindingsMissing: diff(mirrored(clean), mirrored(dump)).slice(0, 5),
    activeFindingsExtra: diff(mirrored(dump), mirrored(clean)).slice(0, 5),
  }).toEqual({
    eventsMissing: 0,
    eventsExtra: 0,
    findingsMissing: 0,
    findingsExtra: 0,
    issuesMissing: [],
    issuesExtra: [],
    patternIssuesMissing: [],
    patternIssuesExtra: [],
    activeFindingsMissing: [],
    activeFindingsExtra: [],
  });
  expect(dump.eventIds).toEqual(clean.eventIds);
  expect(dump.recordRows).toBe(dump.eventIds.length);
  expect(findings(dump)).toEqual(findings(clean));
  expect(dump.findingRows).toBe(dump.findingIds.length);
  expect(issues(dump)).toEqual(issues(clean));
  expect(dump.patternOpenIssues).toEqual(clean.patternOpenIssues);
  expect(dump.activeFindingCustomers).toEqual(clean.activeFindingCustomers);
  expect(order === 'same' ? dump.issueEvents : dump.recordRuleIssueEvents).toBe(order === 'same' ? clean.issueEvents : clean.recordRuleIssueEvents);
  expect(dump.issueEventRows).toBe(dump.issueEvents);
  expect(dump.deadLetterIds).toEqual(clean.deadLetterIds);
  expect(dump.deadLetterRows).toBe(dump.deadLetterIds.length);
}

export interface StateDump {
  /** Per rule: customer tokens with an active finding, sorted. */
  readonly activeFindings: Record<string, string[]>;
  /** Active issues as `issueId|ruleId|customerToken|changes the pipeline made`, sorted. */
  readonly openIssues: string[];
  /** Active issues as `issueId|ruleId|customerToken|version` (every change counted), for comparing with the mirror. */
  readonly activeIssueVersions: string[];
  /**
   * Every table of the state schema with its row count; the history counts the pipeline's entries
   * only, and the clock's notices, the issues it still watches (fewer once it breached some) and
   * the outbox (clock changes) are left out: see above.
   */
  readonly tableRows: Record<string, number>;
  /** Every row of every state table, as text, for the PII scan. */
  readonly tables: string;
}

/** The operational store behind a data dir (embedded PGlite, no process holding it) or a postgres:// URL. */
export async function dumpState(state: string): Promise<StateDump> {
  const client = await createSqlClient(/^postgres(ql)?:\/\//.test(state) ? { kind: 'server', url: state } : { kind: 'embedded', path: join(state, 'pg') });
  try {
    const names = (await client.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'verity' ORDER BY table_name`)).map((r) => r.name);
    const tableRows: Record<string, number> = {};
    const dumps: string[] = [];
    for (const name of names) {
      const rows = await client.query<Record<string, unknown>>(`SELECT * FROM verity.${name}`);
      if (name === 'issue_history') tableRows[name] = rows.filter((r) => r['actor_role'] === PIPELINE_ACTOR.actorRole).length;
      else if (!['sla_notices', 'sla_watch', 'outbox'].includes(name)) tableRows[name] = rows.length;
      dumps.push(rows.map((r) => JSON.stringify(r)).join('\n'));
    }
    const activeFindings = groupSorted(await client.query<{ key: string; value: string }>('SELECT rule_id AS key, customer_token AS value FROM verity.active_findings'));
    const openIssues = (
      await client.query<{ issue_id: string; rule_id: string; customer_token: string; n: string }>(
        `SELECT i.issue_id, i.rule_id, i.customer_token,
           (SELECT count(*) FROM verity.issue_history h WHERE h.issue_id = i.issue_id AND h.actor_role = $1) AS n
         FROM verity.issues i WHERE i.status IN ${ACTIVE} ORDER BY i.issue_id`,
        [PIPELINE_ACTOR.actorRole],
      )
    ).map((r) => `${r.issue_id}|${r.rule_id}|${r.customer_token}|${r.n}`);
    const activeIssueVersions = (
      await client.query<{ issue_id: string; rule_id: string; customer_token: string; version: number }>(
        `SELECT issue_id, rule_id, customer_token, version FROM verity.issues WHERE status IN ${ACTIVE} ORDER BY issue_id`,
      )
    ).map((r) => `${r.issue_id}|${r.rule_id}|${r.customer_token}|${r.version}`);
    return { activeFindings, openIssues, activeIssueVersions, tableRows, tables: dumps.join('\n') };
  } finally {
    await client.close();
  }
}
