// Verity's few error types. Each carries a stable `code` for callers and operators, the
// underlying `cause`, and whether retrying the same operation may succeed (as kafkajs does).
// Messages never contain raw field values: they may end up in logs.

export type VerityErrorCode =
  | 'CONFIG_INVALID'
  | 'RULE_PACK_INVALID'
  | 'MAPPING_INVALID'
  | 'STORE_UNAVAILABLE'
  | 'STORE_WRITE_FAILED'
  | 'SOURCE_FAILED'
  | 'MIGRATION_FAILED'
  | 'PROCESSING_FAILED'
  | 'PUBLISH_FAILED'
  | 'MEMORY_EXHAUSTED'
  | 'SCOPE_LOST'
  | 'VAULT_OPEN_FAILED'
  | 'STALE_VERSION'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'NOT_FOUND';

interface VerityErrorOptions {
  cause?: unknown;
  retriable?: boolean;
}

export class VerityError extends Error {
  readonly code: VerityErrorCode;
  readonly retriable: boolean;

  constructor(code: VerityErrorCode, message: string, options: VerityErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Bad configuration: the message names the key and the allowed values or the fix. */
export class ConfigError extends VerityError {
  readonly key: string;
  constructor(key: string, message: string, options: VerityErrorOptions = {}) {
    super('CONFIG_INVALID', `${key}: ${message}`, options);
    this.key = key;
  }
}

/** A rule pack or mapping file that does not validate; problems are `file:line: message`. */
export class DefinitionError extends VerityError {
  readonly problems: readonly string[];
  constructor(code: 'RULE_PACK_INVALID' | 'MAPPING_INVALID', problems: readonly string[]) {
    super(code, problems.join('\n'));
    this.problems = problems;
  }
}

/** The analytics store failed; `retriable` says whether the same write may be tried again. */
export class StoreError extends VerityError {}

/**
 * Processing one event failed in one stage (a check, a mask, the calendar, issue tracking). It is
 * about that event alone: the pipeline dead-letters the event and goes on. The message names the
 * stage and the class of the underlying error, never its message, which may quote a value.
 */
export class ProcessingError extends VerityError {
  readonly stage: string;
  readonly causeClass: string;
  constructor(stage: string, cause: unknown) {
    const causeClass = cause instanceof Error ? cause.name : typeof cause;
    super('PROCESSING_FAILED', `processing failed at stage ${stage}: ${causeClass}`, { cause });
    this.stage = stage;
    this.causeClass = causeClass;
  }
}

/** Runs `work` as stage `stage`: an error from it becomes a ProcessingError naming the innermost stage. */
export function inStage<T>(stage: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw error instanceof ProcessingError ? error : new ProcessingError(stage, error);
  }
}

/** Publishing to the output topics failed; `retriable` as for the store. */
export class PublishError extends VerityError {}

/**
 * This process lost a scope (a Kafka partition, in a rebalance) while a batch of it was being
 * written: the batch is abandoned uncommitted, and whoever holds the scope now reads it again.
 */
export class ScopeLostError extends VerityError {
  /** The scope lost: in a write unit of several scopes, the batch of it is the one given up. */
  readonly scope: string;
  constructor(scope: string, why: string) {
    super('SCOPE_LOST', `lost ${scope} while writing a batch of it (${why}): the batch is left to the scope's new owner`);
    this.scope = scope;
  }
}

/**
 * A request about an issue that cannot be carried out as asked: the console answers with `status`.
 * Messages name ids, statuses and roles, never customer data.
 */
export class IssueRequestError extends VerityError {
  readonly status: number;
  constructor(code: 'STALE_VERSION' | 'CONFLICT' | 'FORBIDDEN' | 'NOT_FOUND', status: number, message: string, options: VerityErrorOptions = {}) {
    super(code, message, options);
    this.status = status;
  }
}

/** The client acted on a version of the issue that is no longer current (409): reload and try again. */
export class StaleVersionError extends IssueRequestError {
  readonly expectedVersion: number;
  readonly currentVersion: number;
  constructor(issueId: string, expectedVersion: number, currentVersion: number) {
    super('STALE_VERSION', 409, `issue ${issueId} is at version ${currentVersion}, not ${expectedVersion}: it changed meanwhile`);
    this.expectedVersion = expectedVersion;
    this.currentVersion = currentVersion;
  }
}

/** The action does not apply to the issue as it stands (409): e.g. claiming an issue someone holds. */
export class ConflictError extends IssueRequestError {
  constructor(message: string) {
    super('CONFLICT', 409, message);
  }
}

/** The actor may not do this (403): e.g. resolving an issue another steward holds. */
export class ForbiddenError extends IssueRequestError {
  constructor(message: string) {
    super('FORBIDDEN', 403, message);
  }
}

/** No such issue (404). */
export class NotFoundError extends IssueRequestError {
  constructor(message: string) {
    super('NOT_FOUND', 404, message);
  }
}

/** Whether retrying the same operation may succeed: the `retriable` flag of Verity's and kafkajs's errors. */
export function isRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown } | null)?.retriable === true;
}

/**
 * Whether an error stops the run as a usage problem (exit 2: fix the command or the files it
 * names) rather than as a failure while running (exit 1).
 */
export function isUsageError(error: unknown): boolean {
  return error instanceof ConfigError || error instanceof DefinitionError;
}

export function describeCause(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
