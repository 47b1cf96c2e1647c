// `verity run` configuration in three stages (as the Temporal SDK does it): what the user gave
// (flags, env vars, an optional YAML config file), that merged over defaults and validated once,
// and the compiled plain object the rest of the program uses. A bad value names where it came
// from (flag, env var or file key) and what is allowed.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import type { StateTarget, StoreTarget } from './targets.ts';
import { readYamlFile } from './yaml-file.ts';
import { DEFAULTS } from './defaults.ts';
import type { InputLimits } from '../contract/bounds.ts';
import { ENV, RunOptionsInput, settingName, type SettingKey } from './run-settings.ts';

export { LogLevel, RunOptionsInput } from './run-settings.ts';

type Key = SettingKey;
const flagOf = settingName;

/** TLS towards the brokers: on with the system CAs (`true`), or with PEM contents read at start. */
export type KafkaTls = boolean | { readonly ca?: string; readonly cert?: string; readonly key?: string };

export interface KafkaRunConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: { readonly customers: string; readonly agents: string; readonly deadLetters: string; readonly issues: string; readonly corrections: string };
  readonly ssl: KafkaTls;
  readonly sasl:
    | { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string }
    | undefined;
  readonly partitionsConcurrency: number;
  /** One fetch's most bytes, in MB. */
  readonly fetchMaxMb: number;
  /** Partitions of the topics created at start when missing. */
  readonly topicPartitions: number;
  /** Consumer session timeout; undefined = the Kafka source's own default. */
  readonly sessionTimeoutMs: number | undefined;
}

/** Stage 3: what the program runs with. */
export interface RunConfig {
  readonly input: string | undefined;
  readonly rulesPath: string | undefined;
  readonly mappingsPath: string | undefined;
  readonly store: StoreTarget;
  /** The operational store: PGlite in a folder (the default), or a PostgreSQL server. */
  readonly state: StateTarget;
  readonly database: string;
  readonly dataDir: string;
  readonly tokenKey: { readonly keyHex: string | undefined; readonly keyFile: string };
  readonly vaultKey: { readonly keyHex: string | undefined; readonly keyFile: string };
  readonly deadLetterDir: string;
  readonly batchSize: number;
  readonly unitWaitMs: number;
  readonly storeConcurrency: number;
  readonly once: boolean;
  readonly reportPath: string | undefined;
  readonly logLevel: NonNullable<RunOptionsInput['logLevel']>;
  readonly progress: boolean | undefined;
  /** Set when brokers are configured: Kafka is then the source, and the topics the sinks. */
  readonly kafka: KafkaRunConfig | undefined;
  /** 0 = no metrics endpoint; `auto` = any free port, logged with its URL. */
  readonly metricsPort: number | 'auto';
  /** undefined = the endpoint's default, 127.0.0.1. */
  readonly metricsHost: string | undefined;
  /** SLA clock period; 0 = one sweep at the end of the run only. */
  readonly slaSweepSeconds: number;
  /** Distinct customers per rule the report counts exactly (the run's only per-customer memory). */
  readonly reportCustomersPerRule: number;
  /** V8's heap growth past a full collection's survivors, in percent; 0 = V8's own. */
  readonly heapGrowthPercent: number;
  /** The applied-id window: how long, and how many, ids the state store keeps against re-deliveries. */
  readonly appliedIds: { readonly retentionDays: number; readonly maxIds: number };
  /** What every message must stay within (contract/bounds.ts). */
  readonly limits: InputLimits;
  /** `occurredAt` from this instant to `eventTimeAheadHours` after the processing time. */
  readonly eventTimeEarliest: string;
  readonly eventTimeAheadHours: number;
  /** Retry budget of a batch write while the store is unavailable; 0 = fail at once. */
  readonly storeRetryMs: number;
}

export interface ConfigSources {
  readonly flags: Partial<Record<Key, unknown>>;
  readonly env: NodeJS.ProcessEnv;
  readonly configFile?: string | undefined;
  readonly cwd: string;
  /** Flags a command spells differently from `--kebab-key` (`verity run --group-id`), for error messages. */
  readonly flagNames?: Partial<Record<Key, string>>;
}

