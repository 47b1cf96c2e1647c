// The real console server (pipelines/console/server.ts: sessions, CSRF, roles, access log, reveal
// approvals in an embedded PostgreSQL, PGlite) over a small in-memory desk that applies the real
// lifecycle reducer (pipelines/stewardship/lifecycle.ts) to hand-made issues, and a fake vault
// with synthetic contacts. For browser tests of the UI's pages and roles without a pipeline run;
// tests/browser/console-flow.test.ts is the one over the real pipeline, desk and vault.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { migrateState } from '../../../connectors/postgres/migrations.ts';
import { createSqlClient, type SqlClient } from '../../../connectors/postgres/sql-client.ts';
import type { IssueState } from '../../../pipelines/contract/issue.ts';
import { ConflictError, NotFoundError, StaleVersionError } from '../../../pipelines/errors.ts';
import { addUser } from '../../../pipelines/console/auth/users.ts';
import { registerDashboardRoutes, type DashboardAnalytics } from '../../../pipelines/console/routes/dashboards.ts';
import { createConsoleServer } from '../../../pipelines/console/server.ts';
import type { RawContact } from '../../../pipelines/privacy/vault-crypto.ts';
import { createLogger } from '../../../pipelines/runtime/logger.ts';
import type { Actor, HistoryEntry, IssueQuery, StewardAction, StewardDesk } from '../../../pipelines/runtime/steward-desk.ts';
import { applyStewardAction } from '../../../pipelines/stewardship/lifecycle.ts';
import { prcCalendar } from '../../../pipelines/calendar/prc-calendar.ts';
import type { Role } from '../../../pipelines/stewardship/roles.ts';

const HOUR = 3_600_000;

/** Synthetic issues: varied queues, rules, channels and due times (breached, due soon, later), one core tier. */
export function sampleIssues(now = Date.now()): IssueState[] {
  const base = (i: number, over: Partial<IssueState>): IssueState => {
    const due = new Date(now + (over.dueAt ? 0 : (i - 2) * 20 * HOUR));
    return {
      issueId: `iss-${String(i).padStart(3, '0')}`,
      queue: 'contact-verification',
      ruleId: 'mobile-format',
      ruleVersion: 1,
      customerToken: `ct_${String(i).padStart(4, '0')}a1b2c3d4e5f6`,
      status: 'open',
      resolution: '',
      priority: 'P2',
      severity: 'medium',
      openedAt: new Date(now - 48 * HOUR).toISOString(),
      openedByEventId: `ev-${i}`,
      dueAt: due.toISOString(),
      dueDate: due.toISOString().slice(0, 10),
      deadlineBasis: 'working-days:3',
      deadlineProvisional: false,
      occurrences: 1,
      lastEventId: `ev-${i}`,
      lastSeenAt: new Date(now - 48 * HOUR).toISOString(),
      updatedAt: new Date(now - 48 * HOUR).toISOString(),
      version: 1,
      assignee: '',
      escalated: false,
      tier: 'general',
      pausedSince: '',
      pauseReason: '',
      callbackAttempts: 0,
      nextAttemptAt: '',
      outcome: '',
      source: 'core-banking',
      channel: 'bancassurance',
      agentToken: 'at_0001',
      ...over,
    };
  };
  return [
    base(0, { ruleId: 'mobile-format', escalated: true }),
    base(1, { ruleId: 'landline-format', channel: 'agency' }),
    base(2, { ruleId: 'mobile-format', source: 'policy-admin' }),
    base(3, { queue: 'identity-verification', ruleId: 'id-number-format', priority: 'P1', severity: 'high', tier: 'core' }),
    base(4, { queue: 'callback-verification', ruleId: 'shared-mobile', channel: 'online' }),
    base(5, { queue: 'record-completeness', ruleId: 'address-incomplete', priority: 'P3', severity: 'low' }),
    base(6, { ruleId: 'placeholder-value' }),
  ];
}

/** A synthetic contact per token (generated data only). */
function contactOf(token: string): RawContact {
  const n = Number.parseInt(token.slice(3, 7), 10) || 0;
  return { customerId: `C${100000 + n}`, name: `测试客户${n}`, mobile: `1380013${String(8000 + n)}`, landline: `010-6552${String(1000 + n)}`, address: `北京市朝阳区建国路${n + 1}号` };
}

export class InMemoryDesk implements StewardDesk {
  readonly issues = new Map<string, IssueState>();
  readonly history = new Map<string, HistoryEntry[]>();
  readonly #sql: SqlClient;

  constructor(sql: SqlClient, issues: readonly IssueState[]) {
    this.#sql = sql;
    for (const issue of issues) {
      this.issues.set(issue.issueId, issue);
      this.history.set(issue.issueId, [
        { issueId: issue.issueId, seq: 1, at: issue.openedAt, actor: 'pipeline', actorRole: 'pipeline', action: 'opened', fromStatus: '', toStatus: 'open', note: '', evidence: {}, versionAfter: 1 },
      ]);
    }
  }

