// The connectors a `verity run` uses, chosen from its config: the composition root's half of the
// wiring (the runtime declares what it needs in pipelines/runtime/run-connectors.ts).
import { analyticsSink } from '../../connectors/clickhouse/analytics-sink.ts';
import { AnalyticsStore } from '../../connectors/clickhouse/analytics-store.ts';
import { migrate } from '../../connectors/clickhouse/migrations.ts';
import { createStoreClient, describeStoreTarget } from '../../connectors/clickhouse/store-client.ts';
import { debeziumAdapter } from '../../connectors/debezium/debezium-event.ts';
import { EXAMPLE_MAPPINGS_DIR, loadMappings } from '../../connectors/debezium/load-mappings.ts';
import { DeadLetterArchive } from '../../connectors/file/dead-letter-archive.ts';
import { stateOpenFailure } from '../../connectors/postgres/sql-client.ts';
import { PostgresSlaStore } from '../../connectors/postgres/sla-store.ts';
import { PostgresStateStore } from '../../connectors/postgres/state-store.ts';
import { PostgresOutboxStore } from '../../connectors/postgres/outbox-store.ts';
import type { RunConfig } from '../config/run-config.ts';
import type { RunConnectors } from '../runtime/run-connectors.ts';

export function runConnectors(config: RunConfig): RunConnectors {
  return {
    analytics: (failpoint) => {
      const client = createStoreClient(config.store);
      const store = new AnalyticsStore(client, config.database, config.storeConcurrency, failpoint);
      return {
        description: describeStoreTarget(config.store),
        migrate: () => migrate(client, config.database),
        sink: analyticsSink(store),
        issueMirror: {
          name: 'analytics store',
          writeIssueChanges: (batchId, issueChanges) => store.mirrorIssueChanges(batchId, issueChanges),
        },
        close: () => client.close(),
      };
    },
    openState: async () => {
      const opened = await PostgresStateStore.open(config.state);
      // The SLA clock raises its notices in the operational store, over the same connection.
      return { ...opened, sla: new PostgresSlaStore(opened.store.client) };
    },
    explainStateOpenFailure: (error) => stateOpenFailure(config.state, error),
    openDeadLetters: () => DeadLetterArchive.open(config.deadLetterDir),
    openOutbox: (state) => (state instanceof PostgresStateStore ? new PostgresOutboxStore(state.client) : undefined),
    loadAdapters: async () => [debeziumAdapter(await loadMappings(config.mappingsPath ?? EXAMPLE_MAPPINGS_DIR))],
  };
}
