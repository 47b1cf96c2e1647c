// Defaults shared by the CLI, docker-compose.yml and the docs (a test keeps them in agreement).
import { DEFAULT_EVENT_TIME, DEFAULT_INPUT_LIMITS } from '../contract/bounds.ts';

export const DEFAULTS = {
  dataDir: 'data',
  /** Below dataDir. */
  storeDir: 'chdb',
  /** Below dataDir: the embedded operational store (PGlite). */
  stateDir: 'pg',
  tokenKeyFile: 'secrets/token.key',
  /** Below dataDir: the key that seals the reveal vault's raw contact data. */
  vaultKeyFile: 'secrets/vault.key',
  deadLetterDir: 'dead-letters',
  demoStream: 'demo/stream.jsonl',
  database: 'verity',
  batchSize: 2500,
  /**
   * How long a write unit short of `batchSize` waits for more batches before its transaction: a
   * Kafka fetch hands over its partitions' chunks one after another, within a few milliseconds.
   */
  unitWaitMs: 5,
  storeConcurrency: 4,
  demoCustomers: 2000,
  demoSeed: 20261125,
  clickhouseHttpPort: 8123,
  metricsPort: 9464,
  slaSweepSeconds: 60,
  /**
   * Customers the run report counts exactly per rule. The only memory a run keeps per customer:
   * past this many a rule's count is a lower bound, so a run of any length stays in bounded memory.
   */
  reportCustomersPerRule: 100_000,
  /**
   * The embedded state store's page cache (PGlite's shared_buffers), in MB. It lives in the
   * process beside chDB; the tables' files stay in the OS page cache besides, so a miss costs a
   * read call, not a disk seek. PostgreSQL's default, 128 MB, put the embedded run over 1 GB.
   */
  stateBufferMb: 32,
  /**
   * WAL the embedded state store writes before it checkpoints, in MB. PGlite runs PostgreSQL as a
   * single-user backend: no checkpointer, and no checkpoint from WAL volume or time, so a run kept
   * every WAL segment it wrote (1.6 GB over 560,000 events) and a restart after a crash replayed
   * all of it. PostgreSQL's own max_wal_size is 1 GB; a quarter of it bounds the folder and the
   * replay, for a checkpoint of at most shared_buffers' dirty pages every few minutes.
   */
  stateCheckpointMb: 256,
  /**
   * How far, in percent, V8 lets a thread's heap grow past what its last full collection kept
   * before it collects again (V8's heap_growing_percent; 0: V8's own choice, up to 300 %). At 60
   * the bench's peak RSS was 127 MB lower with a PostgreSQL server (600 against 727 MB) and 71 MB
   * lower embedded, for 8–19 % more CPU per event (README, Benchmarks: "The heap's growth fixed").
   * Unlike a heap limit (--max-old-space-size), it never stops a run that needs more.
   */
  heapGrowthPercent: 60,
  /**
   * The applied-id window (pipelines/runtime/state-housekeeping.ts): a re-delivered event is
   * recognised for this many days after it was applied. Kafka keeps a topic's messages 7 days by
   * default, so a consumer group reset to the earliest offset re-reads nothing older.
   */
  appliedRetentionDays: 7,
  /**
   * And at most this many ids (about 190 bytes each in PostgreSQL with their indexes: about 4 GB).
   * At a steady few events per second the days bound first; in a backfill at 2,000 events/s the
   * window is about 2.8 hours, which still covers a crash's replay and an upstream's retries.
   */
  appliedIdsMax: 20_000_000,
  topics: {
    customers: 'customer.changes',
    agents: 'agent.changes',
    deadLetters: 'customer.changes.dlq',
    issues: 'dq.issues',
    corrections: 'customer.corrections',
  },
  kafkaClientId: 'verity',
  kafkaGroupId: 'verity-quality',
  /** Enough for every partition of both topics at the default partition count: their chunks share write units. */
  partitionsConcurrency: 16,
  /**
   * One fetch's most bytes (MB): kafkajs fetches again only once every chunk of the last fetch is
   * written, so the pipeline drains at each fetch's end. 48 MB is 12 partitions' 4 MB each.
   */
  fetchMaxMb: 48,
  /** Partitions of the topics `verity run` and `verity produce` create when missing. */
  topicPartitions: 6,
  /** Input bounds (pipelines/contract/bounds.ts): the contract states them. */
  limits: DEFAULT_INPUT_LIMITS,
  eventTimeEarliest: DEFAULT_EVENT_TIME.earliest,
  eventTimeAheadHours: DEFAULT_EVENT_TIME.aheadHours,
  /** How long a batch write is retried while the store is unavailable before the run gives up. */
  storeRetrySeconds: 600,
  /**
   * How long one request to a ClickHouse server may take. Below the Kafka rebalance timeout (60 s)
   * by design: a member that lost its partitions has no insert in flight once they move on.
   */
  storeTimeoutSeconds: 30,
} as const;
