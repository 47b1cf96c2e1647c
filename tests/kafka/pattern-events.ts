// Hand-written change events for the pattern-rule tests on a real broker and PostgreSQL server
// (patterns.test.ts, patterns-crash.test.ts), and what those tests read back: pattern issues from
// the analytics store's mirror, holder rows from the state store, members' partition assignments.
// Synthetic values only: fake names, 139-5550-xxxx mobiles, made-up addresses and accounts.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { createSqlClient } from '../../connectors/postgres/sql-client.ts';
import { PATTERN_RULE_IDS } from '../../pipelines/generate/index.ts';
import { createTokenizer } from '../../pipelines/privacy/tokens.ts';
import type { Child } from '../e2e/support.ts';

/** An obviously synthetic mobile: 139 5550 and a 4-digit serial. */
export function fakeMobile(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 9999) throw new RangeError(`fakeMobile: ${n}`);
  return `1395550${String(n).padStart(4, '0')}`;
}

/** A made-up (but well-formed: 16 digits, passes Luhn) card number from a serial. */
export function fakeCard(n: number): string {
  const body = `622200${String(n).padStart(9, '0')}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

const NAMES = ['测试甲', '测试乙', '测试丙', '测试丁', '样例戊', '样例己', '样例庚', '样例辛'];

type Json = Record<string, unknown>;

/**
 * Builds customer-change/v1 and agent-change/v1 lines. Event times are days after a fixed start
 * (Beijing time), so the frequency rule's 30-day window is exercised on event time, not wall time.
 */
export class EventScript {
  readonly #lines: string[] = [];
  readonly #seen = new Set<string>();
  #sequence = 0;
  readonly #run: string;

  constructor(run: string) {
    this.#run = run;
  }

  static at(day: number): string {
    return new Date(Date.parse('2026-03-02T09:00:00+08:00') + day * 86_400_000).toISOString().replace('.000Z', 'Z');
  }

  #eventId(): string {
    return `${this.#run}-${String(++this.#sequence).padStart(5, '0')}`;
  }

  /** A customer's create (first time), update, or (`customer` null) delete. */
  customer(id: string, day: number, customer: Json | null, policy?: Json): this {
    const op = customer === null ? 'delete' : this.#seen.has(id) ? 'update' : 'create';
    this.#seen.add(id);
    const name = NAMES[[...id].reduce((h, c) => h + c.charCodeAt(0), 0) % NAMES.length];
    this.#lines.push(
      JSON.stringify({
        schema: 'customer-change/v1',
        eventId: this.#eventId(),
        source: 'pattern-proof',
        op,
        occurredAt: EventScript.at(day),
        customerId: id,
        ...(customer === null ? {} : { customer: { kind: 'person', name, ...customer } }),
        ...(policy ? { policy } : {}),
      }),
    );
    return this;
  }

  agent(id: string, day: number, agent: Json | null): this {
    const op = agent === null ? 'delete' : this.#seen.has(`agent:${id}`) ? 'update' : 'create';
    this.#seen.add(`agent:${id}`);
    this.#lines.push(
      JSON.stringify({
        schema: 'agent-change/v1',
        eventId: this.#eventId(),
        source: 'pattern-proof',
        op,
        occurredAt: EventScript.at(day),
        agentId: id,
        ...(agent === null ? {} : { agent: { name: '代理样例', ...agent } }),
      }),
    );
    return this;
  }

  /** Writes the lines added since the last flush to `file` and forgets them. */
  flush(file: string): string {
    writeFileSync(file, `${this.#lines.splice(0).join('\n')}\n`);
    return file;
  }
}

/** Customer id → token under the run's key, the way the pipeline tokenises it. */
export function customerTokens(keyHex: string): (id: string) => string {
  const tokenizer = createTokenizer(Buffer.from(keyHex, 'hex'));
  return (id) => tokenizer.token('customer', id);
}

export interface PatternIssueRow {
  readonly issueId: string;
  readonly ruleId: string;
  readonly customerToken: string;
  readonly status: string;
  readonly resolution: string;
  readonly version: number;
}

/** Every pattern rule's issue in the analytics store's mirror (latest version), and its change rows. */
export async function patternIssues(store: string, database = 'verity'): Promise<{ issues: PatternIssueRow[]; changes: { issueId: string; change: string; version: number }[] }> {
  const client = createStoreClient(/^https?:\/\//.test(store) ? { kind: 'http', url: store } : { kind: 'embedded', path: join(store, 'chdb') });
  const rules = PATTERN_RULE_IDS.map((id) => `'${id}'`).join(', ');
  try {
    const issues = await (
      await client.query({
        query: `SELECT issue_id AS issueId, rule_id AS ruleId, customer_token AS customerToken, toString(status) AS status, resolution, version
                FROM ${database}.issues FINAL WHERE rule_id IN (${rules}) ORDER BY issue_id`,
        format: 'JSONEachRow',
      })
    ).json<PatternIssueRow>();
    const changes = await (
      await client.query({
        query: `SELECT issue_id AS issueId, change, version FROM ${database}.issue_events WHERE rule_id IN (${rules}) ORDER BY issue_id, version`,
        format: 'JSONEachRow',
      })
    ).json<{ issueId: string; change: string; version: number }>();
    return { issues: issues.map((r) => ({ ...r, version: Number(r.version) })), changes: changes.map((r) => ({ ...r, version: Number(r.version) })) };
  } finally {
    await client.close();
  }
}

/** `value_key|customer_token|since` of every holder row in the state store, sorted. */
export async function holderRows(stateUrl: string): Promise<string[]> {
  const client = await createSqlClient({ kind: 'server', url: stateUrl });
  try {
    const rows = await client.query<{ value_key: string; customer_token: string; since: string }>('SELECT value_key, customer_token, since FROM verity.holders');
    return rows.map((r) => `${r.value_key}|${r.customer_token}|${r.since}`).sort();
  } finally {
    await client.close();
  }
}

/** The partitions a member was last assigned (`topic/partition`), from its "consuming" log lines. */
export function lastAssignment(child: Child): string[] {
  const all = [...child.stderr.matchAll(/"msg":"kafka consumer started: consuming"/g)].length;
  if (all === 0) return [];
  const matches = [...child.stderr.matchAll(/"assignment":(\{[^}]*\})/g)];
  const last = matches[matches.length - 1];
  if (!last) return [];
  const assignment = JSON.parse(last[1]!) as Record<string, number[]>;
  return Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}/${p}`)).sort();
}
