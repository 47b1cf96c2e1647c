// The outbox relay: what stewards, the SLA clock and the relay itself changed in the operational
// store reaches the mirrors and upstream from here. Each change was written to the store's outbox
// in the transaction that made it; the relay drains the outbox in order, a page at a time, each
// page claimed for a while first (rows another relay claimed are skipped), so that two processes
// running it (`verity run` and `verity console`) do not send one row twice, and sent while nothing
// of the store is held. A page that fails to send, or whose relay died, stays unsent and is tried
// again: delivery is at least once, and every consumer de-duplicates (issue events on their event
// id, the analytics store on (issue, version), corrections on eventId).
import type { Logger } from 'pino';
import { CustomerCorrection } from '../contract/correction.ts';
import type { IssueChange } from '../contract/issue.ts';
import { Chore } from './chore.ts';
import type { Clock } from './clock.ts';

/** Outbox kinds: an issue change for the mirrors, a sealed correction for upstream. */
export const OUTBOX_ISSUE_CHANGE = 'issue-change';
export const OUTBOX_CORRECTION = 'correction';
export type OutboxKind = typeof OUTBOX_ISSUE_CHANGE | typeof OUTBOX_CORRECTION;

/** A correction as the outbox keeps it: whom it is about (a token) and the sealed CustomerCorrection. */
export interface SealedCorrection {
  readonly issueId: string;
  readonly customerToken: string;
  readonly sealed: string;
}

/** Seals and opens a correction (raw values) for the outbox: the vault's cipher does it in production. */
export interface CorrectionSealer {
  seal(correction: CustomerCorrection, customerToken: string): string;
  open(sealed: string, customerToken: string): CustomerCorrection;
}

/** What a sealer needs of a cipher: the vault's VaultCipher (pipelines/privacy/vault-crypto.ts) has both. */
export interface JsonCipher {
  sealJson(value: unknown, context: string): string;
  openJson(sealed: string, context: string): unknown;
}

/** Corrections sealed with the vault's cipher, bound to the customer's token (a copy onto another customer does not open). */
export function sealerOver(cipher: JsonCipher): CorrectionSealer {
  return {
    seal: (correction, customerToken) => cipher.sealJson(CustomerCorrection.parse(correction), customerToken),
    open: (sealed, customerToken) => CustomerCorrection.parse(cipher.openJson(sealed, customerToken)),
  };
}

export interface OutboxPage {
  readonly issueChanges: readonly { readonly id: string; readonly change: IssueChange }[];
  readonly corrections: readonly { readonly id: string; readonly correction: SealedCorrection }[];
}

export interface OutboxStore {
  /**
   * Claims up to `limit` unsent rows of one kind, oldest first (skipping rows another relay holds
   * or has claimed), hands them to `send` while holding nothing of the store, and once it resolves
   * marks them sent and records each correction's `correction-sent` transition (history, state,
   * and an outbox row for its mirror) in one transaction. Returns how many rows were sent; a
   * `send` that throws leaves them unsent, free for the next pass.
   */
  drain(limit: number, kind: OutboxKind, send: (page: OutboxPage) => Promise<void>): Promise<number>;
  /** Rows of this kind not sent yet. */
  unsent(kind: OutboxKind): Promise<number>;
}

/** Where issue changes go: the analytics store's issue tables, the issue topic. */
export interface IssueMirror {
  readonly name: string;
  /** `batchId` is the same for a re-sent page, so that the write is recognised as one. */
  writeIssueChanges(batchId: string, changes: readonly IssueChange[]): Promise<void>;
}

/** Where corrections go upstream: the Kafka topic `customer.corrections`, or the file outbox. */
export interface CorrectionSink {
  readonly name: string;
  send(corrections: readonly CustomerCorrection[]): Promise<void>;
}

export interface OutboxRelayDeps {
  readonly store: OutboxStore;
  readonly mirrors: readonly IssueMirror[];
  /** Without one, corrections stay in the outbox (and the relay says so). */
  readonly corrections?: CorrectionSink | undefined;
  /** Opens sealed corrections: without one, corrections stay in the outbox. */
  readonly sealer?: CorrectionSealer | undefined;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Rows per transaction. */
  readonly pageSize?: number;
}

export class OutboxRelay {
  readonly #deps: OutboxRelayDeps;
  readonly #chore: Chore<number>;
  #warned = false;
  /** Rows this process sent, for the report. */
  readonly sent = { issueChanges: 0, corrections: 0 };

  constructor(deps: OutboxRelayDeps) {
    this.#deps = deps;
    this.#chore = new Chore({ name: 'outbox relay', pass: () => this.#drain(), clock: deps.clock, logger: deps.logger });
  }

  /** Drains until the outbox is empty (or only holds corrections nobody can send); passes never overlap. */
  drain(): Promise<number> {
    return this.#chore.run();
  }

  async #drain(): Promise<number> {
    const { store, logger } = this.#deps;
    const pageSize = this.#deps.pageSize ?? 500;
    const all = async (kind: OutboxKind): Promise<number> => {
      let total = 0;
      for (;;) {
        const n = await store.drain(pageSize, kind, (page) => this.#send(page));
        total += n;
        if (n < pageSize) return total;
      }
    };
    let total = await all(OUTBOX_ISSUE_CHANGE);
    if (this.#deps.corrections && this.#deps.sealer) {
      const corrections = await all(OUTBOX_CORRECTION);
      // Each correction sent is a transition of its issue, whose change is in the outbox now.
      if (corrections > 0) total += corrections + (await all(OUTBOX_ISSUE_CHANGE));
    } else if (!this.#warned && (await store.unsent(OUTBOX_CORRECTION)) > 0) {
      this.#warned = true;
      logger.warn('outbox: corrections are waiting, but no correction sink or vault is wired to this process; they stay in the outbox');
    }
    if (total > 0) logger.debug({ rows: total }, 'outbox relayed');
    return total;
  }

  async #send(page: OutboxPage): Promise<void> {
    if (page.issueChanges.length > 0) {
      const changes = page.issueChanges.map((r) => r.change);
      const batchId = `outbox:${page.issueChanges[0]!.id}-${page.issueChanges.at(-1)!.id}`;
      for (const mirror of this.#deps.mirrors) await mirror.writeIssueChanges(batchId, changes);
      this.sent.issueChanges += changes.length;
    }
    if (page.corrections.length > 0) {
      const opened = page.corrections.map((r) => this.#deps.sealer!.open(r.correction.sealed, r.correction.customerToken));
      await this.#deps.corrections!.send(opened);
      this.sent.corrections += opened.length;
    }
  }

  /**
   * Drains every `intervalMs` while `active()` says this process should; returns a stop function
   * that waits for a running pass. A failed pass is logged and tried at the next tick.
   */
  every(intervalMs: number, active: () => boolean): () => Promise<void> {
    return this.#chore.every(intervalMs, active);
  }
}

