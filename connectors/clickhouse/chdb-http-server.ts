// The embedded engine served over ClickHouse's HTTP interface (`verity store serve`), so several
// local processes can share one chDB store, which a single process owns: pipeline members of
// one consumer group, an analyst's SQL client, Grafana. They connect with `--store http://…`
// and use the same @clickhouse/client code path and SQL as against a ClickHouse server.
//
// It is not a ClickHouse server: no users, no HTTP sessions, text formats only, one engine under
// the owning process. It listens on 127.0.0.1 unless told otherwise. Production runs a real
// ClickHouse server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { ChdbConnection } from 'chdb/connection';
import type { Logger } from 'pino';
import { detachStdinFromEmbeddedEngine } from './chdb-stdin.ts';
import { loadChdb } from './chdb-engine.ts';
import { errorBody, HttpRequestError, resetStatements, serverDefaultStatements, toEngineRequest, type EngineRequest } from './http-interface.ts';

export interface ChdbHttpServerOptions {
  /** The chDB data folder this process takes ownership of. */
  readonly path: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /**
   * Engine sessions serving requests at once. Each request runs alone on its session, because a
   * session keeps SET values and query parameters between statements.
   */
  readonly sessions?: number;
  readonly logger?: Logger;
}

export interface ChdbHttpServer {
  /** `http://host:port`, to pass as `--store`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Engine sessions handed out one request at a time. */
class SessionPool {
  readonly #idle: ChdbConnection[];
  readonly #all: ChdbConnection[];
  readonly #waiting: ((session: ChdbConnection) => void)[] = [];

  private constructor(sessions: ChdbConnection[]) {
    this.#all = sessions;
    this.#idle = [...sessions];
  }

  static async open(path: string, size: number): Promise<SessionPool> {
    // Sessions at one path share the engine and its data, but not their settings.
    const sessions = Array.from({ length: size }, () => loadChdb().createChdbConnection({ path }));
    const defaults = serverDefaultStatements().join(';\n');
    if (defaults) for (const session of sessions) await session.chdb.queryAsync(defaults, { format: 'TabSeparated' });
    return new SessionPool(sessions);
  }

  async use<T>(work: (session: ChdbConnection) => Promise<T>): Promise<T> {
    const session = this.#idle.pop() ?? (await new Promise<ChdbConnection>((resolve) => this.#waiting.push(resolve)));
    try {
      return await work(session);
    } finally {
      const next = this.#waiting.shift();
      if (next) next(session);
      else this.#idle.push(session);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#all.map((s) => s.close()));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || encoding === 'identity') return body;
  if (encoding === 'gzip') return promisify(gunzip)(body);
  throw new HttpRequestError(415, `request Content-Encoding ${encoding} is not supported (use gzip or none)`);
}

/**
 * Large query parameters arrive as a multipart/form-data body (the `query` part holds the SQL,
 * `param_*` parts the values), as ClickHouse servers accept them: fold them back into one shape.
 */
async function unfoldMultipart(req: IncomingMessage, search: URLSearchParams, body: Buffer): Promise<{ search: URLSearchParams; body: Buffer }> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) return { search, body };
  const form = await new Response(body, { headers: { 'content-type': type } }).formData();
  const merged = new URLSearchParams(search);
  let sql = '';
  for (const [name, value] of form) {
    const text = typeof value === 'string' ? value : await value.text();
    if (name === 'query') sql = text;
    else merged.append(name, text);
  }
  return { search: merged, body: Buffer.from(sql, 'utf8') };
}

async function execute(pool: SessionPool, request: EngineRequest): Promise<Buffer> {
  const statement = request.data === undefined ? request.sql : `${request.sql}\n${request.data.toString('utf8')}`;
  const sql = [...request.prelude, statement].join(';\n');
  return pool.use(async (session) => {
    try {
      const result = await session.chdb.queryAsync(sql, { format: request.format });
      return Buffer.from(result.bytes());
    } finally {
      const reset = resetStatements(request);
      if (reset.length > 0) await session.chdb.queryAsync(reset.join(';\n'), { format: 'TabSeparated' });
    }
  });
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8', 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

export async function startChdbHttpServer(options: ChdbHttpServerOptions): Promise<ChdbHttpServer> {
  mkdirSync(options.path, { recursive: true, mode: 0o700 });
  detachStdinFromEmbeddedEngine();
  const pool = await SessionPool.open(options.path, options.sessions ?? 4);
  const logger = options.logger;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/ping') return send(res, 200, 'Ok.\n');
    if (url.pathname !== '/') return send(res, 404, `no such endpoint: ${url.pathname}\n`);
    if (req.method !== 'GET' && req.method !== 'POST') return send(res, 405, 'use GET or POST\n');
    const queryId = url.searchParams.get('query_id') ?? randomUUID();
    try {
      const { search, body } = await unfoldMultipart(req, url.searchParams, await readBody(req));
      const request = toEngineRequest(search, body);
      const started = performance.now();
      const output = await execute(pool, request);
      logger?.debug({ queryId, ms: Math.round(performance.now() - started) }, 'store query');
      send(res, 200, output, { 'X-ClickHouse-Query-Id': queryId, 'X-ClickHouse-Format': request.format });
    } catch (error) {
      if (error instanceof HttpRequestError) {
        return send(res, error.status, errorBody(undefined, 'BAD_ARGUMENTS', error.message), { 'X-ClickHouse-Exception-Code': '36' });
      }
      const e = error as { clickhouseCode?: number; code?: string; type?: string; message?: string };
      const code = e.clickhouseCode ?? e.code;
      // The engine's message names tables and settings, not row values: statements carry no data
      // the pipeline has not already masked.
      const body = errorBody(code, e.type ?? /\(([A-Z0-9_]+)\)\s*$/.exec(e.message ?? '')?.[1], e.message ?? String(error));
      logger?.debug({ queryId, code }, `store query failed: ${body.trim()}`);
      send(res, 500, body, { 'X-ClickHouse-Query-Id': queryId, 'X-ClickHouse-Exception-Code': /^\d+$/.test(String(code)) ? String(code) : '1001' });
    }
  };

  // A ClickHouse server takes URLs up to 1 MiB (http_max_uri_size); query parameters such as a
  // batch's event ids travel in the URL, far beyond Node's default 16 KiB header limit.
  const server: Server = createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger?.error({ err: error }, 'store request failed');
      if (!res.headersSent) send(res, 500, errorBody(undefined, undefined, 'internal error'));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 10_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await pool.close();
    },
  };
}
