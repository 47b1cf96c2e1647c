// ClickHouse's HTTP interface, the part @clickhouse/client and curl use, translated into SQL the
// embedded engine runs. Pure: the chDB HTTP server (chdb-http-server.ts) does the I/O.
//
// A request carries its SQL in the body, or in the `query` URL parameter with the body as INSERT
// data; `param_<name>` URL parameters bind `{name:Type}` placeholders; any other parameter that is
// not part of the HTTP protocol itself is a setting for this one request.

/** URL parameters of the HTTP protocol itself: never settings. */
const PROTOCOL_PARAMS = new Set(['query', 'query_id', 'database', 'default_format', 'user', 'password', 'quota_key', 'role', 'compress', 'decompress']);

/** Settings that only shape the HTTP response of a real server; the engine does not know them. */
const HTTP_ONLY_SETTINGS = new Set([
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_response_buffer_size',
  'http_headers_progress_interval_ms',
  'http_send_progress_interval_ms',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_response_compression_method',
  'http_native_compression_disable_checksumming_on_decompress',
  'cancel_http_readonly_queries_on_client_close',
]);

/**
 * Where a ClickHouse server's defaults differ from the embedded engine's (clickhouse-local's),
 * the server's apply, so clients see what a server would send: 64-bit integers quoted in JSON.
 */
export const SERVER_DEFAULT_SETTINGS: Readonly<Record<string, string>> = {
  output_format_json_quote_64bit_integers: '1',
};

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class HttpRequestError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpRequestError';
    this.status = status;
  }
}

export interface EngineRequest {
  /** `SET …` statements run with the request's SQL, in the same call. */
  readonly prelude: readonly string[];
  /** The request's SQL; for an INSERT with data, the statement up to and including `FORMAT x`. */
  readonly sql: string;
  /** INSERT data from the body, when the SQL came in the URL. */
  readonly data?: Buffer;
  /** Output format when the SQL names none (HTTP default: TabSeparated). */
  readonly format: string;
  /** Settings this request changed: reset afterwards, because engine sessions keep them. */
  readonly settingsToReset: readonly string[];
  readonly queryId?: string;
}

/** A SQL string literal holding `text` exactly. */
export function sqlStringLiteral(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function toEngineRequest(search: URLSearchParams, body: Buffer): EngineRequest {
  const prelude: string[] = [];
  const settingsToReset: string[] = [];
  for (const [key, value] of search) {
    if (key === 'session_id' || key === 'session_timeout' || key === 'session_check') {
      throw new HttpRequestError(400, 'HTTP sessions are not supported by this server: send each statement on its own');
    }
    if (PROTOCOL_PARAMS.has(key)) continue;
    if (key.startsWith('param_')) {
      const name = key.slice('param_'.length);
      if (!NAME.test(name)) throw new HttpRequestError(400, `bad query parameter name: ${key}`);
      // The URL value is already ClickHouse's escaped text form, exactly what SET param_ takes.
      prelude.push(`SET param_${name} = ${sqlStringLiteral(value)}`);
      continue;
    }
    if (HTTP_ONLY_SETTINGS.has(key)) continue;
    if (!NAME.test(key)) throw new HttpRequestError(400, `bad setting name: ${key}`);
    prelude.push(`SET ${key} = ${sqlStringLiteral(value)}`);
    settingsToReset.push(key);
  }
  const database = search.get('database');
  if (database !== null && database !== '' && database !== 'default') {
    if (!NAME.test(database)) throw new HttpRequestError(400, `bad database name: ${database}`);
    prelude.push(`USE ${database}`);
  }
  const queryId = search.get('query_id') ?? undefined;
  const format = search.get('default_format') ?? 'TabSeparated';
  const inUrl = search.get('query');
  const base = { prelude, format, settingsToReset, ...(queryId ? { queryId } : {}) };
  if (inUrl !== null && inUrl.trim() !== '') {
    return body.length > 0 ? { ...base, sql: inUrl, data: body } : { ...base, sql: inUrl };
  }
  const sql = body.toString('utf8');
  if (sql.trim() === '') throw new HttpRequestError(400, 'empty query: send SQL in the body or the query parameter');
  return { ...base, sql };
}

/** The statements that put a session in a server's default state. */
export function serverDefaultStatements(): string[] {
  return Object.entries(SERVER_DEFAULT_SETTINGS).map(([key, value]) => `SET ${key} = ${sqlStringLiteral(value)}`);
}

/** The statements that put a session back to a server's defaults after a request. */
export function resetStatements(request: EngineRequest): string[] {
  const statements = request.settingsToReset.map((key) =>
    key in SERVER_DEFAULT_SETTINGS ? `SET ${key} = ${sqlStringLiteral(SERVER_DEFAULT_SETTINGS[key]!)}` : `SET ${key} = DEFAULT`,
  );
  if (request.prelude.some((s) => s.startsWith('USE '))) statements.push('USE default');
  return statements;
}

/**
 * An error in the text form a ClickHouse server sends, which @clickhouse/client parses back into
 * a ClickHouseError with the same code and type.
 */
export function errorBody(code: string | number | undefined, type: string | undefined, message: string): string {
  const numeric = code !== undefined && /^\d+$/.test(String(code)) ? String(code) : '1001';
  const kind = type && /^[A-Z0-9_]+$/.test(type) ? type : 'STD_EXCEPTION';
  const text = message.replace(/^Code: \d+\. DB::Exception: /, '').replace(/ \([A-Z0-9_]+\)\s*$/, '');
  return `Code: ${numeric}. DB::Exception: ${text} (${kind}) (version chdb)\n`;
}
