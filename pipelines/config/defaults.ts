// Defaults shared by the CLI, docker-compose.yml and the docs (a test keeps them in agreement).
import { DEFAULT_EVENT_TIME, DEFAULT_INPUT_LIMITS } from '../contract/bounds.ts';

export const DEFAULTS = {
  dataDir: 'data',
  /** Below dataDir. */
  storeDir: 'chdb',
  tokenKeyFile: 'secrets/token.key',
  deadLetterDir: 'dead-letters',
  demoStream: 'demo/stream.jsonl',
  database: 'verity',
  batchSize: 5000,
  storeConcurrency: 4,
  demoCustomers: 2000,
  demoSeed: 20261125,
  clickhouseHttpPort: 8123,
  metricsPort: 9464,
  slaSweepSeconds: 60,
  topics: {
    customers: 'customer.changes',
    agents: 'agent.changes',
    deadLetters: 'customer.changes.dlq',
    issues: 'dq.issues',
  },
  kafkaClientId: 'verity',
  kafkaGroupId: 'verity-quality',
  partitionsConcurrency: 2,
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

/** Environment variables Verity reads; flags win over them, they win over the config file. */
export const ENV = {
  store: 'VERITY_STORE',
  clickhouseUser: 'VERITY_CLICKHOUSE_USER',
  clickhousePassword: 'VERITY_CLICKHOUSE_PASSWORD',
  clickhousePasswordFile: 'VERITY_CLICKHOUSE_PASSWORD_FILE',
  database: 'VERITY_DATABASE',
  dataDir: 'VERITY_DATA_DIR',
  rules: 'VERITY_RULES',
  mappings: 'VERITY_MAPPINGS',
  tokenKey: 'VERITY_TOKEN_KEY',
  tokenKeyFile: 'VERITY_TOKEN_KEY_FILE',
  batchSize: 'VERITY_BATCH_SIZE',
  logLevel: 'VERITY_LOG_LEVEL',
  kafkaBrokers: 'VERITY_KAFKA_BROKERS',
  kafkaClientId: 'VERITY_KAFKA_CLIENT_ID',
  kafkaGroupId: 'VERITY_KAFKA_GROUP_ID',
  customerTopic: 'VERITY_KAFKA_CUSTOMER_TOPIC',
  agentTopic: 'VERITY_KAFKA_AGENT_TOPIC',
  deadLetterTopic: 'VERITY_KAFKA_DEAD_LETTER_TOPIC',
  issueTopic: 'VERITY_KAFKA_ISSUE_TOPIC',
  topicPartitions: 'VERITY_KAFKA_TOPIC_PARTITIONS',
  kafkaSessionTimeoutMs: 'VERITY_KAFKA_SESSION_TIMEOUT_MS',
  partitionsConcurrency: 'VERITY_KAFKA_PARTITIONS_CONCURRENCY',
  kafkaSsl: 'VERITY_KAFKA_SSL',
  kafkaSslCa: 'VERITY_KAFKA_SSL_CA',
  kafkaSslCert: 'VERITY_KAFKA_SSL_CERT',
  kafkaSslKey: 'VERITY_KAFKA_SSL_KEY',
  kafkaSaslMechanism: 'VERITY_KAFKA_SASL_MECHANISM',
  kafkaSaslUsername: 'VERITY_KAFKA_SASL_USERNAME',
  kafkaSaslPassword: 'VERITY_KAFKA_SASL_PASSWORD',
  metricsPort: 'VERITY_METRICS_PORT',
  metricsHost: 'VERITY_METRICS_HOST',
  slaSweepSeconds: 'VERITY_SLA_SWEEP_SECONDS',
  maxMessageBytes: 'VERITY_MAX_MESSAGE_BYTES',
  maxStringLength: 'VERITY_MAX_STRING_LENGTH',
  maxArrayItems: 'VERITY_MAX_ARRAY_ITEMS',
  maxObjectKeys: 'VERITY_MAX_OBJECT_KEYS',
  maxDepth: 'VERITY_MAX_DEPTH',
  eventTimeEarliest: 'VERITY_EVENT_TIME_EARLIEST',
  eventTimeAheadHours: 'VERITY_EVENT_TIME_AHEAD_HOURS',
  storeRetrySeconds: 'VERITY_STORE_RETRY_SECONDS',
  storeTimeoutSeconds: 'VERITY_STORE_TIMEOUT_SECONDS',
} as const;
