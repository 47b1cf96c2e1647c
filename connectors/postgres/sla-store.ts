// The SLA clock's store over PostgreSQL, the operational truth: it reads the active issues and
// raises each notice in one transaction per issue, like a steward's action on the desk — the
// store lock shared and the customer's key lock (as the pipeline's batch transaction takes them),
// then: the notice recorded (unique per issue, episode and kind, so a second clock, in another
// process or after a restart, raises nothing twice; a reopened issue starts a new episode), the history entry by `sla-clock`, the new state (a
// breach escalates the issue to the supervisors' queue), and the outbox row that the relay
// mirrors to the analytics store (`issues`, `issue_events`, `issue_sla_events`) and the issue topic.
import type { PauseInterval } from '../../pipelines/calendar/working-time.ts';
import { IssueState, withLifecycle, type IssueChange } from '../../pipelines/contract/issue.ts';
import { SLA_NOTICE_KINDS, type SlaNotice, type SlaNoticeKind } from '../../pipelines/quality/sla.ts';
import type { SlaCandidate, SlaDecision, SlaStore } from '../../pipelines/runtime/sla-clock.ts';
import { CLOCK_ACTOR, systemEntry } from '../../pipelines/stewardship/lifecycle.ts';
import { SCHEMA } from './migrations.ts';
import type { SqlClient } from './sql-client.ts';
import { ACTIVE_SQL } from './state-store.ts';
import { OUTBOX_ISSUE_CHANGE } from '../../pipelines/runtime/outbox-relay.ts';
import { lockIssue, writeHistory, writeOutbox } from './steward-desk.ts';

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

/** A stored state; one stored before the lifecycle fields existed gets their defaults. */
const stateOf = (state: unknown): IssueState => IssueState.parse(withLifecycle(asJson(state)));

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

  async slaCandidates(): Promise<readonly SlaCandidate[]> {
    const rows = await this.#client.query<CandidateRow>(
      `SELECT ${CANDIDATE_COLUMNS}
         FROM ${S}.issues i ${EPISODE}
        WHERE i.status IN ${ACTIVE_SQL}
          AND coalesce(i.state->>'pausedSince', '') = ''
          AND NOT ${BREACHED}
        ORDER BY i.issue_id`,
    );
    return rows.map(candidateOf);
  }

  raiseSlaNotice(issueId: string, at: string, decide: SlaDecision): Promise<SlaNotice | undefined> {
    return this.#client.transaction(async (tx) => {
      // The same locks as the pipeline's batch and the stewards' desk: the store shared, the customer's key.
      await lockIssue(tx, issueId);
      const [row] = await tx.query<CandidateRow>(`SELECT ${CANDIDATE_COLUMNS} FROM ${S}.issues i ${EPISODE} WHERE i.issue_id = $1`, [issueId]);
      if (!row) return undefined;
      // Decided again on the issue as it is now: a steward may have paused or resolved it since the sweep read it.
      const candidate = candidateOf(row);
      const kind = decide(candidate);
      if (!kind) return undefined;
      const before = candidate.issue;
      const claimed = await tx.query(
        `INSERT INTO ${S}.sla_notices (issue_id, episode, kind, noticed_at, issue_version, queue) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (issue_id, episode, kind) DO NOTHING RETURNING issue_id`,
        [issueId, Number(row.episode), kind, at, before.version + 1, before.queue],
      );
      if (claimed.length === 0) return undefined;
      const issue: IssueState = { ...before, ...(kind === 'breached' ? { escalated: true } : {}), updatedAt: at, version: before.version + 1 };
      const change: IssueChange = { change: kind, issue, eventId: before.lastEventId, occurredAt: at };
      const updated = await tx.query(`UPDATE ${S}.issues SET status = $2, version = $3, state = $4::jsonb WHERE issue_id = $1 AND version = $5 RETURNING issue_id`, [
        issueId,
        issue.status,
        issue.version,
        JSON.stringify(issue),
        before.version,
      ]);
      if (updated.length !== 1) throw new Error(`issue ${issueId} changed under the SLA clock's locks`);
      await writeHistory(tx, [systemEntry(before, change, CLOCK_ACTOR, noteOf(kind, before))]);
      await writeOutbox(tx, OUTBOX_ISSUE_CHANGE, [change]);
      return { kind, issue, at };
    });
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
