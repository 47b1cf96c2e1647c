// The stewards' desk over the operational store (pipelines/runtime/steward-desk.ts).
//
// Concurrency. Every action runs in one transaction that takes the store lock shared and the
// customer's key lock (`c:<customerToken>`), exactly as the pipeline's batch transaction does
// (state-store.ts): a batch changing the customer's issues and a steward's action wait for each
// other instead of overwriting each other. Under the lock the issue is read again and its version
// compared with the one the steward acted on: a stale one is refused (409), also across processes.
// The new state, its history row and its outbox row (for the mirrors) commit together.
import type { WorkingDayCalendar } from '../../pipelines/calendar/prc-calendar.ts';
import { stableId } from '../../pipelines/contract/ids.ts';
import { CORRECTION_SCHEMA, CustomerCorrection } from '../../pipelines/contract/correction.ts';
import { isActive, SEVERITIES, withLifecycle, type IssueChange, type IssueState } from '../../pipelines/contract/issue.ts';
import { ConflictError, IssueRequestError, NotFoundError, StaleVersionError } from '../../pipelines/errors.ts';
import type { Tokenizer } from '../../pipelines/privacy/tokens.ts';
import { correctionToken, membershipFingerprint, type CorrectableField, type FindingEvidence } from '../../pipelines/quality/patterns/pattern-state.ts';
import type { AssignResult, IssueDetail, IssueQuery, StewardDesk } from '../../pipelines/runtime/steward-desk.ts';
import { IssueQuery as IssueQuerySchema } from '../../pipelines/runtime/steward-desk.ts';
import { StewardAction, type Actor } from '../../pipelines/stewardship/actions.ts';
import { applyStewardAction, systemEntry, type HistoryEntry, type SystemActor } from '../../pipelines/stewardship/lifecycle.ts';
import { OUTBOX_CORRECTION, OUTBOX_ISSUE_CHANGE, type CorrectionSealer, type SealedCorrection } from '../../pipelines/runtime/outbox-relay.ts';
import { SCHEMA } from './migrations.ts';
import type { SqlClient, SqlRunner } from './sql-client.ts';
import { ACTIVE_SQL, historyRow, lockKey, STORE_LOCK } from './state-store.ts';

const S = SCHEMA;

/** What the desk needs of the reveal vault (vault-store.ts and the vault's cipher; wired in pipelines/console/desk-wiring.ts). */
export interface DeskVaultHooks {
  /**
   * Drops the customer's vault row when it has no active issue left (in the resolving transaction).
   */
  deleteVaultIfNoActive(tx: SqlRunner, customerToken: string): Promise<unknown>;
  /**
   * The customer's upstream id (the key of correction events), from its sealed vault row; read
   * before the row is dropped.
   */
  customerIdOf(tx: SqlRunner, customerToken: string): Promise<string | undefined>;
  /** Seals corrections with the vault's cipher, bound to the customer token. */
  readonly sealer: CorrectionSealer;
}

export interface PostgresStewardDeskOptions {
  readonly calendar: WorkingDayCalendar;
  /** Keyed tokens of corrected values, compared with the upstream's next events. */
  readonly tokenizer: Tokenizer;
  /** The reveal vault (pipelines/console/desk-wiring.ts wires it): dropped on the last close, sealing corrections. */
  readonly vault: DeskVaultHooks;
  /** Wall clock (ISO instant); injectable for tests. */
  readonly now?: () => string;
}

interface IssueRow {
  state: IssueState;
  total?: string;
}

interface HistoryRow {
  issue_id: string;
  seq: number;
  at: string;
  actor: string;
  actor_role: string;
  action: string;
  from_status: string;
  to_status: string;
  note: string;
  evidence: HistoryEntry['evidence'];
  version_after: number;
}

const entryOf = (r: HistoryRow): HistoryEntry =>
  ({
    issueId: r.issue_id,
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    actorRole: r.actor_role,
    action: r.action,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    note: r.note,
    evidence: r.evidence,
    versionAfter: Number(r.version_after),
  }) as HistoryEntry;

