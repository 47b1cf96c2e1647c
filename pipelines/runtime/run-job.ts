// Runs one `verity run`: config and its connectors (stores, archive, adapters) → rules, key → a
// source → the quality pipeline → the report. The source is the only thing that differs between
// file, stdin and Kafka; the connectors are chosen above this, by the CLI.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadRulePack } from '../../rules/engine/load-rule-pack.ts';
import { prcCalendar } from '../calendar/prc-calendar.ts';
import type { RunConfig } from '../config/run-config.ts';
import { loadTokenKey } from '../privacy/token-key.ts';
import { loadVaultCipher } from '../privacy/vault-key.ts';
import { createTokenizer } from '../privacy/tokens.ts';
import type { Logger } from './logger.ts';
import { failpointFromEnv } from './failpoints.ts';
import { PipelineMetrics } from './metrics.ts';
import { systemClock } from './clock.ts';
import { SlaClock, type SlaCounts } from './sla-clock.ts';
import { StateHousekeeping } from './state-housekeeping.ts';
import { OutboxRelay, sealerOver, type CorrectionSink, type IssueMirror } from './outbox-relay.ts';

/** How often the outbox relay looks for stewards' changes and corrections to send. */
const OUTBOX_RELAY_MS = 2_000;
import { startMetricsServer, type MetricsServer } from './metrics-server.ts';
import { Health, type Readiness } from './health.ts';
import { MemoryGuard } from './memory-guard.ts';
import { DEFAULT_RETRY_POLICY, OutageRetry } from './outage-retry.ts';
import type { Sink } from './sink.ts';
import { QualityPipeline } from './quality-pipeline.ts';
import type { StateStore } from './state-store.ts';
import { RunStats } from './run-stats.ts';
import type { Source } from './source.ts';
import type { AnalyticsConnection, RunConnectors } from './run-connectors.ts';

export interface RunReport {
  readonly events: number;
  readonly accepted: number;
  readonly deadLettered: number;
  /** Distinct customers with a finding this run, per rule; a lower bound for the rules in `findingsCapped`. */
  readonly findings: Record<string, number>;
  /** Rules with more distinct customers than `reportCustomersPerRule`: their `findings` count stopped there. */
  readonly findingsCapped: readonly string[];
  readonly issuesOpened: number;
  readonly durationMs: number;
  readonly eventsPerSecond: number;
  readonly duplicates: number;
  readonly findingCount: number;
  readonly issues: { readonly updated: number; readonly resolved: number; readonly withdrawn: number; readonly open: number };
  readonly provisionalDeadlines: number;
  /** Reminders (50 %, 80 % of the allowed time) and breaches this run raised (SLA clock; see README "Issues and deadlines"). */
  readonly slaNotices: Readonly<SlaCounts>;
  readonly deadLettersByReason: Record<string, number>;
  /**
   * Distinct customers with an active finding, per rule, as the state store holds them after the
   * run (every rule; a customer whose latest event passes a rule has none for it).
   */
  readonly activeFindings: Record<string, number>;
  readonly store: string;
  /** Where the issue and pattern state lives. */
  readonly state: string;
  readonly deadLetterFile: string;
  /** Kafka tombstones (null values) skipped: not events, so not in `events`. */
  readonly tombstones: number;
}

export interface RunHooks {
  /** Called after each batch is durably written (progress display). */
  readonly onBatch?: (stats: RunStats) => void;
  readonly signal?: AbortSignal;
  /**
   * Sinks besides the dead-letter archive and the analytics store, written between the two (the
   * Kafka topics), before the source commits.
   */
  readonly sinks?: readonly Sink[];
  /** Where the outbox relay mirrors stewards' issue changes besides the analytics store (the Kafka issue topic). */
  readonly issueMirrors?: readonly IssueMirror[];
  /** Where corrections go upstream (the Kafka topic, or the file outbox). */
  readonly corrections?: CorrectionSink;
  /** Metrics to feed (e.g. shared with a Kafka source that calls `setLag`); default: a new one. */
  readonly metrics?: PipelineMetrics;
  /**
   * Metrics endpoint overrides. A `port` here runs the endpoint even when `config.metricsPort` is 0
   * (`port: 0` picks an ephemeral port, for tests). `host` defaults to 127.0.0.1 (0.0.0.0 in a container).
   */
  readonly metricsServer?: { readonly port?: number; readonly host?: string; readonly onListening?: (server: MetricsServer) => void };
  /**
   * The wall clock in epoch milliseconds (default Date.now): processing time for the event-time
   * window, ingested/detected timestamps and the SLA clock. Tests pin it.
   */
  readonly now?: () => number;
}


/**
 * `new Date().toISOString()` for the pipeline's ingested/detected timestamps, which it asks for
 * once per event: thousands of events share a millisecond, so the string is reused until it ticks.
 */
