// Every `verity run` setting, declared once: the config-file key (the entry's name), the flag, the
// environment variable, the schema that validates it from any of them, the help text and the
// default shown. The flags of `verity run`, its `--help`, the env names (and the README's table,
// which a test checks) all come from this list. Values and defaults are applied in
// run-config.ts, which turns what the user gave into the plain RunConfig the program uses.
import { z } from 'zod';
import { DATE_DOMAIN } from '../contract/bounds.ts';
import { DEFAULTS } from './defaults.ts';

/**
 * Every schema below states what is allowed in its own words, because the message is all a user
 * sees (`--batch-size: a whole number from 1 to 100000`). Numbers arrive as strings from flags and
 * env vars and as numbers from the config file; booleans only from env vars and the file.
 */
export function wholeNumber(min: number, max: number) {
  const allowed = `a whole number from ${min} to ${max}`;
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value),
    z.number({ error: allowed }).int({ error: allowed }).min(min, { error: allowed }).max(max, { error: allowed }),
  );
}
const EARLIEST = `a date (YYYY-MM-DD) or an ISO-8601 instant with an offset, not before ${DATE_DOMAIN.first}`;
export const trueOrFalse = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], { error: 'true or false' });
export const text = z.string({ error: 'a text value' }).min(1, { error: 'must not be empty' });
const secret = z.string({ error: 'a text value' });

/** pino's levels, and `silent`. */
export const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export interface Setting<S extends z.ZodType> {
  readonly schema: S;
  /** The environment variable; absent when the setting cannot come from the environment. */
  readonly env?: string;
  /**
   * commander's option spec (`--batch-size <n>`); absent when there is no flag: secrets, which a
   * command line would show to every user of the host, and settings for the config file only.
   */
  readonly flag?: string;
  readonly help: string;
  /** The default as `--help` shows it; absent when there is none. */
  readonly shown?: string;
}

/** Keeps each entry's own types (its schema's, and whether it has an env variable). */
export const setting = <const T extends Setting<z.ZodType>>(s: T): T => s;