function storeTarget(
  value: string,
  user: string | undefined,
  password: string | undefined,
  cwd: string,
  /** Where the value came from (flag, env var or file key), for the error message. */
  where: string,
  requestTimeoutMs: number,
): StoreTarget {
  if (/^https?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(where, 'not a valid URL; use http(s)://host:8123 or a folder for the embedded engine');
    }
    const username = user ?? (url.username ? decodeURIComponent(url.username) : undefined);
    const pass = password ?? (url.password ? decodeURIComponent(url.password) : undefined);
    url.username = '';
    url.password = '';
    return { kind: 'http', url: url.toString(), ...(username ? { username } : {}), ...(pass ? { password: pass } : {}), requestTimeoutMs };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new ConfigError(where, 'only http:// and https:// URLs or a folder path are allowed');
  }
  return { kind: 'embedded', path: resolve(cwd, value) };
}

/** The embedded store's page cache and checkpoint distance as configured; a server has its own. */
function withEmbeddedState(target: StateTarget, bufferMb: number | undefined, checkpointMb: number | undefined): StateTarget {
  return target.kind === 'embedded'
    ? { ...target, bufferMb: bufferMb ?? DEFAULTS.stateBufferMb, checkpointMb: checkpointMb ?? DEFAULTS.stateCheckpointMb }
    : target;
}

/** A postgres:// URL (a server) or a folder (embedded PGlite); anything else names the key and the fix. */
function stateTarget(value: string, cwd: string, where: string): StateTarget {
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new ConfigError(where, 'not a valid URL; use postgres://user@host:5432/database or a folder for the embedded store');
    }
    return { kind: 'server', url: value };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) throw new ConfigError(where, 'only postgres:// URLs or a folder path are allowed');
  return { kind: 'embedded', path: resolve(cwd, value) };
}

