// The rows Verity derives from events. Field names are camelCase here; the ClickHouse sink maps
// them one-to-one to the snake_case columns of the analyst schema (connectors/clickhouse/migrations.ts).
import type { Op } from '../contract/customer-change.ts';
import type { MaskedRecord } from '../privacy/masked-record.ts';
import type { Coordinates } from '../contract/coordinates.ts';
import type { Severity } from '../contract/issue.ts';

export interface RecordRow extends MaskedRecord {
  readonly eventId: string;
  readonly source: string;
  readonly op: Op;
  readonly occurredAt: string;
  readonly ingestedAt: string;
  readonly sourceRef: string;
  readonly failedRules: readonly string[];
}

export interface Finding {
  readonly findingId: string;
  readonly ruleId: string;
  readonly ruleVersion: number;
  readonly severity: Severity;
  readonly customerToken: string;
  readonly field: string;
  readonly reason: string;
  /** Masked: never the raw value. */
  readonly evidence: string;
  /**
   * Violations this finding stands for: repeats of one rule's reason on the same field of several
   * items (accounts, relatives) collapse into one finding, so findings per event stay bounded.
   */
  readonly violationCount: number;
  readonly eventId: string;
  readonly source: string;
  readonly occurredAt: string;
  readonly detectedAt: string;
  /** The issue this finding opened or updated; '' when its severity opens none. */
  readonly issueId: string;
}

export { ISSUE_STATUSES, IssueChange, IssueChangeKind, IssueState, IssueStatus } from '../contract/issue.ts';

export interface DeadLetter {
  readonly deadLetterId: string;
  readonly reasonCode: string;
  /** Safe to log: built from the contract, never from the payload's values. */
  readonly reason: string;
  readonly errorPath: string;
  readonly coordinates: Coordinates;
  readonly sizeBytes: number;
  readonly payloadSha256: string;
  readonly firstSeenAt: string;
}

/** A dead letter with the message's original bytes: only the operator's archive and the dead-letter topic keep those. */
export interface RejectedMessage {
  readonly deadLetter: DeadLetter;
  readonly payload: Buffer;
  readonly key?: Buffer | null | undefined;
}