export const RUN_SETTINGS = {
  input: setting({ schema: text, flag: '-i, --input <file>', help: 'JSON Lines input file, or - for standard input' }),
  rules: setting({ schema: text, env: 'VERITY_RULES', flag: '--rules <dir>', help: 'rule pack folder or file', shown: 'the built-in pack' }),
  mappings: setting({ schema: text, env: 'VERITY_MAPPINGS', flag: '--mappings <dir>', help: 'Debezium field-mapping folder or file', shown: 'the shipped example' }),
  store: setting({
    schema: text,
    env: 'VERITY_STORE',
    flag: '--store <dir|url>',
    help: 'embedded chDB folder, or http(s):// URL of a ClickHouse server',
    shown: `${DEFAULTS.dataDir}/${DEFAULTS.storeDir}`,
  }),
  state: setting({
    schema: text,
    env: 'VERITY_STATE_URL',
    flag: '--state <dir|url>',
    help: 'issue and pattern state: an embedded PGlite folder, or postgres://… of a PostgreSQL server',
    shown: `${DEFAULTS.dataDir}/${DEFAULTS.stateDir}`,
  }),
  stateBufferMb: setting({
    schema: wholeNumber(1, 65_536),
    env: 'VERITY_STATE_BUFFER_MB',
    flag: '--state-buffer-mb <mb>',
    help: "the embedded state store's page cache (PGlite shared_buffers), in the process's memory; a PostgreSQL server sizes its own",
    shown: String(DEFAULTS.stateBufferMb),
  }),
  stateCheckpointMb: setting({
    schema: wholeNumber(16, 65_536),
    env: 'VERITY_STATE_CHECKPOINT_MB',
    flag: '--state-checkpoint-mb <mb>',
    help: 'the embedded state store checkpoints after this much WAL, which bounds its folder and the replay after a crash; a PostgreSQL server checkpoints by its own settings',
    shown: String(DEFAULTS.stateCheckpointMb),
  }),
  heapGrowthPercent: setting({
    schema: wholeNumber(0, 1000),
    env: 'VERITY_HEAP_GROWTH_PERCENT',
    flag: '--heap-growth-percent <n>',
    help: "how far each thread's V8 heap may grow past what its last full collection kept before the next, in percent: lower keeps the peak RSS lower for more collector CPU; 0 = V8's own choice (up to 300)",
    shown: String(DEFAULTS.heapGrowthPercent),
  }),
  appliedRetentionDays: setting({
    schema: wholeNumber(1, 3650),
    env: 'VERITY_APPLIED_RETENTION_DAYS',
    flag: '--applied-retention-days <days>',
    help: 'a re-delivered event (same eventId) is recognised and changes nothing for this many days after it was applied; later it is applied again. Keep it at least the topics\' retention',
    shown: String(DEFAULTS.appliedRetentionDays),
  }),
  appliedIdsMax: setting({
    schema: wholeNumber(100_000, 10_000_000_000),
    env: 'VERITY_APPLIED_IDS_MAX',
    flag: '--applied-ids-max <n>',
    help: 'the state store keeps at most this many applied event ids (the newest; about 190 bytes each), whatever their age',
    shown: String(DEFAULTS.appliedIdsMax),
  }),
  statePasswordFile: setting({ schema: text, env: 'VERITY_STATE_PASSWORD_FILE', help: "file holding the PostgreSQL password of --state's user, e.g. a Compose secret, so it stays out of the URL and the environment (one trailing newline dropped)" }),
  clickhouseUser: setting({ schema: secret, env: 'VERITY_CLICKHOUSE_USER', help: 'ClickHouse user', shown: 'from the URL, else the server default' }),
  clickhousePassword: setting({ schema: secret, env: 'VERITY_CLICKHOUSE_PASSWORD', help: 'ClickHouse password' }),
  /** A file holding the password (a Compose or Kubernetes secret), so it never sits in the environment. */
  clickhousePasswordFile: setting({ schema: text, env: 'VERITY_CLICKHOUSE_PASSWORD_FILE', help: 'file holding the ClickHouse password, e.g. a Compose secret (one trailing newline dropped; not together with clickhousePassword)' }),
  database: setting({
    schema: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a ClickHouse identifier: letters, digits and _, not starting with a digit'),
    env: 'VERITY_DATABASE',
    flag: '--database <name>',
    help: 'ClickHouse database',
    shown: DEFAULTS.database,
  }),
  dataDir: setting({ schema: text, env: 'VERITY_DATA_DIR', flag: '--data-dir <dir>', help: 'folder for the embedded store, token key and dead letters', shown: DEFAULTS.dataDir }),
  tokenKey: setting({ schema: secret, env: 'VERITY_TOKEN_KEY', help: 'token key, hex or base64, at least 32 bytes; else the key file' }),
  tokenKeyFile: setting({ schema: text, env: 'VERITY_TOKEN_KEY_FILE', help: 'token key file', shown: `${DEFAULTS.dataDir}/${DEFAULTS.tokenKeyFile}` }),
  vaultKey: setting({ schema: secret, env: 'VERITY_VAULT_KEY', help: "reveal vault key (AES-256-GCM, derived by HKDF), hex or base64, at least 32 bytes; else the key file; the same in every process" }),
  vaultKeyFile: setting({ schema: text, env: 'VERITY_VAULT_KEY_FILE', help: 'reveal vault key file (mode 0600, created on first use)', shown: `${DEFAULTS.dataDir}/${DEFAULTS.vaultKeyFile}` }),
  batchSize: setting({ schema: wholeNumber(1, 100_000), env: 'VERITY_BATCH_SIZE', flag: '--batch-size <n>', help: 'events per batch, and per write unit (batches waiting for the state store go through it together)', shown: String(DEFAULTS.batchSize) }),
  unitWaitMs: setting({
    schema: wholeNumber(0, 1000),
    env: 'VERITY_UNIT_WAIT_MS',
    flag: '--unit-wait-ms <ms>',
    help: "how long a write unit short of --batch-size events waits for more batches (other partitions' chunks of the same fetch) before its transaction",
    shown: String(DEFAULTS.unitWaitMs),
  }),
  storeConcurrency: setting({ schema: wholeNumber(1, 32), help: 'inserts of one batch in flight at once', shown: String(DEFAULTS.storeConcurrency) }),
  once: setting({
    schema: z.boolean(),
    flag: '--once',
    help: 'process the input and exit: Kafka stops once caught up with every partition (file and stdin always end at end of input)',
  }),
  report: setting({ schema: text, flag: '--report <file>', help: 'write a JSON run report' }),
  logLevel: setting({ schema: LogLevel, env: 'VERITY_LOG_LEVEL', flag: '--log-level <level>', help: `${LogLevel.options.join('|')}: JSON logs on stderr, never personal data`, shown: 'info' }),
  progress: setting({ schema: z.boolean(), flag: '--no-progress', help: 'no live progress line even on a terminal' }),
  kafkaBrokers: setting({
    schema: z
      .union([z.string(), z.array(z.string())])
      .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((b) => b.trim()).filter((b) => b !== ''))
      .pipe(z.array(z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'host:port, comma-separated for several brokers')).min(1, 'host:port, comma-separated for several brokers')),
    env: 'VERITY_KAFKA_BROKERS',
    flag: '--kafka-brokers <list>',
    help: 'consume Kafka: host:port, comma-separated; --input then not needed',
  }),
  kafkaClientId: setting({ schema: text, env: 'VERITY_KAFKA_CLIENT_ID', flag: '--kafka-client-id <id>', help: 'Kafka client id', shown: DEFAULTS.kafkaClientId }),
  kafkaGroupId: setting({ schema: text, env: 'VERITY_KAFKA_GROUP_ID', flag: '--group-id <id>', help: 'Kafka consumer group', shown: DEFAULTS.kafkaGroupId }),
  customerTopic: setting({ schema: text, env: 'VERITY_KAFKA_CUSTOMER_TOPIC', flag: '--customer-topic <topic>', help: 'customer change topic', shown: DEFAULTS.topics.customers }),
  agentTopic: setting({ schema: text, env: 'VERITY_KAFKA_AGENT_TOPIC', flag: '--agent-topic <topic>', help: 'agent change topic', shown: DEFAULTS.topics.agents }),
  deadLetterTopic: setting({ schema: text, env: 'VERITY_KAFKA_DEAD_LETTER_TOPIC', flag: '--dead-letter-topic <topic>', help: 'dead-letter topic', shown: DEFAULTS.topics.deadLetters }),
  issueTopic: setting({ schema: text, env: 'VERITY_KAFKA_ISSUE_TOPIC', flag: '--issue-topic <topic>', help: 'issue change topic', shown: DEFAULTS.topics.issues }),
  correctionTopic: setting({ schema: text, env: 'VERITY_KAFKA_CORRECTION_TOPIC', flag: '--correction-topic <topic>', help: "stewards' corrections for the upstream systems (key = customerId)", shown: DEFAULTS.topics.corrections }),
  topicPartitions: setting({
    schema: wholeNumber(1, 1000),
    env: 'VERITY_KAFKA_TOPIC_PARTITIONS',
    flag: '--topic-partitions <n>',
    help: 'partitions of topics Verity creates when missing',
    shown: String(DEFAULTS.topicPartitions),
  }),
  kafkaSessionTimeoutMs: setting({
    schema: wholeNumber(1000, 3_600_000),
    env: 'VERITY_KAFKA_SESSION_TIMEOUT_MS',
    flag: '--session-timeout-ms <ms>',
    help: 'Kafka consumer session timeout: how soon a crashed member is replaced',
    shown: '30000',
  }),
  kafkaSsl: setting({ schema: trueOrFalse, env: 'VERITY_KAFKA_SSL', flag: '--kafka-ssl', help: 'connect to the brokers over TLS (env: true or false)', shown: 'off' }),
  kafkaSslCa: setting({ schema: text, env: 'VERITY_KAFKA_SSL_CA', flag: '--kafka-ssl-ca <file>', help: "PEM file of the CA that signed the brokers' certificates (turns TLS on)" }),
  kafkaSslCert: setting({ schema: text, env: 'VERITY_KAFKA_SSL_CERT', flag: '--kafka-ssl-cert <file>', help: 'PEM client certificate for mutual TLS, with --kafka-ssl-key' }),
  kafkaSslKey: setting({ schema: text, env: 'VERITY_KAFKA_SSL_KEY', flag: '--kafka-ssl-key <file>', help: 'PEM private key of the client certificate' }),
  kafkaSaslMechanism: setting({
    schema: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
    env: 'VERITY_KAFKA_SASL_MECHANISM',
    flag: '--kafka-sasl-mechanism <name>',
    help: 'plain|scram-sha-256|scram-sha-512; the password comes from VERITY_KAFKA_SASL_PASSWORD or the config file, never a flag',
  }),
  kafkaSaslUsername: setting({ schema: secret, env: 'VERITY_KAFKA_SASL_USERNAME', flag: '--kafka-sasl-username <name>', help: 'SASL user name' }),
  kafkaSaslPassword: setting({ schema: secret, env: 'VERITY_KAFKA_SASL_PASSWORD', help: 'SASL password' }),
  fetchMaxMb: setting({
    schema: wholeNumber(1, 1024),
    env: 'VERITY_KAFKA_FETCH_MAX_MB',
    flag: '--fetch-max-mb <mb>',
    help: "the most one Kafka fetch brings (all partitions): what is in memory before it is written; smaller fetches drain the pipeline more often",
    shown: String(DEFAULTS.fetchMaxMb),
  }),
  partitionsConcurrency: setting({
    schema: wholeNumber(1, 64),
    env: 'VERITY_KAFKA_PARTITIONS_CONCURRENCY',
    flag: '--partitions-concurrency <n>',
    help: 'partitions processed concurrently (their chunks share write units)',
    shown: String(DEFAULTS.partitionsConcurrency),
  }),
  metricsPort: setting({
    // `auto`: whatever port is free, logged with its URL; for whoever starts the process and reads
    // the log, so that no port is picked in advance for another process to take first.
    schema: z.union([wholeNumber(0, 65535), z.literal('auto')], { error: 'a whole number from 0 to 65535, or auto' }),
    env: 'VERITY_METRICS_PORT',
    flag: '--metrics-port <port>',
    help: 'serve /metrics, /healthz and /readyz on this port; 0 = off; auto = any free port, logged with its URL',
    shown: `${DEFAULTS.metricsPort} with Kafka, else 0`,
  }),
  metricsHost: setting({ schema: text, env: 'VERITY_METRICS_HOST', flag: '--metrics-host <addr>', help: 'address the metrics endpoint listens on', shown: '127.0.0.1; 0.0.0.0 in a container' }),
  slaSweepSeconds: setting({
    schema: wholeNumber(0, 86_400),
    env: 'VERITY_SLA_SWEEP_SECONDS',
    flag: '--sla-sweep-seconds <s>',
    help: 'how often the SLA clock raises its reminders and breaches; 0 = only at the start and the end of a run',
    shown: String(DEFAULTS.slaSweepSeconds),
  }),
  reportCustomersPerRule: setting({
    schema: wholeNumber(0, 10_000_000),
    env: 'VERITY_REPORT_CUSTOMERS_PER_RULE',
    flag: '--report-customers-per-rule <n>',
    help: "distinct customers per rule the run report counts exactly (about 100 bytes each); past it the report's count is a lower bound, so memory stays flat on an endless run",
    shown: String(DEFAULTS.reportCustomersPerRule),
  }),
  // Input bounds (contract/bounds.ts): a message beyond them is dead-lettered, never truncated.
  maxMessageBytes: setting({
    schema: wholeNumber(1024, 64 * 1024 * 1024),
    env: 'VERITY_MAX_MESSAGE_BYTES',
    flag: '--max-message-bytes <n>',
    help: 'messages larger than this are dead-lettered as too-large',
    shown: String(DEFAULTS.limits.maxMessageBytes),
  }),
  maxStringLength: setting({
    schema: wholeNumber(64, 1_048_576),
    env: 'VERITY_MAX_STRING_LENGTH',
    flag: '--max-string-length <n>',
    help: 'longest string value or member name, in characters',
    shown: String(DEFAULTS.limits.maxStringLength),
  }),
  maxArrayItems: setting({
    schema: wholeNumber(1, 100_000),
    env: 'VERITY_MAX_ARRAY_ITEMS',
    flag: '--max-array-items <n>',
    help: 'most items in any array: accounts, relatives, …',
    shown: String(DEFAULTS.limits.maxArrayItems),
  }),
  maxObjectKeys: setting({ schema: wholeNumber(16, 100_000), env: 'VERITY_MAX_OBJECT_KEYS', flag: '--max-object-keys <n>', help: 'most members in any object', shown: String(DEFAULTS.limits.maxObjectKeys) }),
  maxDepth: setting({ schema: wholeNumber(4, 1000), env: 'VERITY_MAX_DEPTH', flag: '--max-depth <n>', help: 'deepest nesting of objects and arrays', shown: String(DEFAULTS.limits.maxDepth) }),
  eventTimeEarliest: setting({
    schema: z
      .string({ error: EARLIEST })
      .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) || z.iso.datetime({ offset: true }).safeParse(v).success, { error: EARLIEST })
      .transform((v) => (v.length === 10 ? `${v}T00:00:00Z` : v))
      .refine((v) => !Number.isNaN(Date.parse(v)) && Date.parse(v) >= Date.parse(`${DATE_DOMAIN.first}T00:00:00Z`), { error: EARLIEST }),
    env: 'VERITY_EVENT_TIME_EARLIEST',
    flag: '--event-time-earliest <date>',
    help: 'earliest occurredAt accepted, a date or an ISO instant',
    shown: DEFAULTS.eventTimeEarliest.slice(0, 10),
  }),
  eventTimeAheadHours: setting({
    schema: wholeNumber(0, 24 * 366),
    env: 'VERITY_EVENT_TIME_AHEAD_HOURS',
    flag: '--event-time-ahead-hours <h>',
    help: 'how far past the processing time occurredAt may lie',
    shown: String(DEFAULTS.eventTimeAheadHours),
  }),
  storeRetrySeconds: setting({
    schema: wholeNumber(0, 86_400),
    env: 'VERITY_STORE_RETRY_SECONDS',
    flag: '--store-retry-seconds <s>',
    help: 'how long a batch write is retried while the store is unavailable before the run stops',
    shown: String(DEFAULTS.storeRetrySeconds),
  }),
  storeTimeoutSeconds: setting({
    // At most 50 s: under the Kafka rebalance timeout (see DEFAULTS.storeTimeoutSeconds).
    schema: wholeNumber(1, 50),
    env: 'VERITY_STORE_TIMEOUT_SECONDS',
    flag: '--store-timeout-seconds <s>',
    help: 'how long one request to a ClickHouse server may take',
    shown: String(DEFAULTS.storeTimeoutSeconds),
  }),
};

