// The embedded operational store's own thread: PGlite (PostgreSQL compiled to WASM) runs here, not
// on the pipeline's event loop. PostgreSQL's work and PGlite's JavaScript protocol layer were about
// two thirds of the pipeline's main thread; here they run on another core, beside the decoding,
// rules and masking of the next batch and the analytics inserts of the last one.
//
// The protocol (sql-client.ts PgliteThreadClient is the other end): each request carries an id and gets
// one reply with that id. A transaction is opened by `begin`, which holds PGlite's transaction
// (and so its lock) open until `commit` or `rollback` arrives with the same transaction id; the
// queries sent meanwhile with that id run inside it, in the order sent. Requests without a
// transaction id wait for PGlite's lock, as they would in the pipeline's thread.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { QUERY_OPTIONS } from './pglite-params.ts';

export type ThreadRequest =
  | { readonly id: number; readonly op: 'query'; readonly sql: string; readonly params: unknown[]; readonly tx?: number }
  | { readonly id: number; readonly op: 'exec'; readonly sql: string; readonly tx?: number }
  | { readonly id: number; readonly op: 'begin' }
  | { readonly id: number; readonly op: 'commit' | 'rollback'; readonly tx: number }
  | { readonly id: number; readonly op: 'close' };

/** An error as it crosses the thread: its SQLSTATE (`code`) decides whether it is retried. */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export type ThreadReply = { readonly id: number; readonly ok: true; readonly rows?: unknown[] } | { readonly id: number; readonly ok: false; readonly error: ThreadError };

export interface ThreadData {
  readonly path: string;
  /** shared_buffers, in MB. */
  readonly bufferMb: number;
  /** A checkpoint once this much WAL was written since the last (see DEFAULTS.stateCheckpointMb). */
  readonly checkpointMb: number;
}

/** Messages for one open transaction, taken in order by the transaction's loop. */
class Inbox {
  readonly #items: ThreadRequest[] = [];
  #waiting: ((r: ThreadRequest) => void) | undefined;
  put(request: ThreadRequest): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting(request);
    else this.#items.push(request);
  }
  take(): Promise<ThreadRequest> {
    const next = this.#items.shift();
    return next ? Promise.resolve(next) : new Promise((resolve) => (this.#waiting = resolve));
  }
}

function threadError(error: unknown): ThreadError {
  const e = error as { name?: unknown; message?: unknown; code?: unknown } | null;
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(error),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

async function serve(port: NonNullable<typeof parentPort>, data: ThreadData): Promise<void> {
  let db: PGlite;
  try {
    db = await PGlite.create(data.path, {
      // max_wal_size starts no checkpoint in a single-user backend (checkpointer() below does); it
      // says how many old segments a checkpoint keeps for reuse, the rest it deletes. PGlite runs
      // with fsync off (-F): a commit survives the process's death, never a power cut, so full-page
      // images (a torn page's cure after a power cut) bought nothing, and after each checkpoint
      // they doubled the WAL written for minutes (README, the operational store).
      postgresqlconf: [`shared_buffers = ${data.bufferMb}MB`, `max_wal_size = ${2 * data.checkpointMb}MB`, 'min_wal_size = 32MB', 'full_page_writes = off'],
    });
  } catch (error) {
    port.postMessage({ id: 0, ok: false, error: threadError(error) } satisfies ThreadReply);
    return;
  }
  port.postMessage({ id: 0, ok: true } satisfies ThreadReply);
  const reply = (message: ThreadReply) => port.postMessage(message);
  const inboxes = new Map<number, Inbox>();
  const checkpoints = checkpointer(db, data.checkpointMb);

  const run = async (request: ThreadRequest, runner: Pick<Transaction, 'query' | 'exec'>): Promise<void> => {
    try {
      if (request.op === 'query') reply({ id: request.id, ok: true, rows: (await runner.query(request.sql, request.params, QUERY_OPTIONS)).rows });
      else if (request.op === 'exec') {
        await runner.exec(request.sql);
        reply({ id: request.id, ok: true });
      }
    } catch (error) {
      reply({ id: request.id, ok: false, error: threadError(error) });
    }
  };

  const transaction = async (begin: ThreadRequest): Promise<void> => {
    const inbox = new Inbox();
    inboxes.set(begin.id, inbox);
    let end: ThreadRequest | undefined;
    try {
      await db.transaction(async (tx) => {
        reply({ id: begin.id, ok: true });
        for (;;) {
          const request = await inbox.take();
          if (request.op === 'commit' || request.op === 'rollback') {
            end = request;
            // PGlite commits when the callback returns and rolls back when it throws.
            if (request.op === 'rollback') throw new RolledBack();
            return;
          }
          await run(request, tx);
        }
      });
      if (end) reply({ id: end.id, ok: true });
      if (end?.op === 'commit') await checkpoints.afterCommit();
    } catch (error) {
      if (!end) reply({ id: begin.id, ok: false, error: threadError(error) });
      else if (error instanceof RolledBack) reply({ id: end.id, ok: true });
      else reply({ id: end.id, ok: false, error: threadError(error) });
    } finally {
      inboxes.delete(begin.id);
    }
  };

  port.on('message', (request: ThreadRequest) => {
    if (request.op === 'close') {
      void db.close().then(
        () => {
          reply({ id: request.id, ok: true });
          port.close();
        },
        (error: unknown) => reply({ id: request.id, ok: false, error: threadError(error) }),
      );
      return;
    }
    if (request.op === 'begin') {
      void transaction(request);
      return;
    }
    const tx = 'tx' in request ? request.tx : undefined;
    if (tx === undefined) {
      void run(request, db);
      return;
    }
    const inbox = inboxes.get(tx);
    if (inbox) inbox.put(request);
    else reply({ id: request.id, ok: false, error: { name: 'Error', message: `no open transaction ${tx}` } });
  });
}

class RolledBack extends Error {}

/** How often, at most, a commit asks how much WAL was written since the last checkpoint. */
const CHECKPOINT_CHECK_EVERY_MS = 5_000;

/**
 * PGlite is a single-user backend: nothing checkpoints but its shutdown, so the WAL of a whole run
 * stayed on disk and a crash replayed all of it on the next start. After a commit, now and then,
 * this checkpoints once `checkpointMb` of WAL was written since the last one. A failed check or
 * checkpoint leaves the store as it was (the next commit tries again); it is no transaction's.
 */
function checkpointer(db: PGlite, checkpointMb: number) {
  let checkedAt = performance.now();
  return {
    async afterCommit(): Promise<void> {
      if (performance.now() - checkedAt < CHECKPOINT_CHECK_EVERY_MS) return;
      checkedAt = performance.now();
      try {
        const { rows } = await db.query<{ mb: number }>(
          'SELECT (pg_current_wal_insert_lsn() - redo_lsn)::float8 / 1048576 AS mb FROM pg_control_checkpoint()',
        );
        if ((rows[0]?.mb ?? 0) >= checkpointMb) await db.exec('CHECKPOINT');
      } catch {
        // Tried again after the next commit; the WAL stays meanwhile, which is all it costs.
      }
    },
  };
}

if (parentPort) await serve(parentPort, workerData as ThreadData);
