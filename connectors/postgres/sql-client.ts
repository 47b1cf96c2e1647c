// One SQL client for both deployments of the operational store: PGlite (PostgreSQL compiled to
// WASM, in-process, under data/pg: the embedded default, no service to install) or a PostgreSQL
// server through `pg` with a pool. Everything above this file runs the same SQL on the same
// interface; only the connection differs.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import pLimit from 'p-limit';
import pg from 'pg';
import { ConfigError, StoreError, VerityError } from '../../pipelines/errors.ts';
import type { StateTarget } from '../../pipelines/config/targets.ts';
import { DEFAULTS } from '../../pipelines/config/defaults.ts';
import { defaultTemplateDir, hasCluster } from './cluster-files.ts';
import { createClusterApart } from './pglite-create.ts';
import type { ThreadData, ThreadError, ThreadReply, ThreadRequest } from './pglite-thread.ts';

export type { StateTarget };

export interface SqlRunner {
  query<T extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements without parameters (schema migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlClient extends SqlRunner {
  /**
   * Whether something reclaims deleted rows' space without being asked: a server's autovacuum.
   * PGlite runs PostgreSQL as a single-user backend, where no autovacuum runs: a table whose rows
   * are deleted (pending outputs once confirmed, applied ids once forgotten) grows until VACUUM.
   */
  readonly vacuumsItself: boolean;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * SQLSTATE classes and codes of a server's condition rather than the request's: the same
 * transaction may succeed when tried again (PostgreSQL Appendix A).
 */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '53300', '55P03', '57P01', '57P02', '57P03']);
const TRANSIENT_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** A label (code only, never the server's message, which may quote values) and whether to retry. */
export function classifyStateFailure(cause: unknown): { readonly retriable: boolean; readonly label: string } {
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (TRANSIENT_SOCKET_CODES.has(code)) return { retriable: true, label: code };
    if (/^[0-9A-Z]{5}$/.test(code)) return { retriable: TRANSIENT_SQLSTATES.has(code) || code.startsWith('08'), label: `SQLSTATE ${code}` };
    return { retriable: false, label: code };
  }
  // pg reports a connection the server dropped as a plain Error, and so does its pool when no
  // connection could be had in time (every one stuck on a server that stopped answering).
  if (cause instanceof Error && /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(cause.message)) {
    return { retriable: true, label: 'connection lost' };
  }
  return { retriable: false, label: cause instanceof Error ? cause.name : typeof cause };
}

/**
 * A transaction that lost to a concurrent one (a deadlock PostgreSQL broke, a serialization
 * failure): nothing is wrong with the server, and running it again at once is the cure.
 */
export function isTransactionConflict(error: unknown): boolean {
  const code = (error instanceof VerityError ? error.cause : error) as { code?: unknown } | null;
  return code?.code === '40P01' || code?.code === '40001';
}

/**
 * `run` (a whole transaction) again while it loses to a concurrent one, at most `attempts` times in
 * all, apart by a random while that grows with each attempt: two that met and started together
 * would meet again.
 */
export async function retryOnConflict<T>(run: () => Promise<T>, attempts: number, backoffMs = 25): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !isTransactionConflict(error)) throw error;
      await sleep(Math.random() * backoffMs * attempt);
    }
  }
}

/**
 * A read inside `tx` (a transaction) planned without bitmap scans, so that an `ORDER BY … LIMIT`
 * walks its index in order and stops at the limit. Without statistics (PGlite never gathers any)
 * the planner took a bitmap over every row the condition matched and sorted them, for each page.
 * The setting is reset after the read: the transaction's other statements plan as usual.
 */
export async function queryInIndexOrder<T extends object>(tx: SqlRunner, sql: string, params: unknown[]): Promise<T[]> {
  await tx.query('SET LOCAL enable_bitmapscan = off');
  const rows = await tx.query<T>(sql, params);
  await tx.query('RESET enable_bitmapscan');
  return rows;
}

/**
 * A database call inside a transaction, its failure labelled where it happened. Whatever else the
 * transaction's work throws (its own errors) passes through the transaction unchanged.
 */
async function labelled<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw stateError(what, cause);
  }
}

function stateError(what: string, cause: unknown): VerityError {
  // Verity's own errors (a scope lost, a store error already labelled) pass through as they are.
  if (cause instanceof VerityError) return cause;
  const { retriable, label } = classifyStateFailure(cause);
  return new StoreError('STORE_UNAVAILABLE', `state store: ${what} failed: ${label}`, { cause, retriable });
}

/**
 * PGlite is PostgreSQL in this process: two processes opening one folder would each believe they
 * own it and corrupt it. A lock file holding the owner's pid keeps the second one out, and tells
 * it how to share state instead (a server).
 */
