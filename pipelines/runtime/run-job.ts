// Wires one `verity run`: config → store, rules, key, state → a source → the quality pipeline →
// the report. The source is the only thing that differs between file, stdin and (later) Kafka.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createStoreClient, describeStoreTarget } from '../../connectors/clickhouse/store-client.ts';
import { migrate } from '../../connectors/clickhouse/migrations.ts';
import { AnalyticsStore } from '../../connectors/clickhouse/analytics-store.ts';
import { DeadLetterArchive } from '../../connectors/file/dead-letter-archive.ts';
import { EXAMPLE_MAPPINGS_DIR, loadMappings } from '../../connectors/debezium/load-mappings.ts';
import { loadRulePack } from '../../rules/engine/load-rule-pack.ts';
import { prcCalendar } from '../calendar/prc-calendar.ts';
import type { RunConfig } from '../config/run-config.ts';
import { loadTokenKey } from '../privacy/token-key.ts';
import { createTokenizer } from '../privacy/tokens.ts';
import { InMemoryIssueStateStore, IssueTracker } from '../quality/issue-tracker.ts';
import type { Logger } from './logger.ts';
import { QualityPipeline } from './quality-pipeline.ts';
import { RunStats } from './run-stats.ts';
import type { Source } from './source.ts';

export interface RunReport {
  readonly events: number;
  readonly accepted: number;
  readonly deadLettered: number;
  readonly findings: Record<string, number>;
  readonly issuesOpened: number;
  readonly durationMs: number;
  readonly eventsPerSecond: number;
  readonly duplicates: number;
  readonly findingCount: number;
  readonly issues: { readonly updated: number; readonly resolved: number; readonly withdrawn: number; readonly open: number };
  readonly provisionalDeadlines: number;
  readonly deadLettersByReason: Record<string, number>;
  readonly store: string;
  readonly deadLetterFile: string;
}

export interface RunHooks {
  /** Called after each batch is durably written (progress display). */
  readonly onBatch?: (stats: RunStats) => void;
  readonly signal?: AbortSignal;
}

export async function runJob(config: RunConfig, source: Source, logger: Logger, hooks: RunHooks = {}): Promise<RunReport> {
  const [pack, mappings, key] = await Promise.all([
    loadRulePack(config.rulesPath),
    loadMappings(config.mappingsPath ?? EXAMPLE_MAPPINGS_DIR),
    loadTokenKey(config.tokenKey),
  ]);
  const client = createStoreClient(config.store);
  const deadLetters = await DeadLetterArchive.open(config.deadLetterDir);
  try {
    const applied = await migrate(client, config.database);
    const store = new AnalyticsStore(client, config.database, config.storeConcurrency);
    const issueState = new InMemoryIssueStateStore();
    for (const issue of await store.openIssues()) issueState.put(issue);
    const checkStored = await store.hasRecords();
    logger.info(
      {
        store: describeStoreTarget(config.store),
        database: config.database,
        migrationsApplied: applied,
        rules: pack.rules.length,
        mappings: mappings.length,
        openIssues: issueState.openCount,
      },
      'verity run starting',
    );

    const stats = new RunStats(pack.rules.map((r) => r.definition.id));
    const pipeline = new QualityPipeline({
      rules: pack.rules,
      tokenizer: createTokenizer(key),
      issues: new IssueTracker(issueState, prcCalendar),
      mappings,
      store,
      deadLetters,
      stats,
      logger,
      checkStoredEventIds: checkStored,
      now: () => new Date().toISOString(),
    });
    await source.run(
      async (batch) => {
        await pipeline.handle(batch);
        hooks.onBatch?.(stats);
      },
      hooks.signal ?? new AbortController().signal,
    );

    const report: RunReport = {
      events: stats.read,
      accepted: stats.accepted,
      deadLettered: stats.deadLettered,
      findings: stats.customersByRule(),
      issuesOpened: stats.issuesOpened,
      durationMs: Math.round(stats.elapsedMs),
      eventsPerSecond: Math.round(stats.eventsPerSecond),
      duplicates: stats.duplicates,
      findingCount: stats.findings,
      issues: {
        updated: stats.issuesUpdated,
        resolved: stats.issuesResolved,
        withdrawn: stats.issuesWithdrawn,
        open: issueState.openCount,
      },
      provisionalDeadlines: stats.provisionalDeadlines,
      deadLettersByReason: Object.fromEntries(stats.deadLettersByReason),
      store: describeStoreTarget(config.store),
      deadLetterFile: deadLetters.path,
    };
    if (config.reportPath) {
      await mkdir(dirname(config.reportPath), { recursive: true });
      await writeFile(config.reportPath, `${JSON.stringify(report, null, 2)}\n`);
    }
    logger.info(
      { events: report.events, accepted: report.accepted, duplicates: report.duplicates, deadLettered: report.deadLettered, issuesOpened: report.issuesOpened, eventsPerSecond: report.eventsPerSecond },
      'verity run finished',
    );
    return report;
  } finally {
    await deadLetters.close();
    await client.close();
  }
}
