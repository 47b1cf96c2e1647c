// The human-readable end of `npm start`: what was read, which rules fire most, which issues are
// due first, and what analysts actually see (masked values only).
import type { ClickHouseClient } from '@clickhouse/client';
import type { Writable } from 'node:stream';
import type { RunReport } from '../runtime/run-job.ts';

const pad = (text: string | number, width: number) => String(text).padEnd(width);

async function rows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow' })).json<T>();
}

export async function printSummary(report: RunReport, client: ClickHouseClient, db: string, out: Writable): Promise<void> {
  const w = (line = '') => out.write(`${line}\n`);
  w();
  w(`Events read ${report.events}: accepted ${report.accepted} (of which ${report.duplicates} re-deliveries ignored), dead-lettered ${report.deadLettered}`);
  if (report.deadLettered > 0) {
    const reasons = Object.entries(report.deadLettersByReason).map(([r, n]) => `${r} ${n}`).join(', ');
    w(`  dead letters by reason: ${reasons}; original bytes in ${report.deadLetterFile} (operator only)`);
  }
  w(`Findings ${report.findingCount}; issues opened ${report.issuesOpened}, updated ${report.issues.updated}, resolved upstream ${report.issues.resolved}, withdrawn ${report.issues.withdrawn}`);
  w(`Throughput ${report.eventsPerSecond} events/s in ${(report.durationMs / 1000).toFixed(1)} s into ${report.store}`);
  if (report.provisionalDeadlines > 0) {
    w(`WARNING: ${report.provisionalDeadlines} deadlines are PROVISIONAL: the PRC holiday calendar data does not cover their dates yet (weekdays counted).`);
  }

  // From the store, not the report: a second `npm start` over the same stream finds nothing new
  // (every event is a re-delivery), and its summary must still say what the data holds.
  w();
  w('Top rules (distinct customers with findings in the store; this run in brackets)');
  const top = await rows<{ rule_id: string; customers: string }>(
    client,
    `SELECT rule_id, uniqExact(customer_token) AS customers FROM ${db}.findings
     GROUP BY rule_id ORDER BY customers DESC, rule_id LIMIT 8`,
  );
  for (const { rule_id: rule, customers } of top) w(`  ${pad(rule, 28)} ${pad(customers, 6)} (${report.findings[rule] ?? 0})`);
  if (top.length === 0) w('  none');

  w();
  w('Open issues due soonest (Asia/Shanghai)');
  const due = await rows<{ due_at: string; queue: string; rule_id: string; priority: string; customer: string; provisional: boolean }>(
    client,
    `SELECT toString(due_at) AS due_at, queue, rule_id, priority, substring(customer_token, 1, 10) AS customer, deadline_provisional AS provisional
     FROM ${db}.issues FINAL WHERE status = 'open' ORDER BY due_at, priority, issue_id LIMIT 5`,
  );
  for (const i of due) {
    w(`  ${i.due_at.slice(0, 16)}  ${pad(i.priority, 3)} ${pad(i.queue, 26)} ${pad(i.rule_id, 26)} customer ${i.customer}…${i.provisional ? '  (provisional)' : ''}`);
  }

  w();
  w('What analysts see: masked records with findings');
  const examples = await rows<Record<string, string | string[]>>(
    client,
    `SELECT secrecy_level, name_masked, id_number_masked, mobile_masked, address_masked, bank_accounts_masked, failed_rules
     FROM ${db}.records WHERE length(failed_rules) > 0 AND kind = 'person' ORDER BY event_id LIMIT 3`,
  );
  for (const r of examples) {
    w(`  [${r.secrecy_level}] ${r.name_masked}  ${r.id_number_masked}  ${r.mobile_masked}  ${r.address_masked}  ${(r.bank_accounts_masked as string[]).join(',')}  → ${(r.failed_rules as string[]).join(', ')}`);
  }
}