function lockEmbedded(path: string): () => void {
  const lock = join(path, 'verity.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lock, 'utf8'));
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new ConfigError(
          path,
          `the embedded state store is in use by process ${owner}; one process at a time may open it. To run several processes, give them a PostgreSQL server: --state postgres://…`,
        );
      }
      // Left by a process that is gone: the folder is free.
      rmSync(lock, { force: true });
    }
  }
  throw new ConfigError(path, 'cannot lock the embedded state store');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Calls under way, so that close() waits for them: PGlite closed under a running transaction
 * does not fail it cleanly, and a pool ended under one cuts it off mid-commit.
 */
class InFlight {
  readonly #calls = new Set<Promise<unknown>>();
  track<T>(call: Promise<T>): Promise<T> {
    this.#calls.add(call);
    const done = () => this.#calls.delete(call);
    call.then(done, done);
    return call;
  }
  async drain(): Promise<void> {
    while (this.#calls.size > 0) await Promise.allSettled([...this.#calls]);
  }
}

/** The thread's reply to one request. */
type Reply = { rows?: unknown[] };

/**
 * PGlite on a thread of its own (pglite-thread.ts): the same SQL, and the same errors (with their
 * SQLSTATE), as PGlite in this thread, without its work on the event loop. The thread holds the
 * process open only while a request is outstanding, as a socket to a server would.
 */
class PgliteThreadClient implements SqlClient {
  readonly vacuumsItself = false;
  readonly #worker: Worker;
  readonly #unlock: () => void;
  readonly #inFlight = new InFlight();
  readonly #pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: unknown) => void }>();
  #nextId = 1;
  #gone: Error | undefined;

  private constructor(worker: Worker, unlock: () => void) {
    this.#worker = worker;
    this.#unlock = unlock;
    worker.on('message', (reply: ThreadReply) => this.#settle(reply));
    // The thread died (out of memory, a WASM abort): every call waiting on it fails, and so does every later one.
    const fail = (error: Error) => {
      this.#gone ??= error;
      for (const { reject } of this.#pending.values()) reject(error);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the embedded store's thread exited (code ${code})`)));
  }

  static async open(path: string, sizes: Pick<ThreadData, 'bufferMb' | 'checkpointMb'>, unlock: () => void): Promise<PgliteThreadClient> {
    if (!hasCluster(path)) await createClusterApart(path, defaultTemplateDir());
    const worker = await PgliteThreadClient.#start({ path, ...sizes });
    worker.unref();
    return new PgliteThreadClient(worker, unlock);
  }

  /** A thread with PGlite open on `data.path` (or created there and closed again), once it says so. */
  static async #start(data: ThreadData): Promise<Worker> {
    const worker = new Worker(new URL('./pglite-thread.ts', import.meta.url), { workerData: data });
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (reply: ThreadReply) => {
        if (reply.id !== 0) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        if (reply.ok) resolve();
        else reject(errorOf(reply.error));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    try {
      await ready;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return worker;
  }

  #settle(reply: ThreadReply): void {
    const waiting = this.#pending.get(reply.id);
    if (!waiting) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.ok) waiting.resolve(reply);
    else waiting.reject(errorOf(reply.error));
  }

  #request(request: DistributiveOmit<ThreadRequest, 'id'>): Promise<Reply> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise<Reply>((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id });
    });
  }