function isoClock(clock: () => number): () => string {
  let lastMs = Number.NaN;
  let text = '';
  return () => {
    const ms = clock();
    if (ms !== lastMs) {
      lastMs = ms;
      text = new Date(ms).toISOString();
    }
    return text;
  };
}

export async function runJob(config: RunConfig, connectors: RunConnectors, source: Source, logger: Logger, hooks: RunHooks = {}): Promise<RunReport> {
  const [pack, adapters, key, vault] = await Promise.all([
    loadRulePack(config.rulesPath),
    connectors.loadAdapters(),
    loadTokenKey(config.tokenKey),
    loadVaultCipher(config.vaultKey),
  ]);
  const clock = hooks.now ?? Date.now;
  const failpoint = failpointFromEnv();
  const deadLetters = await connectors.openDeadLetters();
  // Readiness (/readyz): the store is migrated, the source is consuming (first batch or said so),
  // no dependency is down, and no stop was requested; else 503 with the reasons.
  const health = new Health();
  health.set('starting', 'starting: the store is not migrated yet');
  health.set('consuming', 'not consuming yet');
  const readiness = (): Readiness => {
    // A source that can tell (Kafka) is asked every time: it stops consuming while it reconnects.
    if (source.isConsuming) {
      if (source.isConsuming()) health.clear('consuming');
      else health.set('consuming', 'not consuming: the consumer is joining its group or reconnecting to the brokers');
    }
    return health.readiness();
  };
  // `auto`: port 0, so the system picks a free one; the URL goes to the log.
  const metricsPort = hooks.metricsServer?.port ?? (config.metricsPort === 'auto' ? 0 : config.metricsPort);
  const metricsWanted = hooks.metricsServer?.port !== undefined || config.metricsPort === 'auto' || config.metricsPort > 0;
  const metrics = hooks.metrics ?? (metricsWanted ? new PipelineMetrics() : undefined);
  let metricsServer: MetricsServer | undefined;
  let state: StateStore | undefined;
  let analyticsToClose: AnalyticsConnection | undefined;
  let stopClock = async () => {};
  let stopRelay = async () => {};
  let stopHousekeeping = async () => {};
  try {
    if (metrics && metricsWanted) {
      metricsServer = await startMetricsServer({
        port: metricsPort,
        ...(hooks.metricsServer?.host ? { host: hooks.metricsServer.host } : {}),
        metrics,
        readiness,
      });
      logger.info({ metrics: `${metricsServer.url}/metrics` }, 'metrics endpoint listening');
      hooks.metricsServer?.onListening?.(metricsServer);
    }
    const stopSignal = hooks.signal ?? new AbortController().signal;
    // A store or broker that is down, at start or later, is waited for, not given up on.
    const retry = new OutageRetry({
      policy: { ...DEFAULT_RETRY_POLICY, budgetMs: config.storeRetryMs },
      logger,
      health,
      now: clock,
      onOutage: (dependency) => {
        metrics?.setDependencyUp(dependency, false);
        source.pause?.();
      },
      onRecovered: (dependency) => {
        metrics?.setDependencyUp(dependency, true);
        // Every outage paused consumption; it resumes once none is left (the state store's too).
        if (!retry.isDown()) source.resume?.();
      },
      onRetry: (dependency) => metrics?.countRetry(dependency),
    });
    const withStore = <T>(what: string, call: () => Promise<T>) => retry.run('store', what, call, { stop: stopSignal });
    const withState = <T>(what: string, call: () => Promise<T>) => retry.run('state', what, call, { stop: stopSignal });
    // The state store first, then the analytics store. A new embedded state store's initdb holds
    // about 1 GB for two seconds (PGlite runs it in a second, in-memory instance, on a thread of
    // its own, freed when it ends); with chDB's engine already loaded beside it (it loads with
    // the analytics connection) that moment was a run's peak. Only an install's first store runs
    // initdb now (the others are copies), and that one still does it before chDB loads. README,
    // Benchmarks: "The state store opened first".
    // At start as later, an unreachable server is waited for (the budget); past it, or refused
    // outright (a wrong password), the run stops saying which store and what to fix.
    const opened = await withState('opening the state store', () => connectors.openState()).catch((error: unknown) => {
      throw connectors.explainStateOpenFailure(error);
    });
    state = opened.store;
    const analytics = connectors.analytics(failpoint);
    analyticsToClose = analytics;
    const applied = await withStore('migrating the analytics store', () => analytics.migrate());
    const stateStore = opened.store;
    health.clear('starting');
    const exclusive = source.ownership === 'exclusive';
    logger.info(
      {
        store: analytics.description,
        state: stateStore.description,
        database: config.database,
        migrationsApplied: applied,
        stateMigrationsApplied: opened.migrations,
        rules: pack.rules.length,
        adapters: adapters.length,
        ownership: source.ownership,
      },
      'verity run starting',
    );

    const stats = new RunStats(pack.rules.map((r) => r.definition.id), config.reportCustomersPerRule);
    const pipeline = new QualityPipeline({
      rules: pack.rules,
      tokenizer: createTokenizer(key),
      calendar: prcCalendar,
      ownership: source.ownership,
      adapters,
      bounds: { limits: config.limits, eventTimeEarliest: config.eventTimeEarliest, eventTimeAheadHours: config.eventTimeAheadHours },
      state: stateStore,
      vault,
      sinks: [deadLetters, ...(hooks.sinks ?? [])],
      analytics: analytics.sink,
      // One batch's worth: a unit of several partitions' chunks is as large as one file batch.
      writeUnit: { messages: config.batchSize, waitMs: config.unitWaitMs },
      stats,
      logger,
      failpoint,
      memory: new MemoryGuard(),
      retry,
      stopSignal,
      now: isoClock(clock),
      ...(metrics ? { metrics } : {}),
    });
    // The SLA clock runs where the group-wide chores run: an exclusive run, or the group leader.
    const leads = () => source.isGroupLeader?.() ?? true;
    // The pinned clock (hooks.now) for the time, real timers for the chores.
    const choreClock = { ...systemClock, now: () => new Date(clock()).toISOString() };
    const slaClock = new SlaClock({ store: opened.sla, calendar: prcCalendar, logger, clock: choreClock });
    // A sweep at start catches up on whatever fell due while no clock ran (a restart, an outage).
    if (leads()) await withState('the first SLA sweep', () => slaClock.sweep());
    if (config.slaSweepSeconds > 0) stopClock = slaClock.every(config.slaSweepSeconds * 1000, leads);
    // The outbox relay too: stewards' changes reach the mirrors, corrections go upstream.
    const outbox = connectors.openOutbox?.(stateStore);
    const relay = outbox
      ? new OutboxRelay({
          store: outbox,
          mirrors: [...(analytics.issueMirror ? [analytics.issueMirror] : []), ...(hooks.issueMirrors ?? [])],
          corrections: hooks.corrections,
          // Corrections were sealed by the desk with the vault's key: the same key opens them.
          sealer: sealerOver(vault),
          logger,
          clock: systemClock,
        })
      : undefined;
    if (relay) stopRelay = relay.every(OUTBOX_RELAY_MS, leads);
    // And the state store's housekeeping: the applied-id window, deleted rows' space (embedded).
    const housekeeping = new StateHousekeeping({ store: stateStore, retention: config.appliedIds, clock: choreClock, logger });
    stopHousekeeping = housekeeping.start(leads);
    // A process that owns the store alone writes what an interrupted earlier run committed but
    // did not finish writing to the analytics store; in a group, each member does so per scope.
    if (exclusive) await pipeline.flushPending(await withState('reading pending outputs', () => stateStore.takeOver('all')));
    await source.run(
      async (batch) => {
        if (!source.isConsuming) health.clear('consuming');
        await pipeline.handle(batch);
        hooks.onBatch?.(stats);
      },
      stopSignal,
      { retry: (what, call, signal) => retry.run('topics', what, call, { fence: signal, stop: stopSignal }) },
    );
    health.set('stopped', 'stopping: the source has ended');
    await stopClock();
    // One last look, so a run that ends reports the notices as of its end.
    if (leads()) await withState('the final SLA sweep', () => slaClock.sweep());
    await stopRelay();
    // Whoever stops drains once more, leader or not (a stopped consumer no longer knows whether it
    // led, and relays skip each other's rows): what is still left stays for the next relay.
    if (relay) await relay.drain().catch((error: unknown) => logger.warn({ err: error }, 'outbox relay: the final drain failed; the rows stay in the outbox'));

    const report: RunReport = {
      events: stats.read,
      accepted: stats.accepted,
      deadLettered: stats.deadLettered,
      findings: stats.customersByRule(),
      findingsCapped: stats.cappedRules(),
      issuesOpened: stats.issuesOpened,
      durationMs: Math.round(stats.elapsedMs),
      eventsPerSecond: Math.round(stats.eventsPerSecond),
      duplicates: stats.duplicates,
      findingCount: stats.findings,
      issues: {
        updated: stats.issuesUpdated,
        resolved: stats.issuesResolved,
        withdrawn: stats.issuesWithdrawn,
        open: await withState('counting open issues', () => stateStore.openIssueCount()),
      },
      provisionalDeadlines: stats.provisionalDeadlines,
      slaNotices: { ...slaClock.raised },
      deadLettersByReason: Object.fromEntries(stats.deadLettersByReason),
      activeFindings: {
        ...Object.fromEntries(pack.rules.map((r) => [r.definition.id, 0])),
        ...(await withState('counting active findings', () => stateStore.activeFindingCounts())),
      },
      store: analytics.description,
      state: stateStore.description,
      deadLetterFile: deadLetters.path,
      tombstones: (source as Source & { tombstones?: number }).tombstones ?? 0,
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
    await stopClock();
    await stopRelay();
    await stopHousekeeping();
    await metricsServer?.close();
    await deadLetters.close();
    await analyticsToClose?.close();
    await state?.close();
  }
}
