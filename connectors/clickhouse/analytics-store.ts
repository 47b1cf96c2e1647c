// Writes what the pipeline derives into the analyst schema, idempotently: every insert carries a
// deduplication token derived from the source batch id, and every table is a ReplacingMergeTree
// keyed by a deterministic id, so a re-delivered batch changes nothing in query results.
import type { ClickHouseClient } from '@clickhouse/client';
import pLimit from 'p-limit';
import { StoreError } from '../../pipelines/errors.ts';
import type { DeadLetter, Finding, IssueChange, IssueState, RecordRow } from '../../pipelines/quality/model.ts';
import { formatCoordinates } from '../../pipelines/runtime/source.ts';
import { fromColumns, toColumns } from './columns.ts';
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

function deadLetterColumns(d: DeadLetter): Record<string, unknown> {
  const c = d.coordinates;
  return {
    dead_letter_id: d.deadLetterId,
    reason_code: d.reasonCode,
    reason: d.reason,
    error_path: d.errorPath,
    source_kind: c.kind,
    source_ref: formatCoordinates(c),
    file: c.kind === 'file' ? c.file : '',
    line: c.kind === 'file' ? c.line : 0,
    topic: c.kind === 'kafka' ? c.topic : '',
    partition: c.kind === 'kafka' ? c.partition : -1,
    offset: c.kind === 'kafka' ? c.offset : -1,
    size_bytes: d.sizeBytes,
    payload_sha256: d.payloadSha256,
    first_seen_at: d.firstSeenAt,
  };
}

function issueEventColumns(c: IssueChange, recordedAt: string): Record<string, unknown> {
  const i = c.issue;
  return {
    issue_id: i.issueId,
    version: i.version,
    change: c.change,
    status: i.status,
    queue: i.queue,
    rule_id: i.ruleId,
    customer_token: i.customerToken,
    priority: i.priority,
    due_at: i.dueAt,
    event_id: c.eventId,
    occurred_at: c.occurredAt,
    recorded_at: recordedAt,
  };
}

export class AnalyticsStore {
  readonly #client: ClickHouseClient;
  readonly #db: string;
  readonly #limit: ReturnType<typeof pLimit>;

  constructor(client: ClickHouseClient, database: string, concurrency: number) {
    this.#client = client;
    this.#db = assertDatabaseName(database);
    this.#limit = pLimit(concurrency);
  }

  async #insert(table: string, batchId: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.#client.insert({
        table: `${this.#db}.${table}`,
        values: rows as Record<string, unknown>[],
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: `${batchId}/${table}` },
      });
    } catch (cause) {
      throw storeError(`insert into ${table} failed`, cause);
    }
  }

  /** Everything derived from one source batch; resolves once all of it is durably written. */
  async write(batchId: string, out: BatchOutput, recordedAt: string): Promise<void> {
    const issues = out.issueChanges.map((c) => toColumns(c.issue));
    await Promise.all(
      [
        () => this.#insert('records', batchId, out.records.map(toColumns)),
        () => this.#insert('findings', batchId, out.findings.map(toColumns)),
        () => this.#insert('issues', batchId, issues),
        () => this.#insert('issue_events', batchId, out.issueChanges.map((c) => issueEventColumns(c, recordedAt))),
        () => this.#insert('dead_letters', batchId, out.deadLetters.map(deadLetterColumns)),
      ].map((task) => this.#limit(task)),
    );
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
