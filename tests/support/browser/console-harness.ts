// The console as `verity console` builds it (pipelines/console/open-console.ts): the real console
// server (sessions, CSRF, roles, access log, reveal approvals) over the real PostgresStewardDesk
// wired by createConsoleDesk, and the real reveal vault (PgVaultReader, rows sealed by VaultCipher)
// in a real PostgreSQL server (the run's, a database of its own; embedded PGlite when the run has
// none). Its issues and vault rows are written by the real pipeline path: crafted, synthetic
// customer events evaluated in a batch transaction (PostgresStateStore + evaluateBatch with the
// vault cipher), each event made to break one rule, with due times from the events' times and
// policies' cooling-off ends (breached, due soon, later) and one core-tier customer.
// tests/browser/console-flow.test.ts is the flow over a full pipeline run, Kafka included.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { SqlClient } from '../../../connectors/postgres/sql-client.ts';
import { PostgresStateStore } from '../../../connectors/postgres/state-store.ts';
import type { PostgresStewardDesk } from '../../../connectors/postgres/steward-desk.ts';
import { PgVaultReader } from '../../../connectors/postgres/vault-store.ts';
import { prcCalendar } from '../../../pipelines/calendar/prc-calendar.ts';
import type { StateTarget } from '../../../pipelines/config/targets.ts';
import { addUser } from '../../../pipelines/console/auth/users.ts';
import { createConsoleDesk } from '../../../pipelines/console/desk-wiring.ts';
import { registerDashboardRoutes, type DashboardAnalytics } from '../../../pipelines/console/routes/dashboards.ts';
import { createConsoleServer } from '../../../pipelines/console/server.ts';
import { CustomerChange, type ChangeEvent } from '../../../pipelines/contract/customer-change.ts';
import type { IssueChange } from '../../../pipelines/contract/issue.ts';
import { withResidentIdCheck } from '../../../pipelines/generate/identifiers.ts';
import { createTokenizer } from '../../../pipelines/privacy/tokens.ts';
import { VaultCipher } from '../../../pipelines/privacy/vault-crypto.ts';
import { candidateOf, evaluateBatch, loadRequestOf } from '../../../pipelines/quality/evaluate-batch.ts';
import { PatternEngine } from '../../../pipelines/quality/patterns/pattern-engine.ts';
import { createLogger } from '../../../pipelines/runtime/logger.ts';
import type { AnalyticsOutput } from '../../../pipelines/runtime/state-store.ts';
import type { Role } from '../../../pipelines/stewardship/roles.ts';
import { loadRulePack } from '../../../rules/engine/load-rule-pack.ts';
import { createDatabase, dropDatabase, type PostgresForTests } from '../postgres/use-postgres.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SCOPE = 'console-harness.jsonl';

/** The issues the test works with, by what they are for. */
export type HarnessIssue = 'breached' | 'stale' | 'landline' | 'core' | 'email' | 'address' | 'placeholder';

interface Customer {
  readonly id: string;
  readonly issue: HarnessIssue;
  readonly ruleId: string;
  readonly source: string;
  readonly channel: string;
  /** Days before now the event happened (the working-day deadlines run from it). */
  readonly daysAgo: number;
  /** Due by the end of tomorrow in Shanghai: the policy's cooling-off period ends then. */
  readonly dueTomorrow?: boolean;
  readonly tier?: 'core';
  /** What this customer gets wrong. */
  readonly defect: Record<string, string>;
}

/** One customer per issue, each breaking one rule: varied queues, rules, channels, sources and due times. */
const CUSTOMERS: readonly Customer[] = [
  { id: 'CH-0001', issue: 'breached', ruleId: 'mobile-format', source: 'core-banking', channel: 'bancassurance', daysAgo: 20, defect: { mobile: '1391234' } },
  { id: 'CH-0002', issue: 'stale', ruleId: 'mobile-format', source: 'policy-admin', channel: 'bancassurance', daysAgo: 0, dueTomorrow: true, defect: { mobile: '2391234567' } },
  { id: 'CH-0003', issue: 'landline', ruleId: 'landline-format', source: 'core-banking', channel: 'agency', daysAgo: 0, defect: { landline: '010-12' } },
  { id: 'CH-0004', issue: 'core', ruleId: 'id-number-format', source: 'core-banking', channel: 'bancassurance', daysAgo: 1, dueTomorrow: true, tier: 'core', defect: {} },
  { id: 'CH-0005', issue: 'email', ruleId: 'email-format', source: 'core-banking', channel: 'online', daysAgo: 0, defect: { email: 'kehu5@@example' } },
  { id: 'CH-0006', issue: 'address', ruleId: 'address-incomplete', source: 'core-banking', channel: 'online', daysAgo: 30, defect: { address: '建国路6号' } },
  { id: 'CH-0007', issue: 'placeholder', ruleId: 'placeholder-value', source: 'core-banking', channel: 'agency', daysAgo: 2, defect: { mobile: '13800000000' } },
];

