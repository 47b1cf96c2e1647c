// The SLA clock's store over PostgreSQL, the operational truth: it reads the issues it watches and
// raises the notices in one transaction per chunk of issues, with set-based statements (a fixed
// number per chunk, not per issue) — the store lock shared and the customers' key locks (as the
// pipeline's batch transaction and a steward's action on the desk take them), then for each issue
// still due: the notice recorded (unique per issue, episode and kind, so a second clock, in another
// process or after a restart, raises nothing twice; a reopened issue starts a new episode), the
// history entry by `sla-clock`, the new state (a breach escalates the issue to the supervisors'
// queue), and the outbox row that the relay mirrors to the analytics store (`issues`,
// `issue_events`, `issue_sla_events`) and the issue topic.
import type { PauseInterval } from '../../pipelines/calendar/working-time.ts';
import { IssueState, withLifecycle, type IssueChange } from '../../pipelines/contract/issue.ts';
import { withFastPath } from '../../pipelines/contract/fast-parse.ts';
import { SLA_NOTICE_KINDS, type SlaNotice, type SlaNoticeKind } from '../../pipelines/quality/sla.ts';
import type { SlaCandidate, SlaCandidatePage, SlaDecision, SlaPageRequest, SlaStore } from '../../pipelines/runtime/sla-clock.ts';
import { CLOCK_ACTOR, systemEntry } from '../../pipelines/stewardship/lifecycle.ts';
import { SCHEMA } from './migrations.ts';
import { ACTIVE_SQL, lockKeysInOrder, MAX_KEY_LOCKS, STORE_LOCK } from './state-store.ts';
import { queryInIndexOrder, retryOnConflict, type SqlClient, type SqlRunner } from './sql-client.ts';
import { OUTBOX_ISSUE_CHANGE } from '../../pipelines/runtime/outbox-relay.ts';
import { writeHistory, writeOutbox } from './steward-desk.ts';

/** Tries of a chunk that lost a deadlock to a pipeline batch. */
const CONFLICT_ATTEMPTS = 5;

const S = SCHEMA;

interface CandidateRow {
  state: unknown;
  episode: number;
  had: string[] | null;
  steps: Array<{ action: string; at: unknown }> | null;
}

/** An instant read back from a timestamptz or text column, as ISO 8601. */
function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

const asJson = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));

/** Ended pauses from the issue's `pause` and `resume` entries, in order. */
function pausesOf(steps: CandidateRow['steps']): PauseInterval[] {
  const pauses: PauseInterval[] = [];
  let from: string | undefined;
  for (const step of asJson<CandidateRow['steps']>(steps) ?? []) {
    if (step.action === 'pause') from = iso(step.at);
    else if (step.action === 'resume' && from !== undefined) {
      pauses.push({ from, to: iso(step.at) });
      from = undefined;
    }
  }
  return pauses;
}

const parseIssueState = withFastPath(IssueState);

/** A stored state; one stored before the lifecycle fields existed gets their defaults. */
function stateOf(state: unknown): IssueState {
  const parsed = parseIssueState(withLifecycle(asJson(state)));
  if (!parsed.success) throw parsed.error;
  return parsed.data;
}

function candidateOf(row: CandidateRow): SlaCandidate {
  const had = (row.had ?? []).filter((k): k is SlaNoticeKind => (SLA_NOTICE_KINDS as readonly string[]).includes(k));
  return { issue: stateOf(row.state), had, pauses: pausesOf(row.steps) };
}

/**
 * The issue's current episode: the seq of the history entry that opened or last reopened it (1
 * for an issue opened before the history existed). A reopened issue's deadline is watched afresh.
 */
const EPISODE = `CROSS JOIN LATERAL (
  SELECT coalesce(max(h.seq), 1) AS episode FROM ${S}.issue_history h WHERE h.issue_id = i.issue_id AND h.action IN ('opened', 'reopened')) e`;

/** The state, the episode, and this episode's notices and every pause/resume step of the issue `i`. */
const CANDIDATE_COLUMNS = `
  i.state, e.episode,
  (SELECT array_agg(n.kind ORDER BY n.kind) FROM ${S}.sla_notices n WHERE n.issue_id = i.issue_id AND n.episode = e.episode) AS had,
  (SELECT json_agg(json_build_object('action', h.action, 'at', h.at) ORDER BY h.seq)
     FROM ${S}.issue_history h WHERE h.issue_id = i.issue_id AND h.action IN ('pause', 'resume')) AS steps`;

