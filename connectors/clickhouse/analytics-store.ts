// Writes what the pipeline derives into the analyst schema, idempotently: every insert carries a
// deduplication token derived from the source batch id, and every table is a ReplacingMergeTree
// keyed by a deterministic id, so a re-delivered batch changes nothing in query results.
import type { ClickHouseClient } from '@clickhouse/client';
import pLimit from 'p-limit';
import { StoreError } from '../../pipelines/errors.ts';
import type { DeadLetter, Finding, IssueChange, IssueState, RecordRow } from '../../pipelines/quality/model.ts';
import { formatCoordinates } from '../../pipelines/runtime/source.ts';
import { camelCase, fromColumns } from './columns.ts';
import { assertDatabaseName } from './migrations.ts';

export interface BatchOutput {
  readonly records: readonly RecordRow[];
  readonly findings: readonly Finding[];
  readonly issueChanges: readonly IssueChange[];
  readonly deadLetters: readonly DeadLetter[];
}

const RETRIABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET']);

function storeError(what: string, cause: unknown): StoreError {
  const code = (cause as { code?: string }).code;
  return new StoreError('STORE_WRITE_FAILED', `${what}: ${(cause as Error).message}`, {
    cause,
    retriable: code !== undefined && RETRIABLE_CODES.has(code),
  });
}

/** The dead-letter row in the pipeline's camelCase (columns.ts maps it to the table's columns). */
function deadLetterRow(d: DeadLetter): Record<string, unknown> {
  const c = d.coordinates;
  return {
    deadLetterId: d.deadLetterId,
    reasonCode: d.reasonCode,
    reason: d.reason,
    errorPath: d.errorPath,
    sourceKind: c.kind,
    sourceRef: formatCoordinates(c),
    file: c.kind === 'file' ? c.file : '',
    line: c.kind === 'file' ? c.line : 0,
    topic: c.kind === 'kafka' ? c.topic : '',
    partition: c.kind === 'kafka' ? c.partition : -1,
    offset: c.kind === 'kafka' ? c.offset : -1,
    sizeBytes: d.sizeBytes,
    payloadSha256: d.payloadSha256,
    firstSeenAt: d.firstSeenAt,
  };
}

function issueEventRow(c: IssueChange, recordedAt: string): Record<string, unknown> {
  const i = c.issue;
  return {
    issueId: i.issueId,
    version: i.version,
    change: c.change,
    status: i.status,
    queue: i.queue,
    ruleId: i.ruleId,
    customerToken: i.customerToken,
    priority: i.priority,
    dueAt: i.dueAt,
    eventId: c.eventId,
    occurredAt: c.occurredAt,
    recordedAt,
    issueState: JSON.stringify(i),
  };
}

export class AnalyticsStore {
  readonly #client: ClickHouseClient;
  readonly #db: string;
  readonly #limit: ReturnType<typeof pLimit>;
  /**
   * Changes whenever repairIncompleteWrites() deleted rows: a batch rewritten after a repair must
   * not be dropped as a duplicate of the deleted block that carried the same deduplication token.
   */
  #generation = '';
  /** What the last repairIncompleteWrites() found (counts only), for the start-up log. */
  lastRepair: Record<string, number> | undefined;
  readonly #columns = new Map<string, Promise<readonly string[]>>();

  constructor(client: ClickHouseClient, database: string, concurrency: number) {
    this.#client = client;
    this.#db = assertDatabaseName(database);
    this.#limit = pLimit(concurrency);
  }