type Settings = typeof RUN_SETTINGS;
export type SettingKey = keyof Settings;

/** Stage 1: everything a user may set, all optional, keyed as in the config file. */
export const RunOptionsInput = z.strictObject(
  Object.fromEntries(Object.entries(RUN_SETTINGS).map(([key, s]) => [key, s.schema.optional()])) as {
    [K in SettingKey]: z.ZodOptional<Settings[K]['schema']>;
  },
);
export type RunOptionsInput = z.infer<typeof RunOptionsInput>;

type EnvKey = { [K in SettingKey]: Settings[K] extends { readonly env: string } ? K : never }[SettingKey];
type EnvOf = { readonly [K in EnvKey]: Settings[K] extends { readonly env: infer E } ? E : never };

/** The environment variable of each setting that has one. */
export const ENV = Object.fromEntries(
  Object.entries(RUN_SETTINGS).flatMap(([key, s]) => ('env' in s && s.env !== undefined ? [[key, s.env]] : [])),
) as EnvOf;

/** `--group-id <id>` → `--group-id`; `--no-progress` → `--no-progress`. */
export function flagName(spec: string): string {
  return /(--[a-z0-9-]+)/.exec(spec)![1]!;
}

/** How commander names the value of a flag: `--group-id` → `groupId`, `--no-progress` → `progress`. */
export function flagAttribute(spec: string): string {
  return flagName(spec)
    .replace(/^--(no-)?/, '')
    .replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Where a setting is named for its user: its flag, else its variable, else its config-file key. */
export function settingName(key: SettingKey): string {
  const s: Setting<z.ZodType> = RUN_SETTINGS[key];
  return s.flag ? flagName(s.flag) : (s.env ?? key);
}

/** `--help` text: the help, the variable when there is one, and the default. */
export function helpOf(key: SettingKey): string {
  const s: Setting<z.ZodType> = RUN_SETTINGS[key];
  const extras = [s.env ? `env ${s.env}` : undefined, s.shown ? `default: ${s.shown}` : undefined].filter(Boolean);
  return extras.length === 0 ? s.help : `${s.help} (${extras.join('; ')})`;
}

/** The README's configuration table, from this list (a test keeps the README in step). */
export function renderSettingsTable(): string {
  const cell = (text: string | undefined) => (text === undefined || text === '' ? '' : text.replace(/\|/g, '\\|'));
  const code = (text: string | undefined) => (text === undefined ? '' : `\`${text.replace(/\|/g, '\\|')}\``);
  const rows = (Object.entries(RUN_SETTINGS) as [SettingKey, Setting<z.ZodType>][]).map(
    ([key, s]) => `| \`${key}\` | ${code(s.flag)} | ${code(s.env)} | ${cell(s.shown)} | ${cell(s.help)} |`,
  );
  return ['| config-file key | flag | env | default | what |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

export const SETTINGS_TABLE_MARKERS = ['<!-- settings-table: generated from pipelines/config/run-settings.ts -->', '<!-- /settings-table -->'] as const;
