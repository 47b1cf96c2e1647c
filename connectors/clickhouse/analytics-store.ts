// Writes what the pipeline derives into the analyst schema, idempotently: every insert carries a
// deduplication token derived from the source batch id, every table is a ReplacingMergeTree keyed
// by a deterministic id, and the batch log lets whoever takes a scope over undo a batch that a
// crashed writer left half-written.
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import pLimit from 'p-limit';
import { storeError } from './store-errors.ts';
import type { Failpoint } from '../../pipelines/runtime/failpoints.ts';
import { sha256Hex } from '../../pipelines/quality/hash.ts';
import type { DeadLetter, Finding, IssueChange, IssueState, RecordRow } from '../../pipelines/quality/model.ts';
import type { SlaNotice } from '../../pipelines/quality/sla.ts';
import type { SlaStore } from '../../pipelines/runtime/sla-clock.ts';
import { formatCoordinates } from '../../pipelines/runtime/source.ts';
import { camelCase, fromColumns } from './columns.ts';
import { assertDatabaseName } from './migrations.ts';

/** Which source batch a write belongs to: its deterministic id and its scope (see SourceBatch). */
export interface BatchRef {
  readonly id: string;
  readonly scope: string;
}

export interface BatchOutput {
  readonly records: readonly RecordRow[];
  readonly findings: readonly Finding[];
  readonly issueChanges: readonly IssueChange[];
  readonly deadLetters: readonly DeadLetter[];
}

/** How one write of a batch is tried; the same options on every retry of it. */
export interface WriteOptions {
  /**
   * The batch log's attempt id: a retry of the same write keeps it, so its `done` closes the
   * `started` of the attempt that failed part-way, and no repair mistakes it for a crashed one.
   */
  readonly attempt?: string;
  /** Aborted when this process lost the batch's scope: no insert starts after that. */
  readonly signal?: AbortSignal;
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

export class AnalyticsStore implements SlaStore {
  readonly #client: ClickHouseClient;
  readonly #db: string;
  readonly #limit: ReturnType<typeof pLimit>;
  /**
   * Changes whenever a repair deleted rows (by anyone sharing the store, as of this process's last
   * repair): a batch rewritten after a repair must not be dropped as a duplicate of the deleted
   * block that carried the same deduplication token.
   */
  #generation = '';
  /** What the last repairInterruptedBatches() found (counts only), for the log. */
  lastRepair: Record<string, number> | undefined;
  readonly #columns = new Map<string, Promise<readonly string[]>>();

  readonly #failpoint: Failpoint;