/** This episode's breach notice of the issue `i`. */
const BREACHED = `EXISTS (SELECT 1 FROM ${S}.sla_notices n WHERE n.issue_id = i.issue_id AND n.episode = e.episode AND n.kind = 'breached')`;

/** Breached issues still being worked, per queue: the supervisors' breach board. */
export interface BreachCount {
  readonly queue: string;
  readonly breached: number;
}

export class PostgresSlaStore implements SlaStore {
  readonly #client: SqlClient;

  constructor(client: SqlClient) {
    this.#client = client;
  }

  // A page is two reads in one transaction. The page's ids: the first `limit` watched issues
  // after `after` (sla_watch: active and not breached in their episode, kept by the history's
  // trigger, migration 12), in the primary key's order (queryInIndexOrder: with a bitmap, each
  // page read and sorted every row after the cursor, the whole table again for every page). Then
  // the candidates among them, checked again against the issues themselves: their subqueries are
  // served by the primary keys (issue_history's (issue_id, seq), sla_notices' (issue_id, episode,
  // kind)), a few index rows each, so they need no index of their own.
  async slaCandidates({ after, limit }: SlaPageRequest): Promise<SlaCandidatePage> {
    return this.#client.transaction(async (tx) => {
      const page = await queryInIndexOrder<{ issue_id: string }>(
        tx,
        `SELECT issue_id FROM ${S}.sla_watch WHERE ($1::text IS NULL OR issue_id > $1::text) ORDER BY issue_id LIMIT $2`,
        [after ?? null, limit],
      );
      const next = page.length === limit ? page.at(-1)!.issue_id : undefined;
      if (page.length === 0) return { candidates: [], next };
      const rows = await tx.query<CandidateRow>(
        `SELECT ${CANDIDATE_COLUMNS}
           FROM ${S}.issues i ${EPISODE}
          WHERE i.issue_id = ANY($1::text[])
            AND i.status IN ${ACTIVE_SQL}
            AND coalesce(i.state->>'pausedSince', '') = ''
            AND NOT ${BREACHED}
          ORDER BY i.issue_id`,
        [page.map((r) => r.issue_id)],
      );
      return { candidates: rows.map(candidateOf), next };
    });
  }

  async raiseSlaNotices(issueIds: readonly string[], at: string, decide: SlaDecision): Promise<readonly SlaNotice[]> {
    const ids = [...new Set(issueIds)];
    if (ids.length === 0) return [];
    // The clock takes its keys in one sorted call, but a pipeline batch's second round of keys
    // comes out of order (state-store.ts load), and PostgreSQL may break the cycle on the clock's
    // side: run the chunk again rather than leave the rest of the sweep to the next tick.
    return retryOnConflict(() => this.#client.transaction((tx) => this.#raise(tx, ids, at, decide)), CONFLICT_ATTEMPTS);
  }

  /** One chunk's transaction: a fixed number of statements however many issues it holds. */
  async #raise(tx: SqlRunner, ids: readonly string[], at: string, decide: SlaDecision): Promise<SlaNotice[]> {
    // The same locks as the pipeline's batch and the stewards' desk: the store shared, then the
    // customers' keys in one call in key order (the global order every transaction follows). A
    // chunk of SLA_CHUNK issues names at most that many customers, under the cap on key locks per
    // transaction. A caller passing more issues than the cap takes the store alone instead (as a
    // wide pipeline batch does): that excludes every other writer, so no key is needed, and
    // counting issues rather than their customers decides it before any read.
    if (ids.length > MAX_KEY_LOCKS) await tx.query('SELECT pg_advisory_xact_lock($1)', [STORE_LOCK.toString()]);
    else {
      await tx.query('SELECT pg_advisory_xact_lock_shared($1)', [STORE_LOCK.toString()]);
      const tokens = await tx.query<{ customer_token: string }>(`SELECT DISTINCT customer_token FROM ${S}.issues WHERE issue_id = ANY($1::text[])`, [ids]);
      if (tokens.length === 0) return [];
      const keys = lockKeysInOrder(tokens.map((t) => `c:${t.customer_token}`));
      await tx.query(`SELECT ${S}.lock_keys($1::bigint[])`, [keys.map(String)]);
    }
    // Read under the locks, and decided again on the issues as they are now: a steward may have
    // paused or resolved one since the sweep read it.
    const rows = await tx.query<CandidateRow & { issue_id: string }>(
      `SELECT i.issue_id, ${CANDIDATE_COLUMNS} FROM ${S}.issues i ${EPISODE} WHERE i.issue_id = ANY($1::text[]) ORDER BY i.issue_id FOR UPDATE OF i`,
      [ids],
    );
    const due = rows.flatMap((row) => {
      const candidate = candidateOf(row);
      const kind = decide(candidate);
      return kind ? [{ kind, episode: Number(row.episode), before: candidate.issue }] : [];
    });
    if (due.length === 0) return [];
    // Exactly once per (issue, episode, kind): another clock that decided the same claimed it first.
    const claimedRows = await tx.query<{ issue_id: string }>(
      `INSERT INTO ${S}.sla_notices (issue_id, episode, kind, noticed_at, issue_version, queue)
       SELECT issue_id, episode, kind, $1::timestamptz, issue_version, queue
         FROM unnest($2::text[], $3::int[], $4::text[], $5::int[], $6::text[]) AS n(issue_id, episode, kind, issue_version, queue)
       ON CONFLICT (issue_id, episode, kind) DO NOTHING RETURNING issue_id`,
      [at, due.map((d) => d.before.issueId), due.map((d) => d.episode), due.map((d) => d.kind), due.map((d) => d.before.version + 1), due.map((d) => d.before.queue)],
    );
    const claimed = new Set(claimedRows.map((r) => r.issue_id));
    const raised = due
      .filter((d) => claimed.has(d.before.issueId))
      .map(({ kind, before }) => {
        const issue: IssueState = { ...before, ...(kind === 'breached' ? { escalated: true } : {}), updatedAt: at, version: before.version + 1 };
        const change: IssueChange = { change: kind, issue, eventId: before.lastEventId, occurredAt: at };
        return { kind, before, issue, change };
      });
    if (raised.length === 0) return [];
    const updated = await tx.query<{ issue_id: string }>(
      `UPDATE ${S}.issues AS i SET status = u.status, version = u.version, state = u.state::jsonb
         FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::int[]) AS u(issue_id, status, version, state, before)
        WHERE i.issue_id = u.issue_id AND i.version = u.before RETURNING i.issue_id`,
      [
        raised.map((r) => r.issue.issueId),
        raised.map((r) => r.issue.status),
        raised.map((r) => r.issue.version),
        raised.map((r) => JSON.stringify(r.issue)),
        raised.map((r) => r.before.version),
      ],
    );
    if (updated.length !== raised.length) {
      const changed = new Set(updated.map((r) => r.issue_id));
      const lost = raised.filter((r) => !changed.has(r.issue.issueId)).map((r) => r.issue.issueId);
      throw new Error(`issues ${lost.join(', ')} changed under the SLA clock's locks`);
    }
    await writeHistory(tx, raised.map((r) => systemEntry(r.before, r.change, CLOCK_ACTOR, noteOf(r.kind, r.before))));
    await writeOutbox(tx, OUTBOX_ISSUE_CHANGE, raised.map((r) => r.change));
    return raised.map(({ kind, issue }) => ({ kind, issue, at }));
  }

  /** Breached issues still active, per queue, most first. */
  async breachCounts(): Promise<BreachCount[]> {
    const rows = await this.#client.query<{ queue: string; breached: string | number }>(
      `SELECT i.state->>'queue' AS queue, count(*) AS breached
         FROM ${S}.issues i ${EPISODE}
        WHERE i.status IN ${ACTIVE_SQL} AND ${BREACHED}
        GROUP BY 1 ORDER BY 2 DESC, 1`,
    );
    return rows.map((r) => ({ queue: r.queue, breached: Number(r.breached) }));
  }

  /** Breached issues still active, the earliest due first. */
  async breachedIssues(): Promise<IssueState[]> {
    const rows = await this.#client.query<{ state: unknown }>(
      `SELECT i.state FROM ${S}.issues i ${EPISODE}
        WHERE i.status IN ${ACTIVE_SQL} AND ${BREACHED} ORDER BY i.state->>'dueAt', i.issue_id`,
    );
    return rows.map((r) => stateOf(r.state));
  }
}

function noteOf(kind: SlaNoticeKind, issue: IssueState): string {
  if (kind === 'breached') return `due ${issue.dueAt} passed: escalated to the supervisors' queue`;
  return `${kind === 'reminder-50' ? '50' : '80'} % of the allowed working time used (due ${issue.dueAt})`;
}