/** Shanghai calendar date of an instant. */
const shanghaiDate = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(0, 10);

/** A synthetic, otherwise well-formed person with its one defect (generated values only). */
function eventOf(c: Customer, n: number, now: number): ChangeEvent {
  // Region 110105, born 1990-03-07, a sequence ending odd (male), its check character.
  const goodId = withResidentIdCheck(`11010519900307${10 + n}1`);
  const occurred = now - c.daysAgo * DAY;
  const idNumber = c.ruleId === 'id-number-format' ? goodId.slice(0, 17) + (goodId.endsWith('0') ? '1' : '0') : goodId;
  return CustomerChange.parse({
    schema: 'customer-change/v1',
    eventId: `harness-${c.id}`,
    source: c.source,
    op: 'create',
    occurredAt: new Date(occurred).toISOString(),
    customerId: c.id,
    customer: {
      kind: 'person',
      ...(c.tier ? { tier: c.tier } : {}),
      name: `王${'甲乙丙丁戊己庚'[n]}明`,
      gender: 'M',
      birthDate: '1990-03-07',
      idType: 'CN_RESIDENT_ID',
      idNumber,
      mobile: `1391234${String(5670 + n)}`,
      landline: `010-6552${String(1000 + n)}`,
      email: `kehu${n}@example.com`,
      address: `北京市朝阳区建国路${n + 1}号`,
      ...c.defect,
    },
    policy: {
      policyId: `P-${c.id}`,
      role: 'policyholder',
      agentId: 'AG-0001',
      channel: c.channel,
      ...(c.dueTomorrow ? { receivedAt: shanghaiDate(now), coolingOffDays: 1 } : {}),
    },
  });
}

/** Canned dashboard rows, shaped as the SQL files return them, chosen by a column each query names. */
const fakeAnalytics: DashboardAnalytics = {
  database: 'verity',
  async queryRows<T>(sql: string): Promise<T[]> {
    const day = (d: number) => new Date(Date.now() - d * DAY).toISOString().slice(0, 10);
    const rows: Record<string, unknown>[] = sql.includes('pass_rate')
      ? [0, 1, 2, 3, 4].flatMap((d) => [
          { day: day(4 - d), source_name: '(all sources)', record_versions: 1000, passed: 900 + d * 10, failed: 100 - d * 10, pass_rate: 0.9 + d * 0.01 },
          { day: day(4 - d), source_name: 'core-banking', record_versions: 600, passed: 520 + d * 8, failed: 80 - d * 8, pass_rate: (520 + d * 8) / 600 },
        ])
      : sql.includes('age_bucket')
        ? [
            { queue: 'contact-verification', priority: 'P2', age_bucket: '1: < 1 day', open_issues: 12, overdue: 0, customers: 12 },
            { queue: 'contact-verification', priority: 'P2', age_bucket: '2: 1-3 days', open_issues: 7, overdue: 2, customers: 7 },
            { queue: 'identity-verification', priority: 'P1', age_bucket: '3: 3-7 days', open_issues: 4, overdue: 4, customers: 4 },
          ]
        : sql.includes('customers_with_issue')
          ? [
              { rule_id: 'mobile-format', severity: 'medium', customers: 31, findings: 35, customers_with_issue: 31 },
              { rule_id: 'id-number-format', severity: 'high', customers: 9, findings: 9, customers_with_issue: 9 },
            ]
          : [];
    return rows as T[];
  },
};