export async function resolveRunConfig(sources: ConfigSources): Promise<RunConfig> {
  // Merge with provenance, so an error can say which flag, variable or file key to fix.
  const merged: Record<string, unknown> = {};
  const origin: Partial<Record<Key, string>> = {};
  if (sources.configFile) {
    const configFile = sources.configFile;
    const file = await readYamlFile(configFile, RunOptionsInput).catch((cause: unknown) => {
      throw new ConfigError(configFile, `cannot read config file (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause });
    });
    if (!file.ok) throw new ConfigError(sources.configFile, `invalid config file:\n${file.problems.join('\n')}`);
    for (const [key, value] of Object.entries(file.value)) {
      merged[key] = value;
      origin[key as Key] = `${sources.configFile}: ${key}`;
    }
  }
  for (const [key, name] of Object.entries(ENV) as [Key, string][]) {
    const value = sources.env[name];
    if (value !== undefined && value !== '') {
      merged[key] = value;
      origin[key] = name;
    }
  }
  for (const [key, value] of Object.entries(sources.flags) as [Key, unknown][]) {
    if (value !== undefined) {
      merged[key] = value;
      origin[key] = sources.flagNames?.[key] ?? flagOf(key);
    }
  }
  const parsed = RunOptionsInput.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path[0] as Key | undefined;
    const where = key ? (origin[key] ?? flagOf(key)) : 'configuration';
    throw new ConfigError(where, issue.message);
  }
  const o = parsed.data;
  const dataDir = resolve(sources.cwd, o.dataDir ?? DEFAULTS.dataDir);
  const inData = (p: string) => (isAbsolute(p) ? p : resolve(dataDir, p));
  return {
    input: o.input,
    rulesPath: o.rules === undefined ? undefined : resolve(sources.cwd, o.rules),
    mappingsPath: o.mappings === undefined ? undefined : resolve(sources.cwd, o.mappings),
    store: o.store
      ? storeTarget(
          o.store,
          o.clickhouseUser,
          await clickhousePassword(o, origin, sources.cwd),
          sources.cwd,
          origin.store ?? flagOf('store'),
          (o.storeTimeoutSeconds ?? DEFAULTS.storeTimeoutSeconds) * 1000,
        )
      : { kind: 'embedded', path: inData(DEFAULTS.storeDir) },
    state: withEmbeddedState(
      await withStatePassword(o.state ? stateTarget(o.state, sources.cwd, origin.state ?? flagOf('state')) : { kind: 'embedded', path: inData(DEFAULTS.stateDir) }, o, origin, sources.cwd),
      o.stateBufferMb,
      o.stateCheckpointMb,
    ),
    database: o.database ?? DEFAULTS.database,
    dataDir,
    tokenKey: {
      keyHex: o.tokenKey,
      keyFile: o.tokenKeyFile ? resolve(sources.cwd, o.tokenKeyFile) : inData(DEFAULTS.tokenKeyFile),
    },
    vaultKey: {
      keyHex: o.vaultKey,
      keyFile: o.vaultKeyFile ? resolve(sources.cwd, o.vaultKeyFile) : inData(DEFAULTS.vaultKeyFile),
    },
    deadLetterDir: inData(DEFAULTS.deadLetterDir),
    batchSize: o.batchSize ?? DEFAULTS.batchSize,
    unitWaitMs: o.unitWaitMs ?? DEFAULTS.unitWaitMs,
    storeConcurrency: o.storeConcurrency ?? DEFAULTS.storeConcurrency,
    once: o.once ?? false,
    reportPath: o.report === undefined ? undefined : resolve(sources.cwd, o.report),
    logLevel: o.logLevel ?? 'info',
    progress: o.progress,
    kafka: o.kafkaBrokers ? await kafkaConfig(o, origin, sources.cwd) : undefined,
    metricsPort: o.metricsPort ?? (o.kafkaBrokers ? DEFAULTS.metricsPort : 0),
    metricsHost: o.metricsHost,
    slaSweepSeconds: o.slaSweepSeconds ?? DEFAULTS.slaSweepSeconds,
    reportCustomersPerRule: o.reportCustomersPerRule ?? DEFAULTS.reportCustomersPerRule,
    heapGrowthPercent: o.heapGrowthPercent ?? DEFAULTS.heapGrowthPercent,
    appliedIds: { retentionDays: o.appliedRetentionDays ?? DEFAULTS.appliedRetentionDays, maxIds: o.appliedIdsMax ?? DEFAULTS.appliedIdsMax },
    limits: {
      maxMessageBytes: o.maxMessageBytes ?? DEFAULTS.limits.maxMessageBytes,
      maxStringLength: o.maxStringLength ?? DEFAULTS.limits.maxStringLength,
      maxArrayItems: o.maxArrayItems ?? DEFAULTS.limits.maxArrayItems,
      maxObjectKeys: o.maxObjectKeys ?? DEFAULTS.limits.maxObjectKeys,
      maxDepth: o.maxDepth ?? DEFAULTS.limits.maxDepth,
    },
    eventTimeEarliest: o.eventTimeEarliest ?? DEFAULTS.eventTimeEarliest,
    eventTimeAheadHours: o.eventTimeAheadHours ?? DEFAULTS.eventTimeAheadHours,
    storeRetryMs: (o.storeRetrySeconds ?? DEFAULTS.storeRetrySeconds) * 1000,
  };
}

/**
 * The ClickHouse password, given directly or as a file. A file's one trailing newline (what `echo`
 * or an editor leaves) is not part of the password. Messages name the key and the file, never the content.
 */
async function clickhousePassword(o: RunOptionsInput, origin: Partial<Record<Key, string>>, cwd: string): Promise<string | undefined> {
  const path = o.clickhousePasswordFile;
  if (path === undefined) return o.clickhousePassword;
  const where = origin.clickhousePasswordFile ?? flagOf('clickhousePasswordFile');
  // Two sources of one secret would leave the operator guessing which one is in use.
  if (o.clickhousePassword !== undefined) {
    throw new ConfigError(where, `is set, and so is ${origin.clickhousePassword ?? ENV.clickhousePassword}: give the password one way only`);
  }
  return readPasswordFile(path, where, cwd, 'the ClickHouse password');
}

/** A server state URL with the password from statePasswordFile put in (never logged: describeStateTarget drops it). */
async function withStatePassword(target: StateTarget, o: RunOptionsInput, origin: Partial<Record<Key, string>>, cwd: string): Promise<StateTarget> {
  const path = o.statePasswordFile;
  if (path === undefined) return target;
  const where = origin.statePasswordFile ?? flagOf('statePasswordFile');
  if (target.kind !== 'server') throw new ConfigError(where, 'is set, but the state store is an embedded folder: give --state a postgres:// URL, or drop the password file');
  const url = new URL(target.url);
  if (url.password !== '') throw new ConfigError(where, `is set, and --state's URL has a password too: give the password one way only`);
  url.password = encodeURIComponent(await readPasswordFile(path, where, cwd, "the PostgreSQL password of --state's user"));
  return { kind: 'server', url: url.toString() };
}

async function readPasswordFile(path: string, where: string, cwd: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (cause) {
    throw new ConfigError(where, `cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new ConfigError(where, `${path} is empty: it must hold ${what}`);
  return password;
}

/** Reads a PEM file named by a config key; the error names the key, never the file's content. */
async function readPem(path: string, key: Key, origin: Partial<Record<Key, string>>, cwd: string): Promise<string> {
  const where = origin[key] ?? flagOf(key);
  let pem: string;
  try {
    pem = await readFile(resolve(cwd, path), 'utf8');
  } catch (cause) {
    throw new ConfigError(where, `cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? 'error'}): a PEM file is expected`, { cause });
  }
  if (!pem.includes('-----BEGIN ')) throw new ConfigError(where, `${path} is not a PEM file (no -----BEGIN line)`);
  return pem;
}

async function kafkaTls(o: RunOptionsInput, origin: Partial<Record<Key, string>>, cwd: string): Promise<KafkaTls> {
  const files = { ca: o.kafkaSslCa, cert: o.kafkaSslCert, key: o.kafkaSslKey };
  const named = Object.values(files).some((f) => f !== undefined);
  if (!named) return o.kafkaSsl ?? false;
  if (o.kafkaSsl === false) {
    const file = o.kafkaSslCa !== undefined ? 'kafkaSslCa' : o.kafkaSslCert !== undefined ? 'kafkaSslCert' : 'kafkaSslKey';
    throw new ConfigError(origin.kafkaSsl ?? ENV.kafkaSsl, `is false, but ${origin[file] ?? flagOf(file)} names a TLS file: turn TLS on or drop the file`);
  }
  if ((files.cert === undefined) !== (files.key === undefined)) {
    const given: Key = files.cert !== undefined ? 'kafkaSslCert' : 'kafkaSslKey';
    throw new ConfigError(origin[given] ?? flagOf(given), 'a client certificate needs its key and a key its certificate (kafkaSslCert with kafkaSslKey)');
  }
  return {
    ...(files.ca !== undefined ? { ca: await readPem(files.ca, 'kafkaSslCa', origin, cwd) } : {}),
    ...(files.cert !== undefined ? { cert: await readPem(files.cert, 'kafkaSslCert', origin, cwd) } : {}),
    ...(files.key !== undefined ? { key: await readPem(files.key, 'kafkaSslKey', origin, cwd) } : {}),
  };
}

async function kafkaConfig(o: RunOptionsInput, origin: Partial<Record<Key, string>>, cwd: string): Promise<KafkaRunConfig> {
  let sasl: KafkaRunConfig['sasl'];
  if (o.kafkaSaslMechanism) {
    if (!o.kafkaSaslUsername || !o.kafkaSaslPassword) {
      throw new ConfigError(
        origin.kafkaSaslMechanism ?? ENV.kafkaSaslMechanism,
        `SASL needs a username and password too (${ENV.kafkaSaslUsername}, ${ENV.kafkaSaslPassword})`,
      );
    }
    sasl = { mechanism: o.kafkaSaslMechanism, username: o.kafkaSaslUsername, password: o.kafkaSaslPassword };
  } else if (o.kafkaSaslUsername || o.kafkaSaslPassword) {
    // Credentials without a mechanism would silently connect unauthenticated.
    const given: Key = o.kafkaSaslUsername ? 'kafkaSaslUsername' : 'kafkaSaslPassword';
    throw new ConfigError(origin[given] ?? flagOf(given), `SASL credentials need a mechanism (${ENV.kafkaSaslMechanism}: plain, scram-sha-256 or scram-sha-512)`);
  }
  return {
    brokers: o.kafkaBrokers ?? [],
    clientId: o.kafkaClientId ?? DEFAULTS.kafkaClientId,
    groupId: o.kafkaGroupId ?? DEFAULTS.kafkaGroupId,
    topics: {
      customers: o.customerTopic ?? DEFAULTS.topics.customers,
      agents: o.agentTopic ?? DEFAULTS.topics.agents,
      deadLetters: o.deadLetterTopic ?? DEFAULTS.topics.deadLetters,
      issues: o.issueTopic ?? DEFAULTS.topics.issues,
      corrections: o.correctionTopic ?? DEFAULTS.topics.corrections,
    },
    ssl: await kafkaTls(o, origin, cwd),
    sasl,
    partitionsConcurrency: o.partitionsConcurrency ?? DEFAULTS.partitionsConcurrency,
    fetchMaxMb: o.fetchMaxMb ?? DEFAULTS.fetchMaxMb,
    topicPartitions: o.topicPartitions ?? DEFAULTS.topicPartitions,
    sessionTimeoutMs: o.kafkaSessionTimeoutMs,
  };
}