  constructor(client: ClickHouseClient, database: string, concurrency: number, failpoint: Failpoint = () => {}) {
    this.#client = client;
    this.#failpoint = failpoint;
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
        clickhouse_settings: {
          insert_deduplication_token: `${batchId}/${table}${this.#generation}`,
          // records and findings are partitioned by month, and one batch may span any number of
          // months (a replay of history). ClickHouse refuses a block over more than 100 partitions
          // by default, which failed the batch for good. The months are in the data whatever the
          // batching; the limit only guards against a bad PARTITION BY, which these are not.
          max_partitions_per_insert_block: '0',
        },
      });
    } catch (cause) {
      throw storeError(`insert into ${table}`, cause);
    }
  }

  /**
   * Everything derived from one source batch; resolves once all of it is durably written. The
   * batch log brackets the inserts (`started` first, `done` last), and records go in after
   * everything else: an event in `records` means everything derived from it is stored, which is
   * what the pipeline's de-duplication asks.
   */
  async write(batch: BatchRef, out: BatchOutput, recordedAt: string, options: WriteOptions = {}): Promise<void> {
    const eventIds = [...new Set([...out.records.map((r) => r.eventId), ...out.issueChanges.map((c) => c.eventId), ...out.findings.map((f) => f.eventId)])];
    const deadLetterIds = out.deadLetters.map((d) => d.deadLetterId);
    if (eventIds.length === 0 && deadLetterIds.length === 0) return;
    const attempt = options.attempt ?? randomUUID();
    // Every insert first asks whether the scope is still this process's: a process that lost it
    // (a rebalance during a slow write) must not write into what its new owner is repairing.
    const fenced = <T>(insert: () => Promise<T>) => () => {
      options.signal?.throwIfAborted();
      return insert();
    };
    // Wall-clock time, not `recordedAt`: the log's TTL must count from when it was written.
    const log = (state: 'started' | 'done', ids: readonly string[], dls: readonly string[]) =>
      this.#insertPlain('batch_log', [{ scope: batch.scope, attempt, state, batch_id: batch.id, event_ids: ids, dead_letter_ids: dls, logged_at: new Date().toISOString() }]);
    await fenced(() => log('started', eventIds, deadLetterIds))();
    await Promise.all(
      [
        () => this.#insert('findings', batch.id, out.findings),
        () => this.#insert('issues', batch.id, out.issueChanges.map((c) => c.issue)),
        () => this.#insert('issue_events', batch.id, out.issueChanges.map((c) => issueEventRow(c, recordedAt))),
        () => this.#insert('dead_letters', batch.id, out.deadLetters.map(deadLetterRow)),
      ].map((task) => this.#limit(fenced(task))),
    );
    this.#failpoint('store.write.before-records');
    await fenced(() => this.#insert('records', batch.id, out.records))();
    await fenced(() => log('done', [], []))();
  }

  async #insertPlain(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    try {
      await this.#client.insert({ table: `${this.#db}.${table}`, values: rows as Record<string, unknown>[], format: 'JSONEachRow' });
    } catch (cause) {
      throw storeError(`insert into ${table}`, cause);
    }
  }

  /**
   * Undoes what an interrupted writer left of a batch (a `started` without `done` in the batch
   * log) in the given scopes, or in every scope: its rows go, and the issues it changed go back
   * to their last state written by a complete batch. Its events are then processed again from
   * that state: no finding doubled, no issue version skipped. Call it only for scopes no other
   * live process writes: at start when this process is the store's only writer, or when a
   * consumer-group member takes a partition over. Each step is safe to repeat if the process dies
   * during the repair. Returns the number of batches repaired.
   */
  async repairInterruptedBatches(scopes: readonly string[] | 'all'): Promise<number> {
    const db = this.#db;
    const interrupted = await this.#select<{ attempt: string; batch_scope: string; events: string[]; dead_letters: string[] }>(
      `SELECT attempt, any(scope) AS batch_scope, anyIf(event_ids, state = 'started') AS events,
              anyIf(dead_letter_ids, state = 'started') AS dead_letters
       FROM ${db}.batch_log ${scopes === 'all' ? '' : 'WHERE scope IN {scopes:Array(String)}'}
       GROUP BY attempt
       HAVING countIf(state = 'started') > 0 AND countIf(state != 'started') = 0`,
      scopes === 'all' ? {} : { scopes },
    );
    await this.#loadGeneration();
    if (interrupted.length === 0) return 0;

    const events = [...new Set(interrupted.flatMap((b) => b.events))];
    const deadLetters = [...new Set(interrupted.flatMap((b) => b.dead_letters))];
    const affected =
      events.length === 0
        ? []
        : [
            ...new Set(
              [
                ...(await this.#select<{ id: string }>(`SELECT DISTINCT issue_id AS id FROM ${db}.issue_events WHERE event_id IN {events:Array(String)}`, { events })),
                ...(await this.#select<{ id: string }>(`SELECT DISTINCT issue_id AS id FROM ${db}.issues WHERE last_event_id IN {events:Array(String)}`, { events })),
              ].map((r) => r.id),
            ),
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
    this.lastRepair = { batches: interrupted.length, events: events.length, deadLetters: deadLetters.length, affectedIssues: affected.length, restoredIssues: restored.length };
    const mutate = async (table: string, column: string, ids: readonly string[]) => {
      if (ids.length === 0) return;
      try {
        await this.#client.command({
          query: `ALTER TABLE ${db}.${table} DELETE WHERE ${column} IN {ids:Array(String)}`,
          query_params: { ids },
          clickhouse_settings: { mutations_sync: '2' },
        });
      } catch (cause) {
        throw storeError(`repairing ${table}`, cause);
      }
    };
    await mutate('issues', 'last_event_id', events);
    // Only after the interrupted versions are gone: a background merge of the restored row with a
    // higher, interrupted version would otherwise drop the restored one. If the process dies right
    // here, the batch is still unfinished in the log, so the next take-over restores again.
    await this.#insert('issues', 'repair', restored.map((r) => JSON.parse(r.state) as object));
    await mutate('issue_events', 'event_id', events);
    await mutate('findings', 'event_id', events);
    await mutate('records', 'event_id', events);
    await mutate('dead_letters', 'dead_letter_id', deadLetters);
    await this.#loadGeneration();
    const now = new Date().toISOString();
    await this.#insertPlain(
      'batch_log',
      interrupted.map((b) => ({ scope: b.batch_scope, attempt: b.attempt, state: 'repaired', batch_id: '', event_ids: [], dead_letter_ids: [], logged_at: now })),
    );
    return interrupted.length;
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
      throw storeError('query', cause, 'STORE_UNAVAILABLE');
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

  /** Which of these dead letters were already stored (a file or a batch read again). */
  async storedDeadLetterIds(deadLetterIds: readonly string[]): Promise<Set<string>> {
    if (deadLetterIds.length === 0) return new Set();
    const rows = await this.#select<{ dead_letter_id: string }>(
      `SELECT DISTINCT dead_letter_id FROM ${this.#db}.dead_letters WHERE dead_letter_id IN {ids:Array(String)}`,
      { ids: deadLetterIds },
    );
    return new Set(rows.map((r) => r.dead_letter_id));
  }

  /** Whether anything derived from input is stored: records or dead letters. */
  async hasStoredInput(): Promise<boolean> {
    const rows = await this.#select<{ n: string }>(
      `SELECT (SELECT count() FROM ${this.#db}.records) + (SELECT count() FROM ${this.#db}.dead_letters) AS n`,
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  /** Current issue states (FINAL) matching `where`, a condition on the issues table aliased `i`. */
  async #issues(where: string, params: Record<string, unknown> = {}): Promise<IssueState[]> {
    const rows = await this.#select<Record<string, unknown>>(
      `SELECT * EXCEPT (due_date), toString(due_date) AS due_date FROM ${this.#db}.issues AS i FINAL WHERE ${where}`,
      params,
    );
    return rows.map((row) => {
      const issue = fromColumns<IssueState>(row);
      return { ...issue, version: Number(issue.version), occurrences: Number(issue.occurrences), ruleVersion: Number(issue.ruleVersion) };
    });
  }

  /** Open issues as of the last write, to resume the one-open-issue-per-(rule, customer) rule. */
  async openIssues(customerTokens?: readonly string[]): Promise<IssueState[]> {
    if (customerTokens === undefined) return this.#issues(`i.status = 'open'`);
    if (customerTokens.length === 0) return [];
    return this.#issues(`i.status = 'open' AND i.customer_token IN {tokens:Array(String)}`, { tokens: customerTokens });
  }

  /**
   * Open issues whose due time has passed before `nowMs` or whose due date is at most `dueSoonBy`,
   * and which have not had a `breached` notice yet: the SLA clock's candidates.
   */
  slaCandidates(nowMs: number, dueSoonBy: string): Promise<IssueState[]> {
    return this.#issues(
      `i.status = 'open' AND (toUnixTimestamp64Milli(i.due_at) < {now:Int64} OR i.due_date <= {by:Date})
       AND i.issue_id NOT IN (SELECT issue_id FROM ${this.#db}.issue_sla_events WHERE kind = 'breached')`,
      { now: nowMs, by: dueSoonBy },
    );
  }

  /** Which notices these issues have had already, as `issueId/kind`. */
  async slaNoticesOf(issueIds: readonly string[]): Promise<Set<string>> {
    if (issueIds.length === 0) return new Set();
    const rows = await this.#select<{ issue_id: string; kind: string }>(
      `SELECT DISTINCT issue_id, kind FROM ${this.#db}.issue_sla_events WHERE issue_id IN {ids:Array(String)}`,
      { ids: issueIds },
    );
    return new Set(rows.map((r) => `${r.issue_id}/${r.kind}`));
  }

  async writeSlaNotices(notices: readonly SlaNotice[]): Promise<void> {
    const rows = notices.map(({ kind, issue, at }) => ({
      issueId: issue.issueId,
      kind,
      noticedAt: at,
      issueVersion: issue.version,
      queue: issue.queue,
      ruleId: issue.ruleId,
      customerToken: issue.customerToken,
      priority: issue.priority,
      dueAt: issue.dueAt,
      dueDate: issue.dueDate,
      openedAt: issue.openedAt,
    }));
    const id = sha256Hex(Buffer.from(notices.map((n) => `${n.issue.issueId}/${n.kind}`).join('\n'))).slice(0, 32);
    await this.#insert('issue_sla_events', `sla:${id}`, rows);
  }

  async openIssueCount(): Promise<number> {
    const rows = await this.#select<{ n: string }>(`SELECT count() AS n FROM ${this.#db}.issues FINAL WHERE status = 'open'`);
    return Number(rows[0]?.n ?? 0);
  }
}