  /** The table's insertable columns in table order, asked once per table. */
  #columnsOf(table: string): Promise<readonly string[]> {
    let columns = this.#columns.get(table);
    if (!columns) {
      columns = this.#select<{ name: string; default_type: string }>(`DESCRIBE TABLE ${this.#db}.${table}`).then((rows) =>
        rows.filter((r) => r.default_type !== 'MATERIALIZED' && r.default_type !== 'ALIAS').map((r) => r.name),
      );
      columns.catch(() => this.#columns.delete(table)); // ask again next time
      this.#columns.set(table, columns);
    }
    return columns;
  }

  /**
   * Inserts rows given in the pipeline's camelCase fields. They go as JSONCompactEachRow (one JSON
   * array per row, in the table's column order) rather than JSONEachRow: column names are sent once
   * per insert instead of once per row, which halves what both sides serialise and parse. A field
   * a row lacks is sent as null, which ClickHouse stores as the column default, exactly as it
   * treats a key missing from a JSONEachRow object.
   */
  async #insert(table: string, batchId: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    const columns = await this.#columnsOf(table);
    const fields = columns.map(camelCase);
    const values = rows.map((row) => fields.map((field) => (row as Record<string, unknown>)[field]));
    try {
      await this.#client.insert({
        table: `${this.#db}.${table}`,
        columns: columns as [string, ...string[]],
        values,
        format: 'JSONCompactEachRow',
        clickhouse_settings: { insert_deduplication_token: `${batchId}/${table}${this.#generation}` },
      });
    } catch (cause) {
      throw storeError(`insert into ${table} failed`, cause);
    }
  }

  /** Everything derived from one source batch; resolves once all of it is durably written. */
  async write(batchId: string, out: BatchOutput, recordedAt: string): Promise<void> {
    await Promise.all(
      [
        () => this.#insert('findings', batchId, out.findings),
        () => this.#insert('issues', batchId, out.issueChanges.map((c) => c.issue)),
        () => this.#insert('issue_events', batchId, out.issueChanges.map((c) => issueEventRow(c, recordedAt))),
        () => this.#insert('dead_letters', batchId, out.deadLetters.map(deadLetterRow)),
      ].map((task) => this.#limit(task)),
    );
    // Records last: an event in `records` means everything derived from it is stored. The
    // pipeline's de-duplication asks `records`, and repairIncompleteWrites() relies on this order.
    await this.#insert('records', batchId, out.records);
  }

  /**
   * Undoes what a crashed process wrote for events whose records never made it (records are
   * written last), so that re-delivered events are processed again from the state before them: no
   * finding doubled, no issue version skipped. Run at start, before loading open issues. Each step
   * is safe to repeat if the process dies during the repair.
   */
  async repairIncompleteWrites(): Promise<number> {
    const db = this.#db;
    const orphanIds = async (table: string, column: string) =>
      (
        await this.#select<{ id: string }>(
          `SELECT DISTINCT ${column} AS id FROM ${db}.${table} WHERE ${column} NOT IN (SELECT event_id FROM ${db}.records)`,
        )
      ).map((r) => r.id);
    const orphans = {
      findings: await orphanIds('findings', 'event_id'),
      issueEvents: await orphanIds('issue_events', 'event_id'),
      issues: await orphanIds('issues', 'last_event_id'),
    };
    await this.#loadGeneration();
    const total = orphans.findings.length + orphans.issueEvents.length + orphans.issues.length;
    if (total === 0) return 0;

    const events = [...new Set([...orphans.issueEvents, ...orphans.issues])];
    const affected = [
      ...new Set([
        ...(await this.#select<{ id: string }>(`SELECT DISTINCT issue_id AS id FROM ${db}.issue_events WHERE event_id IN {events:Array(String)}`, { events })),
        ...(await this.#select<{ id: string }>(`SELECT DISTINCT issue_id AS id FROM ${db}.issues WHERE last_event_id IN {events:Array(String)}`, { events })),
      ].map((r) => r.id)),
    ];
    // Each affected issue goes back to its last state written by a complete batch, taken from
    // issue_events because the issues table may have merged that version away.
    const restored =
      affected.length === 0
        ? []
        : await this.#select<{ state: string }>(
            `SELECT argMax(issue_state, version) AS state FROM ${db}.issue_events
             WHERE issue_id IN {ids:Array(String)} AND event_id NOT IN {events:Array(String)} AND issue_state != ''
             GROUP BY issue_id`,
            { ids: affected, events },
          );
    this.lastRepair = { findings: orphans.findings.length, issueEvents: orphans.issueEvents.length, issues: orphans.issues.length, affectedIssues: affected.length, restoredIssues: restored.length };
    const mutate = async (table: string, column: string, ids: readonly string[]) => {
      if (ids.length === 0) return;
      try {
        await this.#client.command({
          query: `ALTER TABLE ${db}.${table} DELETE WHERE ${column} IN {ids:Array(String)}`,
          query_params: { ids },
          clickhouse_settings: { mutations_sync: '2' },
        });
      } catch (cause) {
        throw storeError(`repairing ${table} failed`, cause);
      }
    };
    await mutate('issues', 'last_event_id', orphans.issues);
    // Only after the interrupted versions are gone: a background merge of the restored row with a
    // higher, interrupted version would otherwise drop the restored one. If the process dies right
    // here, the orphan issue_events rows, deleted below, make the next start restore again.
    await this.#insert('issues', 'repair', restored.map((r) => JSON.parse(r.state) as object));
    await mutate('issue_events', 'event_id', orphans.issueEvents);
    await mutate('findings', 'event_id', orphans.findings);
    await this.#loadGeneration();
    return total;
  }

  /** Mutation ids grow per table and survive restarts: a persistent marker of every repair so far. */
  async #loadGeneration(): Promise<void> {
    const marks = await this.#select<{ table: string; n: string }>(
      `SELECT table, max(toUInt64OrZero(extract(mutation_id, '([0-9]+)'))) AS n FROM system.mutations
       WHERE database = {db:String} AND table IN ('findings', 'issue_events', 'issues') GROUP BY table ORDER BY table`,
      { db: this.#db },
    );
    this.#generation = marks.length === 0 ? '' : `@${marks.map((m) => `${m.table}:${m.n}`).join(',')}`;
  }

  async #select<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    try {
      const result = await this.#client.query({
        query,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: { date_time_output_format: 'iso' },
      });
      return await result.json<T>();
    } catch (cause) {
      throw new StoreError('STORE_UNAVAILABLE', `query failed: ${(cause as Error).message}`, { cause, retriable: true });
    }
  }

  /** Which of these event ids were already stored by an earlier run (redelivery across restarts). */
  async storedEventIds(eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows = await this.#select<{ event_id: string }>(
      `SELECT DISTINCT event_id FROM ${this.#db}.records WHERE event_id IN {ids:Array(String)}`,
      { ids: eventIds },
    );
    return new Set(rows.map((r) => r.event_id));
  }

  async hasRecords(): Promise<boolean> {
    const rows = await this.#select<{ n: string }>(`SELECT count() AS n FROM ${this.#db}.records`);
    return Number(rows[0]?.n ?? 0) > 0;
  }

  /** Open issues as of the last write, to resume the one-open-issue-per-(rule, customer) rule. */
  async openIssues(): Promise<IssueState[]> {
    const rows = await this.#select<Record<string, unknown>>(
      `SELECT * EXCEPT (due_date), toString(due_date) AS due_date FROM ${this.#db}.issues FINAL WHERE status = 'open'`,
    );
    return rows.map((row) => {
      const issue = fromColumns<IssueState>(row);
      return { ...issue, version: Number(issue.version), occurrences: Number(issue.occurrences), ruleVersion: Number(issue.ruleVersion) };
    });
  }
}