const SEVERITY_SQL = `array_position(ARRAY[${[...SEVERITIES].reverse().map((s) => `'${s}'`).join(', ')}]::text[], i.state->>'severity')`;
const TIER_SQL = `coalesce(array_position(ARRAY['core', 'important', 'general']::text[], i.state->>'tier'), 3)`;
const DUE_SQL = `(i.state->>'dueAt')::timestamptz`;

export class PostgresStewardDesk implements StewardDesk {
  readonly #client: SqlClient;
  readonly #options: PostgresStewardDeskOptions;
  readonly #vault: DeskVaultHooks;
  readonly #now: () => string;

  constructor(client: SqlClient, options: PostgresStewardDeskOptions) {
    this.#client = client;
    this.#options = options;
    this.#vault = options.vault;
    this.#now = options.now ?? (() => new Date().toISOString());
  }


  async list(input: IssueQuery): Promise<{ issues: IssueState[]; total: number }> {
    const query = IssueQuerySchema.parse(input);
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    where.push(query.status ? `i.status = ${param(query.status)}` : `i.status IN ${ACTIVE_SQL}`);
    const byField: [keyof typeof query, string][] = [
      ['queue', 'queue'],
      ['ruleId', 'ruleId'],
      ['channel', 'channel'],
      ['source', 'source'],
      ['agentToken', 'agentToken'],
    ];
    for (const [key, field] of byField) if (query[key] !== undefined) where.push(`i.state->>'${field}' = ${param(query[key])}`);
    if (query.assignee !== undefined) where.push(`coalesce(i.state->>'assignee', '') = ${param(query.assignee)}`);
    if (query.escalated !== undefined) where.push(`coalesce((i.state->>'escalated')::boolean, false) = ${param(query.escalated)}`);
    if (query.dueBefore !== undefined) where.push(`${DUE_SQL} < ${param(query.dueBefore)}::timestamptz`);
    const rows = await this.#client.query<IssueRow>(
      `SELECT i.state, count(*) OVER () AS total FROM ${S}.issues i WHERE ${where.join(' AND ')}
       ORDER BY ${SEVERITY_SQL}, ${TIER_SQL}, ${DUE_SQL}, i.issue_id
       LIMIT ${param(query.limit)} OFFSET ${param(query.offset)}`,
      params,
    );
    let total = Number(rows[0]?.total ?? 0);
    if (rows.length === 0 && query.offset > 0) {
      const [row] = await this.#client.query<{ n: string }>(`SELECT count(*) AS n FROM ${S}.issues i WHERE ${where.join(' AND ')}`, params.slice(0, -2));
      total = Number(row?.n ?? 0);
    }
    return { issues: rows.map((r) => withLifecycle(r.state)), total };
  }

  async get(issueId: string): Promise<IssueDetail | undefined> {
    const [row] = await this.#client.query<IssueRow>(`SELECT state FROM ${S}.issues WHERE issue_id = $1`, [issueId]);
    if (!row) return undefined;
    const issue = withLifecycle(row.state);
    const history = (await this.#client.query<HistoryRow>(`SELECT * FROM ${S}.issue_history WHERE issue_id = $1 ORDER BY seq`, [issueId])).map(entryOf);
    const [finding] = await this.#client.query<{ evidence: FindingEvidence }>(`SELECT evidence FROM ${S}.active_findings WHERE rule_id = $1 AND customer_token = $2`, [
      issue.ruleId,
      issue.customerToken,
    ]);
    return { issue, history, evidence: finding?.evidence ?? null };
  }

  async act(issueId: string, expectedVersion: number, actor: Actor, input: StewardAction): Promise<IssueState> {
    const action = StewardAction.parse(input);
    return this.#client.transaction(async (tx) => {
      const issue = await lockIssue(tx, issueId);
      if (issue.version !== expectedVersion) throw new StaleVersionError(issueId, expectedVersion, issue.version);
      const at = this.#now();
      const t = applyStewardAction(issue, action, { at, actor, calendar: this.#options.calendar });
      const [updated] = await tx.query<{ issue_id: string }>(
        `UPDATE ${S}.issues SET status = $2, version = $3, state = $4::jsonb WHERE issue_id = $1 AND version = $5 RETURNING issue_id`,
        [issueId, t.state.status, t.state.version, JSON.stringify(t.state), issue.version],
      );
      if (!updated) throw new StaleVersionError(issueId, expectedVersion, issue.version + 1);
      await writeHistory(tx, [t.entry]);
      await writeOutbox(tx, OUTBOX_ISSUE_CHANGE, [t.change]);
      if (action.type === 'resolve') {
        if (action.outcome === 'corrected') await this.#correction(tx, t.state, action.corrected!, actor, at);
        if (action.outcome === 'legitimate') await suppress(tx, t.state);
        if (!isActive(t.state.status)) await this.#vault.deleteVaultIfNoActive(tx, issue.customerToken);
      }
      return t.state;
    });
  }

  /** The corrected values: as tokens (for confirmation) in verity.corrections, sealed in the outbox for upstream. */
  async #correction(tx: SqlRunner, issue: IssueState, values: Partial<Record<CorrectableField, string>>, actor: Actor, at: string): Promise<void> {
    const fields = Object.entries(values).filter((e): e is [CorrectableField, string] => typeof e[1] === 'string' && e[1] !== '');
    const customerId = await this.#vault.customerIdOf(tx, issue.customerToken);
    if (!customerId) throw new ConflictError(`issue ${issue.issueId}: the customer's upstream id is not in the vault, so the correction cannot be addressed`);
    const correction = CustomerCorrection.parse({
      schema: CORRECTION_SCHEMA,
      eventId: stableId('customer-correction', issue.issueId, String(issue.version)),
      customerId,
      issueId: issue.issueId,
      fields: Object.fromEntries(fields),
      steward: actor.username,
      correctedAt: at,
    });
    const rows = fields.map(([field, value]) => ({
      issue_id: issue.issueId,
      customer_token: issue.customerToken,
      field,
      value_token: correctionToken(this.#options.tokenizer, field, value),
      corrected_at: at,
    }));
    await tx.query(
      `INSERT INTO ${S}.corrections (issue_id, customer_token, field, value_token, corrected_at)
       SELECT issue_id, customer_token, field, value_token, corrected_at FROM jsonb_to_recordset($1::jsonb)
         AS x(issue_id text, customer_token text, field text, value_token text, corrected_at text)
       ON CONFLICT (issue_id, field) DO UPDATE SET value_token = excluded.value_token, corrected_at = excluded.corrected_at, sent_at = NULL, confirmed_at = NULL`,
      [JSON.stringify(rows)],
    );
    const sealed: SealedCorrection = { issueId: issue.issueId, customerToken: issue.customerToken, sealed: this.#vault.sealer.seal(correction, issue.customerToken) };
    await tx.query(`INSERT INTO ${S}.outbox (kind, payload) VALUES ($1, $2)`, [OUTBOX_CORRECTION, JSON.stringify(sealed)]);
  }

  async assign(issueIds: readonly string[], assignee: string, actor: Actor): Promise<AssignResult> {
    const assigned: IssueState[] = [];
    const refused: { issueId: string; status: number; message: string }[] = [];
    for (const issueId of issueIds) {
      const [row] = await this.#client.query<{ version: number }>(`SELECT version FROM ${S}.issues WHERE issue_id = $1`, [issueId]);
      try {
        if (!row) throw new NotFoundError(`no issue ${issueId}`);
        assigned.push(await this.act(issueId, Number(row.version), actor, { type: 'assign', assignee }));
      } catch (error) {
        if (!(error instanceof IssueRequestError)) throw error;
        refused.push({ issueId, status: error.status, message: error.message });
      }
    }
    return { assigned, refused };
  }

  async breaches(now = this.#now()): Promise<IssueState[]> {
    const rows = await this.#client.query<IssueRow>(
      `SELECT i.state FROM ${S}.issues i WHERE i.status IN ${ACTIVE_SQL} AND ${DUE_SQL} < $1::timestamptz ORDER BY ${DUE_SQL}, i.issue_id`,
      [now],
    );
    return rows.map((r) => withLifecycle(r.state));
  }
}