  /** The issues table the console's reveal reads (status, assignee, tier), kept in step. */
  async store(issue: IssueState): Promise<void> {
    await this.#sql.query(
      `INSERT INTO verity.issues (issue_id, rule_id, customer_token, status, version, state) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       ON CONFLICT (issue_id) DO UPDATE SET status = excluded.status, version = excluded.version, state = excluded.state`,
      [issue.issueId, issue.ruleId, issue.customerToken, issue.status, issue.version, JSON.stringify(issue)],
    );
  }

  async list(query: IssueQuery): Promise<{ issues: IssueState[]; total: number }> {
    const active = ['open', 'claimed', 'in-verification'];
    const all = [...this.issues.values()].filter(
      (i) =>
        (query.status ? i.status === query.status : active.includes(i.status)) &&
        (!query.queue || i.queue === query.queue) &&
        (!query.ruleId || i.ruleId === query.ruleId) &&
        (!query.channel || i.channel === query.channel) &&
        (!query.source || i.source === query.source) &&
        (!query.agentToken || i.agentToken === query.agentToken) &&
        (!query.dueBefore || i.dueAt < new Date(query.dueBefore).toISOString()) &&
        (query.assignee === undefined || i.assignee === query.assignee) &&
        (query.escalated === undefined || String(i.escalated) === String(query.escalated)),
    );
    all.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
    const offset = Number(query.offset ?? 0);
    return { issues: all.slice(offset, offset + Number(query.limit ?? 50)), total: all.length };
  }

  async get(issueId: string) {
    const issue = this.issues.get(issueId);
    if (!issue) return undefined;
    const evidence =
      issue.ruleId === 'shared-mobile'
        ? { reasons: ['mobile shared by 3 customers'], holders: [1, 2].map((k) => ({ customerToken: `ct_000${k}ffff`, masked: '138****8001', since: issue.openedAt, source: 'core-banking', channel: 'online', agentToken: 'at_0002' })) }
        : null;
    return { issue, history: [...(this.history.get(issueId) ?? [])], evidence };
  }

  async act(issueId: string, expectedVersion: number, actor: Actor, action: StewardAction): Promise<IssueState> {
    const issue = this.issues.get(issueId);
    if (!issue) throw new NotFoundError(`no issue ${issueId}`);
    if (issue.version !== expectedVersion) throw new StaleVersionError(issueId, expectedVersion, issue.version);
    const t = applyStewardAction(issue, action, { at: new Date().toISOString(), actor, calendar: prcCalendar });
    this.issues.set(issueId, t.state);
    this.history.get(issueId)!.push(t.entry);
    await this.store(t.state);
    return t.state;
  }

  async assign(issueIds: readonly string[], assignee: string, actor: Actor) {
    const assigned: IssueState[] = [];
    const refused: { issueId: string; status: number; message: string }[] = [];
    for (const id of issueIds) {
      const issue = this.issues.get(id);
      try {
        if (!issue) throw new NotFoundError(`no issue ${id}`);
        assigned.push(await this.act(id, issue.version, actor, { type: 'assign', assignee }));
      } catch (error) {
        refused.push({ issueId: id, status: error instanceof ConflictError ? 409 : 404, message: (error as Error).message });
      }
    }
    return { assigned, refused };
  }

  async breaches(): Promise<IssueState[]> {
    const now = new Date().toISOString();
    return [...this.issues.values()].filter((i) => ['open', 'claimed', 'in-verification'].includes(i.status) && i.dueAt < now);
  }
}

/** Canned dashboard rows, shaped as the SQL files return them, chosen by a column each query names. */
const fakeAnalytics: DashboardAnalytics = {
  database: 'verity',
  async queryRows<T>(sql: string): Promise<T[]> {
    const day = (d: number) => new Date(Date.now() - d * 24 * HOUR).toISOString().slice(0, 10);
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
  readonly desk: InMemoryDesk;
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

export async function startHarnessConsole(dir: string): Promise<HarnessConsole> {
  mkdirSync(dir, { recursive: true });
  const sql = await createSqlClient({ kind: 'embedded', path: join(dir, 'state') });
  await migrateState(sql);
  const desk = new InMemoryDesk(sql, sampleIssues());
  for (const issue of desk.issues.values()) await desk.store(issue);
  const passwords = new Map<string, string>();
  for (const [username, role] of HARNESS_USERS) passwords.set(username, (await addUser(sql, username, role)).password);
  const app = await createConsoleServer({
    sql,
    desk,
    vault: () => ({
      async masked(token) {
        const c = contactOf(token);
        return {
          customerToken: token,
          tier: 'general',
          source: 'core-banking',
          updatedAt: new Date().toISOString(),
          masked: { kind: 'person', tier: 'general', channel: 'bancassurance', nameMasked: `${c.name.slice(0, 1)}**`, mobileMasked: `${c.mobile.slice(0, 3)}****${c.mobile.slice(-4)}`, landlineMasked: '010-****1000', emailMasked: '', addressMasked: '北京市朝阳区****', idNumberMasked: '110***********123X' },
        };
      },
      async reveal(token) {
        return contactOf(token);
      },
    }),
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
    passwords,
    async close() {
      await app.close();
      await sql.close();
    },
  };
}
