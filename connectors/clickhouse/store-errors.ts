// What a failed store call means for the caller: whether the same call may succeed if tried again
// (the server restarting, the network refusing, a timeout, a merge backlog), and a short label for
// logs and /readyz. The label is a code, never the server's message: ClickHouse quotes the rows it
// could not parse, and rows may hold what the pipeline derived from personal data.
import { ClickHouseError } from '@clickhouse/client';
import { StoreError } from '../../pipelines/errors.ts';

/** Socket-level failures of Node and undici: the server is down, restarting or unreachable. */
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * ClickHouse server error codes that describe the server's condition, not the request: the same
 * request may succeed later. (src/Common/ErrorCodes.cpp.)
 */
const TRANSIENT_SERVER_CODES = new Set([
  '3', // UNEXPECTED_END_OF_FILE: the connection was cut
  '159', // TIMEOUT_EXCEEDED
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '203', // NO_FREE_CONNECTION
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '236', // ABORTED
  '241', // MEMORY_LIMIT_EXCEEDED
  '242', // TABLE_IS_READ_ONLY
  '252', // TOO_MANY_PARTS
  '285', // TOO_FEW_LIVE_REPLICAS
  '319', // UNKNOWN_STATUS_OF_INSERT
  '425', // SYSTEM_ERROR
  '439', // CANNOT_SCHEDULE_TASK
  '999', // KEEPER_EXCEPTION
  '1000', // POCO_EXCEPTION
]);

export interface StoreFailure {
  readonly retriable: boolean;
  /** e.g. `ECONNREFUSED`, `timeout`, `ClickHouse 252 TOO_MANY_PARTS`, `TypeError`. */
  readonly label: string;
}

export function classifyStoreFailure(cause: unknown): StoreFailure {
  if (cause instanceof ClickHouseError) {
    return { retriable: TRANSIENT_SERVER_CODES.has(cause.code), label: `ClickHouse ${cause.code} ${cause.type ?? ''}`.trim() };
  }
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_SOCKET_CODES.has(code)) return { retriable: true, label: code };
  // @clickhouse/client's request timeout is a plain Error with this message and no code.
  if (cause instanceof Error && cause.message === 'Timeout error.') return { retriable: true, label: 'timeout' };
  // A socket closed mid-response surfaces as a plain Error from the client's stream handling.
  if (cause instanceof Error && /socket hang up|other side closed|premature close/i.test(cause.message)) return { retriable: true, label: 'connection closed' };
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return { retriable: false, label: code };
  return { retriable: false, label: cause instanceof Error ? cause.name : typeof cause };
}

/** A StoreError for `what` (e.g. `insert into findings`) failing with `cause`. */
export function storeError(what: string, cause: unknown, code: 'STORE_WRITE_FAILED' | 'STORE_UNAVAILABLE' | 'MIGRATION_FAILED' = 'STORE_WRITE_FAILED'): StoreError {
  if (cause instanceof StoreError) return cause;
  const { retriable, label } = classifyStoreFailure(cause);
  return new StoreError(code, `${what} failed: ${label}`, { cause, retriable });
}
