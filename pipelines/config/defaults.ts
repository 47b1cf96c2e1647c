// Defaults shared by the CLI, docker-compose.yml and the docs (a test keeps them in agreement).
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
  topics: {
    customers: 'customer.changes',
    agents: 'agent.changes',
    deadLetters: 'customer.changes.dlq',
    issues: 'dq.issues',
  },
  kafkaClientId: 'verity',
  kafkaGroupId: 'verity-quality',
} as const;

/** Environment variables Verity reads; flags win over them, they win over the config file. */
export const ENV = {
  store: 'VERITY_STORE',
  clickhouseUser: 'VERITY_CLICKHOUSE_USER',
  clickhousePassword: 'VERITY_CLICKHOUSE_PASSWORD',
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
  kafkaSsl: 'VERITY_KAFKA_SSL',
  kafkaSaslMechanism: 'VERITY_KAFKA_SASL_MECHANISM',
  kafkaSaslUsername: 'VERITY_KAFKA_SASL_USERNAME',
  kafkaSaslPassword: 'VERITY_KAFKA_SASL_PASSWORD',
  metricsPort: 'VERITY_METRICS_PORT',
} as const;