/**
 * Takes the locks a batch of the customer's would take (the store shared, the customer's key) and
 * reads the issue under them. Other key locks are never taken here, so no order can deadlock.
 */
export async function lockIssue(tx: SqlRunner, issueId: string): Promise<IssueState> {
  await tx.query('SELECT pg_advisory_xact_lock_shared($1)', [STORE_LOCK.toString()]);
  const [first] = await tx.query<{ customer_token: string }>(`SELECT customer_token FROM ${S}.issues WHERE issue_id = $1`, [issueId]);
  if (!first) throw new NotFoundError(`no issue ${issueId}`);
  await tx.query(`SELECT ${S}.lock_keys($1::bigint[])`, [[lockKey(`c:${first.customer_token}`).toString()]]);
  const [row] = await tx.query<{ state: IssueState }>(`SELECT state FROM ${S}.issues WHERE issue_id = $1 FOR UPDATE`, [issueId]);
  if (!row) throw new NotFoundError(`no issue ${issueId}`);
  return withLifecycle(row.state);
}

/**
 * A transition made by one of Verity's own processes (the SLA clock's reminders and breaches, the
 * relay's `correction-sent`): under the same locks as a steward's action, `build` turns the issue
 * as it stands into its change (or nothing); the state, the history row and the mirror's outbox
 * row are written in the caller's transaction. Returns the change, if any.
 */
