// Statements of one transaction sent together. A store runs a connection's statements in the
// order they arrive, so writes that need no reply from each other need not wait for one: sent
// one reply at a time, each waited until the event loop, busy preparing the next unit, saw the
// last reply come back (PGlite's thread sat idle meanwhile), and a server's round trip is paid once.
import type { SqlRunner } from './sql-client.ts';

export interface PipelinedSql {
  /** Sends a statement now; its rows when it has run. Its failure also fails `all`. */
  send<T extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Counts a call that sends its statements itself (on the same runner) among the sent. */
  sent(call: Promise<unknown>): void;
  /**
   * Once every statement sent has run; or the failure of the first one sent that failed (the ones
   * after it, in an aborted transaction, fail only because of it).
   */
  all(): Promise<void>;
}

export function pipelined(sql: SqlRunner): PipelinedSql {
  const calls: Promise<unknown>[] = [];
  const sent = (call: Promise<unknown>) => {
    // Handled here, so that a statement failing while the caller awaits something else is not
    // an unhandled rejection; `all` reports it.
    call.catch(() => undefined);
    calls.push(call);
  };
  return {
    send<T extends object>(text: string, params?: readonly unknown[]): Promise<T[]> {
      const call = sql.query<T>(text, params);
      sent(call);
      return call;
    },
    sent,
    async all(): Promise<void> {
      const settled = await Promise.allSettled(calls);
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