export interface HarnessConsole {
  readonly url: string;
  readonly sql: SqlClient;
  readonly desk: PostgresStewardDesk;
  /** The issue ids the pipeline opened, by what they are for. */
  readonly issues: Readonly<Record<HarnessIssue, string>>;
  /** One-time passwords by username (steward, steward2, supervisor, analyst, auditor, admin). */
  readonly passwords: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

export const HARNESS_USERS: readonly (readonly [string, Role])[] = [
  ['zhao.steward', 'steward'],
  ['qian.steward', 'steward'],
  ['sun.supervisor', 'supervisor'],
  ['zhou.analyst', 'analyst'],
  ['wu.auditor', 'auditor'],
  ['zheng.admin', 'admin'],
];

/** The batch as the pipeline runs it: applied ids, lock and load, evaluate (sealing the vault), write back. */
async function runBatch(store: PostgresStateStore, events: readonly ChangeEvent[], deps: Parameters<typeof evaluateBatch>[2]): Promise<readonly IssueChange[]> {
  return store.transaction(SCOPE, async (tx) => {
    const applied = await tx.applied(events.map((e) => e.eventId));
    const candidates = events.filter((e) => !applied.has(e.eventId)).map((event, index) => candidateOf({ index, event, coordinates: `${SCOPE}@${index}` }, deps.tokenizer, deps.rules));
    const snapshot = await tx.load(loadRequestOf(candidates));
    const result = await evaluateBatch(candidates, snapshot, deps);
    const derivedAt = deps.now();
    const output: AnalyticsOutput = {
      batchId: 'harness-batch-1',
      scope: SCOPE,
      position: `${SCOPE}@${events.length}`,
      records: result.records,
      findings: result.findings,
      issueChanges: result.issueChanges,
      deadLetters: [],
      findingMirror: result.changes.findingMirror,
      derivedAt,
    };
    await tx.apply(result.changes, candidates.map((c) => c.event.eventId), output);
    return result.issueChanges;
  });
}

/** `postgres`: the run's server (the test file's usePostgres()); without one, embedded PGlite in `dir`. */
export async function startHarnessConsole(dir: string, postgres: PostgresForTests): Promise<HarnessConsole> {
  mkdirSync(dir, { recursive: true });
  if (!postgres.available) console.warn(`console harness: no PostgreSQL server (${postgres.reason}); embedded PGlite instead`);
  const target: StateTarget = postgres.available ? { kind: 'server', url: await createDatabase(postgres.url) } : { kind: 'embedded', path: join(dir, 'state') };
  const { store } = await PostgresStateStore.open(target);
  const sql = store.client;
  const closeStore = async () => {
    await store.close();
    if (target.kind === 'server') await dropDatabase(target.url);
  };
  try {
    const cipher = new VaultCipher(Buffer.alloc(32, 0xa7));
    const tokenizer = createTokenizer(Buffer.alloc(32, 0x5c));
    const rules = (await loadRulePack()).rules;
    const now = Date.now();
    const clock = () => new Date().toISOString();
    await store.takeOver(SCOPE);
    const events = CUSTOMERS.map((c, n) => eventOf(c, n, now));
    await runBatch(store, events, { rules, tokenizer, calendar: prcCalendar, engine: new PatternEngine(rules, prcCalendar, clock), now: clock, vault: cipher });

    const desk = createConsoleDesk(sql, { cipher, tokenizer });
    const { issues: active } = await desk.list({ limit: 200 });
    const issues = {} as Record<HarnessIssue, string>;
    for (const c of CUSTOMERS) {
      const issue = active.find((i) => i.ruleId === c.ruleId && i.customerToken === tokenizer.token('customer', c.id));
      if (!issue) throw new Error(`the pipeline opened no ${c.ruleId} issue for ${c.id}: ${active.map((i) => `${i.ruleId}/${i.customerToken.slice(0, 8)}`).join(', ')}`);
      issues[c.issue] = issue.issueId;
    }
    if (active.length !== CUSTOMERS.length) throw new Error(`expected one issue per customer, the pipeline opened ${active.map((i) => i.ruleId).join(', ')}`);

    const passwords = new Map<string, string>();
    for (const [username, role] of HARNESS_USERS) passwords.set(username, (await addUser(sql, username, role)).password);
    const app = await createConsoleServer({
      sql,
      desk,
      vault: (runner) => new PgVaultReader(runner, cipher),
      logger: createLogger('warn'),
      secureCookies: false,
      dashboards: { plugin: registerDashboardRoutes as never, options: { analytics: fakeAnalytics } },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      sql,
      desk,
      issues,
      passwords,
      async close() {
        await app.close();
        await closeStore();
      },
    };
  } catch (error) {
    await closeStore();
    throw error;
  }
}
