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
  | 'MIGRATION_FAILED';

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

export function describeCause(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
