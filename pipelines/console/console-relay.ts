// The outbox relay in the console process: stewards' changes reach the analytics store's issue
// tables at once instead of at the next `verity run`, and corrections go to the file outbox
// (data/outbox/corrections.jsonl), opened with the vault's cipher.
//
// Only without Kafka: with brokers configured, the issue topic and `customer.corrections` are
// mirrors too, and a relay here that wrote to ClickHouse alone would mark rows sent that the topic
// never got. Then `verity run`'s relay (every 2 s, and at every start) carries the console's changes.
import type { ClickHouseClient } from '@clickhouse/client';
import { AnalyticsStore } from '../../connectors/clickhouse/analytics-store.ts';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { FileCorrectionSink } from '../../connectors/file/correction-outbox.ts';
import { PostgresOutboxStore } from '../../connectors/postgres/outbox-store.ts';
import type { SqlClient } from '../../connectors/postgres/sql-client.ts';
import type { RunConfig } from '../config/run-config.ts';
import { systemClock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import { OutboxRelay, type CorrectionSealer } from '../runtime/outbox-relay.ts';

export const CONSOLE_RELAY_MS = 2_000;

export interface ConsoleRelay {
  /** A cue after a change: drain now (in the background). */
  nudge(): void;
  /** Stops the timer, drains once more, closes the analytics client. */
  close(): Promise<void>;
}

export function startConsoleRelay(sql: SqlClient, config: RunConfig, sealer: CorrectionSealer, logger: Logger): ConsoleRelay | undefined {
  if (config.kafka) {
    logger.info('outbox relay: left to verity run, which mirrors to the Kafka topics as well');
    return undefined;
  }
  // Opened on the first change to mirror: a console nobody works in never touches the store.
  let client: ClickHouseClient | undefined;
  let store: AnalyticsStore | undefined;
  const relay = new OutboxRelay({
    store: new PostgresOutboxStore(sql),
    mirrors: [
      {
        name: 'analytics store',
        writeIssueChanges: async (batchId, issueChanges) => {
          client ??= createStoreClient(config.store);
          store ??= new AnalyticsStore(client, config.database, config.storeConcurrency);
          await store.mirrorIssueChanges(batchId, issueChanges);
        },
      },
    ],
    corrections: FileCorrectionSink.inDataDir(config.dataDir),
    sealer,
    logger,
    clock: systemClock,
  });
  const stop = relay.every(CONSOLE_RELAY_MS, () => true);
  return {
    nudge() {
      relay.drain().catch((error: unknown) => logger.warn({ errorClass: (error as Error)?.name }, 'outbox relay failed; trying again at the next tick'));
    },
    async close() {
      await stop();
      await relay.drain().catch(() => logger.warn('outbox relay: the last drain failed; the rows stay in the outbox'));
      await client?.close();
    },
  };
}