export async function recordSystemTransition(
  tx: SqlRunner,
  issueId: string,
  by: SystemActor,
  build: (issue: IssueState) => IssueChange | undefined,
  note = '',
): Promise<IssueChange | undefined> {
  const issue = await lockIssue(tx, issueId);
  const change = build(issue);
  if (!change) return undefined;
  await tx.query(`UPDATE ${S}.issues SET status = $2, version = $3, state = $4::jsonb WHERE issue_id = $1`, [
    issueId,
    change.issue.status,
    change.issue.version,
    JSON.stringify(change.issue),
  ]);
  await writeHistory(tx, [systemEntry(issue, change, by, note, change.occurredAt)]);
  await writeOutbox(tx, OUTBOX_ISSUE_CHANGE, [change]);
  return change;
}

export async function writeHistory(tx: SqlRunner, entries: readonly HistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.query(
    `INSERT INTO ${S}.issue_history (issue_id, seq, at, actor, actor_role, action, from_status, to_status, note, evidence, version_after)
     SELECT issue_id, seq, at, actor, actor_role, action, from_status, to_status, note, evidence, version_after
     FROM jsonb_populate_recordset(NULL::${S}.issue_history, $1::jsonb)`,
    [JSON.stringify(entries.map(historyRow))],
  );
}

/** Issue changes for the mirrors, drained by the outbox relay. */
export async function writeOutbox(tx: SqlRunner, kind: string, payloads: readonly IssueChange[]): Promise<void> {
  if (payloads.length === 0) return;
  await tx.query(`INSERT INTO ${S}.outbox (kind, payload) SELECT $1, unnest($2::text[])`, [kind, payloads.map((p) => JSON.stringify(p))]);
}

/**
 * A legitimate pattern: suppressed for its group while the group keeps its members. The group is
 * the active finding's; its members are the holders of the shared value, or the agent's customers
 * (as the pattern engine counts them: pattern-engine.ts `groupMembers`). Not a pattern, or no
 * group: nothing to suppress.
 */
async function suppress(tx: SqlRunner, issue: IssueState): Promise<void> {
  const [finding] = await tx.query<{ group_token: string }>(`SELECT group_token FROM ${S}.active_findings WHERE rule_id = $1 AND customer_token = $2`, [
    issue.ruleId,
    issue.customerToken,
  ]);
  const group = finding?.group_token ?? '';
  if (group === '') return;
  let members = (
    await tx.query<{ customer_token: string }>(`SELECT customer_token FROM ${S}.holders WHERE value_key = ANY($1::text[])`, [[`mobile:${group}`, `account:${group}`]])
  ).map((r) => r.customer_token);
  if (members.length === 0) {
    members = (await tx.query<{ customer_token: string }>(`SELECT customer_token FROM ${S}.customers WHERE agent_token = $1 AND NOT deleted`, [group])).map((r) => r.customer_token);
  }
  await tx.query(
    `INSERT INTO ${S}.suppressions (rule_id, group_token, membership, issue_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (rule_id, group_token) DO UPDATE SET membership = excluded.membership, issue_id = excluded.issue_id, created_at = now()`,
    [issue.ruleId, group, membershipFingerprint(members), issue.issueId],
  );
}

