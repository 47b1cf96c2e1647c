// The outbox relay's store over PostgreSQL (pipelines/runtime/outbox-relay.ts). A page of unsent
// rows is claimed for CLAIM_SECONDS in a short transaction (rows another relay locks or has
// claimed are skipped), sent outside any transaction, and marked sent in another: no store
// connection or row lock is held while a page is sent, and the embedded store, which has one
// connection, goes on with the pipeline's units meanwhile. A relay that dies mid-send leaves its
// claim to expire, and the page is sent again (delivery is at least once; every consumer
// de-duplicates). A correction sent is a transition of its issue (`correction-sent`), recorded
// when it is marked sent, once, under the locks a steward's action takes (steward-desk.ts `lockIssue`).
import type { IssueChange } from '../../pipelines/contract/issue.ts';
import { OUTBOX_CORRECTION, OUTBOX_ISSUE_CHANGE, type OutboxKind, type OutboxPage, type OutboxStore, type SealedCorrection } from '../../pipelines/runtime/outbox-relay.ts';
import { RELAY_ACTOR, recordOnly } from '../../pipelines/stewardship/lifecycle.ts';
import { SCHEMA } from './migrations.ts';
import { queryInIndexOrder, type SqlClient, type SqlRunner } from './sql-client.ts';
import { lockIssue, recordSystemTransition } from './steward-desk.ts';

const S = SCHEMA;

/**
 * How long a relay's claim on a page keeps other relays off it: longer than a page takes to send
 * (a publish, an analytics insert, their retries), so that a page is sent twice only when its
 * relay died or stalled, and short enough that a dead relay's page goes out within a minute.
 */
const CLAIM_SECONDS = 60;

export class PostgresOutboxStore implements OutboxStore {
  readonly #client: SqlClient;
  readonly #now: () => string;

  constructor(client: SqlClient, now: () => string = () => new Date().toISOString()) {
    this.#client = client;
    this.#now = now;
  }

  async drain(limit: number, kind: OutboxKind, send: (page: OutboxPage) => Promise<void>): Promise<number> {
    const rows = await this.#client.transaction(async (tx) => {
      // Walked in index order, never by a bitmap. A row marked sent leaves its index entry behind
      // until a vacuum (PGlite runs none of its own); a bitmap scan visits every such entry's row
      // on every drain, which grew to 83 ms a drain over a 300,000-customer run. An index scan
      // marks the entries it finds dead, and the next drains pass them by (flat, measured over
      // 100,000 rows sent). The planner takes the bitmap when it expects few rows.
      const page = await queryInIndexOrder<{ id: string; payload: string }>(
        tx,
        `SELECT id, payload FROM ${S}.outbox WHERE sent_at IS NULL AND kind = $1 AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [kind, limit],
      );
      const claimed = page.map((r) => ({ id: String(r.id), payload: r.payload }));
      if (claimed.length > 0) {
        await tx.query(`UPDATE ${S}.outbox SET claimed_until = now() + make_interval(secs => $2) WHERE id = ANY($1::bigint[])`, [claimed.map((r) => r.id), CLAIM_SECONDS]);
      }
      return claimed;
    });
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    const page: OutboxPage =
      kind === OUTBOX_ISSUE_CHANGE
        ? { issueChanges: rows.map(({ id, payload }) => ({ id, change: JSON.parse(payload) as IssueChange })), corrections: [] }
        : { issueChanges: [], corrections: rows.map(({ id, payload }) => ({ id, correction: JSON.parse(payload) as SealedCorrection })) };
    try {
      await send(page);
    } catch (error) {
      // Free for the next pass at once rather than when the claim runs out; if this fails too, the claim runs out.
      await this.#client.query(`UPDATE ${S}.outbox SET claimed_until = NULL WHERE id = ANY($1::bigint[]) AND sent_at IS NULL`, [ids]).catch(() => undefined);
      throw error;
    }
    return this.#client.transaction(async (tx) => {
      // Only the rows still unsent: a page whose claim ran out while it was sent may have been
      // sent by another relay too, and its corrections' transitions are recorded once.
      const marked = await tx.query<{ id: string }>(`UPDATE ${S}.outbox SET sent_at = now(), claimed_until = NULL WHERE id = ANY($1::bigint[]) AND sent_at IS NULL RETURNING id`, [ids]);
      const mine = new Set(marked.map((r) => String(r.id)));
      if (kind === OUTBOX_CORRECTION) for (const { id, correction } of page.corrections) if (mine.has(id)) await this.#sent(tx, correction);
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
