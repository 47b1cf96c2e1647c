// A chore on the wall clock that one process of a group does (an exclusive run, or the group
// leader): the SLA clock's sweeps, the outbox relay's drains, the applied-id window's pruning.
// Passes never overlap (one asked for while another runs starts after it), and a pass that fails
// on a tick is logged and tried again at the next: a chore is late, never lost.
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';

export interface ChoreDeps<T> {
  /** For the log line of a failed pass: `${name} failed; trying again at the next tick`. */
  readonly name: string;
  readonly pass: () => Promise<T>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class Chore<T> {
  readonly #deps: ChoreDeps<T>;
  #running: Promise<unknown> = Promise.resolve();

  constructor(deps: ChoreDeps<T>) {
    this.#deps = deps;
  }

  /** One pass, after the one running (if any). */
  run(): Promise<T> {
    const next = this.#running.catch(() => undefined).then(() => this.#deps.pass());
    this.#running = next;
    return next;
  }

  /** One pass whose failure is logged, not thrown (a tick's, or a start's that must not stop the run). */
  runLogged(): Promise<T | undefined> {
    return this.run().catch((error: unknown) => {
      this.#deps.logger.warn({ err: error }, `${this.#deps.name} failed; trying again at the next tick`);
      return undefined;
    });
  }

  /**
   * A pass every `intervalMs` while `active()` says this process should; returns a stop function
   * that waits for a running pass.
   */
  every(intervalMs: number, active: () => boolean): () => Promise<void> {
    const cancel = this.#deps.clock.every(intervalMs, () => (active() ? this.runLogged() : undefined));
    return async () => {
      cancel();
      await this.settled();
    };
  }

  /** Resolves once no pass runs (whatever its outcome). */
  settled(): Promise<void> {
    return this.#running.then(
      () => undefined,
      () => undefined,
    );
  }
}