  query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.#inFlight.track(labelled('query', async () => (await this.#request({ op: 'query', sql, params: [...params] })).rows as T[]));
  }
  exec(sql: string): Promise<void> {
    return this.#inFlight.track(labelled('statements', async () => void (await this.#request({ op: 'exec', sql }))));
  }
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.#inFlight.track(this.#transaction(work));
  }
  async #transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    // The transaction is known by its begin request's id, under which the thread opened it.
    const tx = this.#nextId;
    await labelled('begin', () => this.#request({ op: 'begin' }));
    let result: T;
    try {
      result = await work({
        query: (sql, params) => labelled('query', async () => (await this.#request({ op: 'query', sql, params: [...(params ?? [])], tx })).rows as never),
        exec: (sql) => labelled('statements', async () => void (await this.#request({ op: 'exec', sql, tx }))),
      });
    } catch (error) {
      // The work's own errors, and labelled database errors, as they are.
      await this.#request({ op: 'rollback', tx }).catch(() => undefined);
      throw error;
    }
    await labelled('commit', () => this.#request({ op: 'commit', tx }));
    return result;
  }
  async close(): Promise<void> {
    try {
      await this.#inFlight.drain();
      if (!this.#gone) await this.#request({ op: 'close' });
    } finally {
      await this.#worker.terminate().catch(() => undefined);
      this.#unlock();
    }
  }
}

/** An error from the thread as PGlite threw it: its message, name and SQLSTATE. */
function errorOf(error: ThreadError): Error {
  return Object.assign(new Error(error.message), { name: error.name, ...(error.code ? { code: error.code } : {}) });
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

class PgClient implements SqlClient {
  readonly vacuumsItself = true;
  readonly #pool: pg.Pool;
  readonly #inFlight = new InFlight();
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }
  query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.#inFlight.track(labelled('query', async () => (await this.#pool.query<T>(sql, [...params])).rows));
  }
  exec(sql: string): Promise<void> {
    return this.#inFlight.track(labelled('statements', async () => void (await this.#pool.query(sql))));
  }
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.#inFlight.track(this.#transaction(work));
  }
  async #transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (cause) {
      throw stateError('connecting', cause);
    }
    let broken = false;
    // A checked-out client has no 'error' listener (the pool's is for idle clients only): its
    // connection failing between two queries, e.g. the server killed while the batch is being
    // evaluated, would be an unhandled 'error' event and crash the process. Heard here, the
    // failure surfaces as the next query's (retriable) error instead, and the client is dropped.
    const onConnectionError = (): void => {
      broken = true;
    };
    client.on('error', onConnectionError);
    // Statements sent together (pipelined-sql.ts) go to the server one after another, in the
    // order sent: pg 8 queues a query sent while another runs, but warns that pg 9 will refuse it.
    const inTurn = pLimit(1);
    try {
      await labelled('begin', () => client.query('BEGIN'));
      const result = await work({
        query: (sql, params) => inTurn(() => labelled('query', async () => (await client.query(sql, [...(params ?? [])])).rows as never)),
        exec: (sql) => inTurn(() => labelled('statements', async () => void (await client.query(sql)))),
      });
      await inTurn(() => labelled('commit', () => client.query('COMMIT')));
      return result;
    } catch (cause) {
      // A connection that failed mid-transaction goes back to the pool destroyed, not reused.
      broken ||= cause instanceof VerityError && cause.retriable;
      await inTurn(() => client.query('ROLLBACK')).catch(() => (broken = true));
      // The work's own errors, and labelled database errors, as they are.
      throw cause;
    } finally {
      client.removeListener('error', onConnectionError);
      client.release(broken);
    }
  }
  async close(): Promise<void> {
    await this.#inFlight.drain();
    await this.#pool.end();
  }
}

/**
 * What every session of the store on a server starts with (PostgreSQL's startup `options`): no JIT
 * compilation. The store's statements take milliseconds, but one with correlated subqueries over
 * hundreds of ids (the SLA clock's read of a chunk) is estimated past jit_above_cost, and a server
 * built with LLVM (Debian's, most distributions') compiled it on every call: 270 ms a call for
 * 10 ms of work.
 */
export const SESSION_OPTIONS = '-c jit=off';

/**
 * The pool's connection settings: the URL, with SESSION_OPTIONS ahead of any `options` the URL
 * gives (so the URL's own settings win where they differ). pg takes a URL's `options` over the
 * config's, so those are joined inside the URL.
 */
export function poolConnection(url: string): { readonly connectionString: string; readonly options?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Left to pg to refuse: URL's error would carry the URL, password included.
    return { connectionString: url, options: SESSION_OPTIONS };
  }
  const given = parsed.searchParams.get('options');
  if (given === null) return { connectionString: url, options: SESSION_OPTIONS };
  parsed.searchParams.set('options', `${SESSION_OPTIONS} ${given}`);
  return { connectionString: parsed.href };
}

export async function createSqlClient(target: StateTarget): Promise<SqlClient> {
  if (target.kind === 'embedded') {
    mkdirSync(target.path, { recursive: true, mode: 0o700 });
    const unlock = lockEmbedded(target.path);
    try {
      const sizes = { bufferMb: target.bufferMb ?? DEFAULTS.stateBufferMb, checkpointMb: target.checkpointMb ?? DEFAULTS.stateCheckpointMb };
      return await PgliteThreadClient.open(target.path, sizes, unlock);
    } catch (cause) {
      unlock();
      throw stateError(`opening the embedded store at ${target.path}`, cause);
    }
  }
  const pool = new pg.Pool({ ...poolConnection(target.url), max: 4, connectionTimeoutMillis: 10_000 });
  // An idle client the server dropped must not crash the process: the next query fails and is retried.
  pool.on('error', () => undefined);
  return new PgClient(pool);
}

/**
 * A run that could not open its state store at start, said so that an operator can act: which
 * store (never its password) and what to fix. Verity's usage errors (a folder another process
 * holds) and errors not about reaching the server (a migration the server refused) pass through.
 */
export function stateOpenFailure(target: StateTarget, error: unknown): unknown {
  if (target.kind !== 'server' || !(error instanceof VerityError) || error.code !== 'STORE_UNAVAILABLE') return error;
  return new StoreError(
    'STORE_UNAVAILABLE',
    `cannot open the state store, ${describeStateTarget(target)}: ${error.message}. Check that the server is running there and accepts ` +
      'this user, password and database, or point the run at one that does: --state postgres://… (env VERITY_STATE_URL, config key state)',
    { cause: error },
  );
}

/** How a state target is shown in logs and reports: never with credentials. */
export function describeStateTarget(target: StateTarget): string {
  if (target.kind === 'embedded') return `embedded PGlite at ${target.path}`;
  const url = new URL(target.url);
  return `PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname}`;
}
