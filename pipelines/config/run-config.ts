// `verity run` configuration in three stages (as the Temporal SDK does it): what the user gave
// (flags, env vars, an optional YAML config file), that merged over defaults and validated once,
// and the compiled plain object the rest of the program uses. A bad value names where it came
// from (flag, env var or file key) and what is allowed.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import type { StoreTarget } from '../../connectors/clickhouse/store-client.ts';
import { readYamlFile } from './yaml-file.ts';
import { DEFAULTS, ENV } from './defaults.ts';

const positiveInt = z.coerce.number().int().positive();

/** Stage 1: everything a user may set, all optional, keyed as in the config file. */
export const RunOptionsInput = z.strictObject({
  input: z.string().min(1).optional(),
  rules: z.string().min(1).optional(),
  mappings: z.string().min(1).optional(),
  store: z.string().min(1).optional(),
  clickhouseUser: z.string().optional(),
  clickhousePassword: z.string().optional(),
  database: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a ClickHouse identifier: letters, digits and _, not starting with a digit')
    .optional(),
  dataDir: z.string().min(1).optional(),
  tokenKey: z.string().optional(),
  tokenKeyFile: z.string().min(1).optional(),
  batchSize: positiveInt.max(100_000).optional(),
  storeConcurrency: positiveInt.max(32).optional(),
  once: z.boolean().optional(),
  report: z.string().min(1).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  progress: z.boolean().optional(),
  // Kafka source and sinks (issue topic, dead-letter topic)
  kafkaBrokers: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((b) => b.trim()).filter((b) => b !== ''))
    .pipe(z.array(z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'host:port, comma-separated for several brokers')).min(1))
    .optional(),
  kafkaClientId: z.string().min(1).optional(),
  kafkaGroupId: z.string().min(1).optional(),
  customerTopic: z.string().min(1).optional(),
  agentTopic: z.string().min(1).optional(),
  deadLetterTopic: z.string().min(1).optional(),
  issueTopic: z.string().min(1).optional(),
  kafkaSsl: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
  kafkaSaslMechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  kafkaSaslUsername: z.string().optional(),
  kafkaSaslPassword: z.string().optional(),
  partitionsConcurrency: positiveInt.max(64).optional(),
  metricsPort: z.coerce.number().int().min(0).max(65535).optional(),
});
export type RunOptionsInput = z.infer<typeof RunOptionsInput>;
type Key = keyof RunOptionsInput;

const ENV_KEYS: Partial<Record<Key, string>> = {
  store: ENV.store,
  clickhouseUser: ENV.clickhouseUser,
  clickhousePassword: ENV.clickhousePassword,
  database: ENV.database,
  dataDir: ENV.dataDir,
  rules: ENV.rules,
  mappings: ENV.mappings,
  tokenKey: ENV.tokenKey,
  tokenKeyFile: ENV.tokenKeyFile,
  batchSize: ENV.batchSize,
  logLevel: ENV.logLevel,
  kafkaBrokers: ENV.kafkaBrokers,
  kafkaClientId: ENV.kafkaClientId,
  kafkaGroupId: ENV.kafkaGroupId,
  kafkaSsl: ENV.kafkaSsl,
  kafkaSaslMechanism: ENV.kafkaSaslMechanism,
  kafkaSaslUsername: ENV.kafkaSaslUsername,
  kafkaSaslPassword: ENV.kafkaSaslPassword,
  metricsPort: ENV.metricsPort,
};

const flagOf = (key: Key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export interface KafkaRunConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: { readonly customers: string; readonly agents: string; readonly deadLetters: string; readonly issues: string };
  readonly ssl: boolean;
  readonly sasl:
    | { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string }
    | undefined;
  readonly partitionsConcurrency: number;
}

/** Stage 3: what the program runs with. */
export interface RunConfig {
  readonly input: string | undefined;
  readonly rulesPath: string | undefined;
  readonly mappingsPath: string | undefined;
  readonly store: StoreTarget;
  readonly database: string;
  readonly dataDir: string;
  readonly tokenKey: { readonly keyHex: string | undefined; readonly keyFile: string };
  readonly deadLetterDir: string;
  readonly batchSize: number;
  readonly storeConcurrency: number;
  readonly once: boolean;
  readonly reportPath: string | undefined;
  readonly logLevel: NonNullable<RunOptionsInput['logLevel']>;
  readonly progress: boolean | undefined;
  /** Set when brokers are configured: Kafka is then the source, and the topics the sinks. */
  readonly kafka: KafkaRunConfig | undefined;
  /** 0 = no metrics endpoint. */
  readonly metricsPort: number;
}

export interface ConfigSources {
  readonly flags: Partial<Record<Key, unknown>>;
  readonly env: NodeJS.ProcessEnv;
  readonly configFile?: string | undefined;
  readonly cwd: string;
}

function storeTarget(
  value: string,
  user: string | undefined,
  password: string | undefined,
  cwd: string,
  /** Where the value came from (flag, env var or file key), for the error message. */
  where: string,
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
    return { kind: 'http', url: url.toString(), ...(username ? { username } : {}), ...(pass ? { password: pass } : {}) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new ConfigError(where, 'only http:// and https:// URLs or a folder path are allowed');
  }
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
  for (const [key, name] of Object.entries(ENV_KEYS) as [Key, string][]) {
    const value = sources.env[name];
    if (value !== undefined && value !== '') {
      merged[key] = value;
      origin[key] = name;
    }
  }
  for (const [key, value] of Object.entries(sources.flags) as [Key, unknown][]) {
    if (value !== undefined) {
      merged[key] = value;
      origin[key] = flagOf(key);
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
      ? storeTarget(o.store, o.clickhouseUser, o.clickhousePassword, sources.cwd, origin.store ?? flagOf('store'))
      : { kind: 'embedded', path: inData(DEFAULTS.storeDir) },
    database: o.database ?? DEFAULTS.database,
    dataDir,
    tokenKey: {
      keyHex: o.tokenKey,
      keyFile: o.tokenKeyFile ? resolve(sources.cwd, o.tokenKeyFile) : inData(DEFAULTS.tokenKeyFile),
    },
    deadLetterDir: inData(DEFAULTS.deadLetterDir),
    batchSize: o.batchSize ?? DEFAULTS.batchSize,
    storeConcurrency: o.storeConcurrency ?? DEFAULTS.storeConcurrency,
    once: o.once ?? false,
    reportPath: o.report === undefined ? undefined : resolve(sources.cwd, o.report),
    logLevel: o.logLevel ?? 'info',
    progress: o.progress,
    kafka: o.kafkaBrokers ? kafkaConfig(o, origin) : undefined,
    metricsPort: o.metricsPort ?? (o.kafkaBrokers ? DEFAULTS.metricsPort : 0),
  };
}

function kafkaConfig(o: RunOptionsInput, origin: Partial<Record<Key, string>>): KafkaRunConfig {
  let sasl: KafkaRunConfig['sasl'];
  if (o.kafkaSaslMechanism) {
    if (!o.kafkaSaslUsername || !o.kafkaSaslPassword) {
      throw new ConfigError(
        origin.kafkaSaslMechanism ?? ENV.kafkaSaslMechanism,
        `SASL needs a username and password too (${ENV.kafkaSaslUsername}, ${ENV.kafkaSaslPassword})`,
      );
    }
    sasl = { mechanism: o.kafkaSaslMechanism, username: o.kafkaSaslUsername, password: o.kafkaSaslPassword };
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
    },
    ssl: o.kafkaSsl ?? false,
    sasl,
    partitionsConcurrency: o.partitionsConcurrency ?? 2,
  };
}
