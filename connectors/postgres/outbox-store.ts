// The outbox relay's store over PostgreSQL (pipelines/runtime/outbox-relay.ts): pages of unsent
// rows locked FOR UPDATE SKIP LOCKED, marked sent in the transaction that handed them over. A
// correction sent is a transition of its issue (`correction-sent`), recorded in the same
// transaction under the locks a steward's action takes (steward-desk.ts `lockIssue`).
import type { IssueChange } from '../../pipelines/contract/issue.ts';
import { OUTBOX_CORRECTION, OUTBOX_ISSUE_CHANGE, type OutboxKind, type OutboxPage, type OutboxStore, type SealedCorrection } from '../../pipelines/runtime/outbox-relay.ts';
import { RELAY_ACTOR, recordOnly } from '../../pipelines/stewardship/lifecycle.ts';
import { SCHEMA } from './migrations.ts';
import { queryInIndexOrder, type SqlClient, type SqlRunner } from './sql-client.ts';
import { lockIssue, recordSystemTransition } from './steward-desk.ts';

const S = SCHEMA;

export class PostgresOutboxStore implements OutboxStore {
  readonly #client: SqlClient;
  readonly #now: () => string;

  constructor(client: SqlClient, now: () => string = () => new Date().toISOString()) {
    this.#client = client;
    this.#now = now;
  }

  drain(limit: number, kind: OutboxKind, send: (page: OutboxPage) => Promise<void>): Promise<number> {
    return this.#client.transaction(async (tx) => {
      // Walked in index order, never by a bitmap. A row marked sent leaves its index entry behind
      // until a vacuum (PGlite runs none of its own); a bitmap scan visits every such entry's row
      // on every drain, which grew to 83 ms a drain over a 300,000-customer run. An index scan
      // marks the entries it finds dead, and the next drains pass them by (flat, measured over
      // 100,000 rows sent). The planner takes the bitmap when it expects few rows.
      const rows = await queryInIndexOrder<{ id: string; payload: string }>(
        tx,
        `SELECT id, payload FROM ${S}.outbox WHERE sent_at IS NULL AND kind = $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [kind, limit],
      );
      if (rows.length === 0) return 0;
      const page: OutboxPage =
        kind === OUTBOX_ISSUE_CHANGE
          ? { issueChanges: rows.map((r) => ({ id: String(r.id), change: JSON.parse(r.payload) as IssueChange })), corrections: [] }
          : { issueChanges: [], corrections: rows.map((r) => ({ id: String(r.id), correction: JSON.parse(r.payload) as SealedCorrection })) };
      await send(page);
      await tx.query(`UPDATE ${S}.outbox SET sent_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => String(r.id))]);
      if (kind === OUTBOX_CORRECTION) for (const { correction } of page.corrections) await this.#sent(tx, correction);
      return rows.length;
    });
  }

  /** The issue's `correction-sent` transition: its history row, its state, its mirror's outbox row. */
  async #sent(tx: SqlRunner, correction: SealedCorrection): Promise<void> {
    const at = this.#now();
    // Locks first (the customer's key, as a steward's action), then the correction rows.
    await lockIssue(tx, correction.issueId);
    const fields = await tx.query<{ field: string }>(`UPDATE ${S}.corrections SET sent_at = now() WHERE issue_id = $1 RETURNING field`, [correction.issueId]);
    const note = `sent upstream: ${fields.map((f) => f.field).sort().join(', ')}`;
    await recordSystemTransition(tx, correction.issueId, RELAY_ACTOR, (issue) => recordOnly(issue, 'correction-sent', issue.lastEventId, at), note);
  }

  async unsent(kind: OutboxKind): Promise<number> {
    const [row] = await this.#client.query<{ n: string }>(`SELECT count(*) AS n FROM ${S}.outbox WHERE sent_at IS NULL AND kind = $1`, [kind]);
    return Number(row?.n ?? 0);
  }
}
