import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { DEFAULTS } from './defaults.ts';
import { resolveRunConfig, type ConfigSources } from './run-config.ts';

const CWD = '/srv/verity-unit';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verity-run-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

const resolveWith = (sources: Partial<ConfigSources>) => resolveRunConfig({ flags: {}, env: {}, cwd: CWD, ...sources });

async function configError(sources: Partial<ConfigSources>): Promise<ConfigError> {
  try {
    await resolveWith(sources);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveRunConfig', () => {
  it('falls back to the defaults, relative to cwd and the data folder', async () => {
    const config = await resolveWith({});
    const dataDir = resolve(CWD, DEFAULTS.dataDir);
    expect(config).toMatchObject({
      input: undefined,
      rulesPath: undefined,
      mappingsPath: undefined,
      store: { kind: 'embedded', path: join(dataDir, DEFAULTS.storeDir) },
      database: DEFAULTS.database,
      dataDir,
      tokenKey: { keyHex: undefined, keyFile: join(dataDir, DEFAULTS.tokenKeyFile) },
      deadLetterDir: join(dataDir, DEFAULTS.deadLetterDir),
      batchSize: DEFAULTS.batchSize,
      storeConcurrency: DEFAULTS.storeConcurrency,
      once: false,
      reportPath: undefined,
      logLevel: 'info',
      progress: undefined,
    });
  });

  it('lets flags win over env vars, and env vars over the config file', async () => {
    const file = await configFile('all.yaml', 'batchSize: 100\ndatabase: from_file\nlogLevel: warn\nrules: file-rules\n');
    const fileOnly = await resolveWith({ configFile: file });
    expect(fileOnly).toMatchObject({ batchSize: 100, database: 'from_file', logLevel: 'warn', rulesPath: resolve(CWD, 'file-rules') });

    const env = { VERITY_BATCH_SIZE: '200', VERITY_DATABASE: 'from_env' };
    const withEnv = await resolveWith({ configFile: file, env });
    expect(withEnv).toMatchObject({ batchSize: 200, database: 'from_env', logLevel: 'warn' });

    const withFlags = await resolveWith({ configFile: file, env, flags: { batchSize: '300', logLevel: 'debug' } });
    expect(withFlags).toMatchObject({ batchSize: 300, database: 'from_env', logLevel: 'debug', rulesPath: resolve(CWD, 'file-rules') });
  });

  it('sizes the embedded state store\'s page cache and the report\'s distinct customers from config, and names the key when out of range', async () => {
    const defaults = await resolveWith({});
    expect(defaults.state).toMatchObject({ kind: 'embedded', bufferMb: DEFAULTS.stateBufferMb });
    expect(defaults.reportCustomersPerRule).toBe(DEFAULTS.reportCustomersPerRule);
    const set = await resolveWith({ env: { VERITY_STATE_BUFFER_MB: '64' }, flags: { reportCustomersPerRule: '10' } });
    expect(set.state).toMatchObject({ kind: 'embedded', bufferMb: 64 });
    expect(set.reportCustomersPerRule).toBe(10);
    // A server sizes its own cache.
    expect((await resolveWith({ flags: { state: 'postgres://u@db:5432/verity', stateBufferMb: '64' } })).state).toEqual({ kind: 'server', url: 'postgres://u@db:5432/verity' });
    expect((await configError({ flags: { stateBufferMb: '0' } })).key).toBe('--state-buffer-mb');
    expect((await configError({ env: { VERITY_REPORT_CUSTOMERS_PER_RULE: '-1' } })).key).toBe('VERITY_REPORT_CUSTOMERS_PER_RULE');
  });

  it('takes the heap growth from config, 60 % unless told, and names the key when out of range', async () => {
    expect((await resolveWith({})).heapGrowthPercent).toBe(60);
    expect((await resolveWith({ env: { VERITY_HEAP_GROWTH_PERCENT: '0' } })).heapGrowthPercent).toBe(0);
    expect((await resolveWith({ env: { VERITY_HEAP_GROWTH_PERCENT: '0' }, flags: { heapGrowthPercent: '150' } })).heapGrowthPercent).toBe(150);
    const error = await configError({ flags: { heapGrowthPercent: '-5' } });
    expect(error.key).toBe('--heap-growth-percent');
    expect(error.message).toContain('a whole number from 0 to 1000');
  });

  it('sizes the applied-id window from config (days and ids), and names the key and what is allowed when out of range', async () => {
    expect((await resolveWith({})).appliedIds).toEqual({ retentionDays: DEFAULTS.appliedRetentionDays, maxIds: DEFAULTS.appliedIdsMax });
    const file = await configFile('window.yaml', 'appliedRetentionDays: 30\n');
    expect((await resolveWith({ configFile: file, env: { VERITY_APPLIED_IDS_MAX: '500000' } })).appliedIds).toEqual({ retentionDays: 30, maxIds: 500_000 });
    const tooShort = await configError({ flags: { appliedRetentionDays: '0' } });
    expect(tooShort.key).toBe('--applied-retention-days');
    expect(tooShort.message).toContain('a whole number from 1 to 3650');
    // Fewer ids than one write unit holds would forget a unit's ids before a replay could meet them.
    expect((await configError({ env: { VERITY_APPLIED_IDS_MAX: '99999' } })).key).toBe('VERITY_APPLIED_IDS_MAX');
  });

  it('ignores empty env vars and undefined flags', async () => {
    const config = await resolveWith({ env: { VERITY_BATCH_SIZE: '' }, flags: { batchSize: undefined, database: undefined } });
    expect(config.batchSize).toBe(DEFAULTS.batchSize);
    expect(config.database).toBe(DEFAULTS.database);
  });

  it('names the flag for a bad --batch-size', async () => {
    const error = await configError({ flags: { batchSize: 'abc' }, env: { VERITY_BATCH_SIZE: '10' } });
    expect(error.key).toBe('--batch-size');
    expect(error.message).toMatch(/^--batch-size: /);
  });

  it('names the env var for a bad VERITY_BATCH_SIZE', async () => {
    const error = await configError({ env: { VERITY_BATCH_SIZE: 'abc' } });
    expect(error.key).toBe('VERITY_BATCH_SIZE');
    expect(error.message).toMatch(/^VERITY_BATCH_SIZE: /);
    expect((await configError({ env: { VERITY_BATCH_SIZE: '0' } })).key).toBe('VERITY_BATCH_SIZE');
    expect((await configError({ env: { VERITY_BATCH_SIZE: '1000000' } })).key).toBe('VERITY_BATCH_SIZE');
  });

  it('names the flag for a bad database name', async () => {
    const error = await configError({ flags: { database: 'drop table' } });
    expect(error.message).toBe('--database: a ClickHouse identifier: letters, digits and _, not starting with a digit');
  });

  it('names the file and the line for a bad config-file key or value', async () => {
    const file = await configFile('bad-key.yaml', 'database: ok_db\nbatchSzie: 10\n');
    const error = await configError({ configFile: file });
    expect(error.key).toBe(file);
    expect(error.message).toBe(`${file}: invalid config file:\n${file}:2: Unrecognized key: "batchSzie"`);

    const badValue = await configFile('bad-value.yaml', 'database: ok_db\nbatchSize: lots\n');
    const valueError = await configError({ configFile: badValue });
    expect(valueError.key).toBe(badValue);
    expect(valueError.message).toMatch(new RegExp(`^${badValue}: invalid config file:\\n${badValue}:2: batchSize: `));
  });

  it('reports a config file that cannot be read as a ConfigError naming it', async () => {
    const missing = join(dir, 'missing.yaml');
    const error = await configError({ configFile: missing });
    expect(error.key).toBe(missing);
    expect(error.message).toBe(`${missing}: cannot read config file (ENOENT)`);
  });

  it('moves credentials out of an http store URL', async () => {
    const config = await resolveWith({ flags: { store: 'http://user:pw@host:8123' } });
    expect(config.store).toEqual({ kind: 'http', url: 'http://host:8123/', username: 'user', password: 'pw', requestTimeoutMs: 30_000 });
    // Percent-encoded credentials are decoded; explicit credentials win over the URL's.
    const encoded = await resolveWith({ flags: { store: 'https://us%40er:p%3Aw@ch.example.invalid:8443/base' } });
    expect(encoded.store).toEqual({ kind: 'http', url: 'https://ch.example.invalid:8443/base', username: 'us@er', password: 'p:w', requestTimeoutMs: 30_000 });
    const explicit = await resolveWith({
      flags: { store: 'http://user:pw@host:8123' },
      env: { VERITY_CLICKHOUSE_USER: 'env-user', VERITY_CLICKHOUSE_PASSWORD: 'env-pw' },
    });
    expect(explicit.store).toEqual({ kind: 'http', url: 'http://host:8123/', username: 'env-user', password: 'env-pw', requestTimeoutMs: 30_000 });
    // No credentials at all: none invented.
    expect((await resolveWith({ env: { VERITY_STORE: 'http://host:8123', VERITY_STORE_TIMEOUT_SECONDS: '5' } })).store).toEqual({ kind: 'http', url: 'http://host:8123/', requestTimeoutMs: 5000 });
  });

  it('reads the ClickHouse password from VERITY_CLICKHOUSE_PASSWORD_FILE, without the trailing newline', async () => {
    const secret = 'file-secret-0f3a';
    const store = { VERITY_STORE: 'http://host:8123', VERITY_CLICKHOUSE_USER: 'verity' };
    const withNewline = await configFile('ch-password', `${secret}\n`);
    const config = await resolveWith({ env: { ...store, VERITY_CLICKHOUSE_PASSWORD_FILE: withNewline } });
    expect(config.store).toEqual({ kind: 'http', url: 'http://host:8123/', username: 'verity', password: secret, requestTimeoutMs: 30_000 });
    // Only one newline is the file's ending; anything else is part of the password.
    const crlf = await configFile('ch-password-crlf', ` ${secret}\r\n`);
    expect((await resolveWith({ env: { ...store, VERITY_CLICKHOUSE_PASSWORD_FILE: crlf } })).store).toMatchObject({ password: ` ${secret}` });
    // A relative path is taken from the working directory, like every other file setting.
    const relative = await resolveWith({ env: { ...store, VERITY_CLICKHOUSE_PASSWORD_FILE: 'ch-password' }, cwd: dir });
    expect(relative.store).toMatchObject({ password: secret });

    const missing = await configError({ env: { ...store, VERITY_CLICKHOUSE_PASSWORD_FILE: join(dir, 'nope') } });
    expect(missing.key).toBe('VERITY_CLICKHOUSE_PASSWORD_FILE');
    expect(missing.message).toBe(`VERITY_CLICKHOUSE_PASSWORD_FILE: cannot read ${join(dir, 'nope')} (ENOENT)`);
    const empty = await configError({ env: { ...store, VERITY_CLICKHOUSE_PASSWORD_FILE: await configFile('ch-empty', '\n') } });
    expect(empty.message).toMatch(/^VERITY_CLICKHOUSE_PASSWORD_FILE: .* is empty/);
    const both = await configError({ env: { ...store, VERITY_CLICKHOUSE_PASSWORD: 'env-pw', VERITY_CLICKHOUSE_PASSWORD_FILE: withNewline } });
    expect(both.message).toMatch(/^VERITY_CLICKHOUSE_PASSWORD_FILE: is set, and so is VERITY_CLICKHOUSE_PASSWORD/);
    // The secret never appears in a message.
    for (const error of [missing, empty, both]) {
      expect(error.message).not.toContain(secret);
      expect(error.message).not.toContain('env-pw');
    }
  });

  it('rejects a store URL of another scheme, naming where it came from', async () => {
    const error = await configError({ flags: { store: 'ftp://x' } });
    expect(error.key).toBe('--store');
    expect(error.message).toBe('--store: only http:// and https:// URLs or a folder path are allowed');
    expect((await configError({ env: { VERITY_STORE: 'clickhouse://x:9000' } })).key).toBe('VERITY_STORE');
    const file = await configFile('store.yaml', 'store: s3://bucket/x\n');
    expect((await configError({ configFile: file })).key).toBe(`${file}: store`);
    expect((await configError({ flags: { store: 'http://[bad' } })).message).toMatch(/^--store: not a valid URL/);
  });

  it('resolves a folder store and other paths relative to cwd', async () => {
    const config = await resolveWith({
      flags: { store: 'stores/chdb', report: 'out/report.json', tokenKeyFile: 'keys/token.key', dataDir: 'var' },
    });
    expect(config.store).toEqual({ kind: 'embedded', path: resolve(CWD, 'stores/chdb') });
    expect(config.reportPath).toBe(resolve(CWD, 'out/report.json'));
    expect(config.tokenKey.keyFile).toBe(resolve(CWD, 'keys/token.key'));
    expect(config.dataDir).toBe(resolve(CWD, 'var'));
    expect(config.deadLetterDir).toBe(resolve(CWD, 'var', DEFAULTS.deadLetterDir));
    expect((await resolveWith({ flags: { store: '/abs/chdb' } })).store).toEqual({ kind: 'embedded', path: '/abs/chdb' });
  });

  it('says what is allowed, for numbers and switches from every source', async () => {
    expect((await configError({ flags: { batchSize: 'abc' } })).message).toBe('--batch-size: a whole number from 1 to 100000');
    expect((await configError({ flags: { batchSize: '0' } })).message).toBe('--batch-size: a whole number from 1 to 100000');
    expect((await configError({ flags: { batchSize: '2.5' } })).message).toBe('--batch-size: a whole number from 1 to 100000');
    expect((await configError({ flags: { metricsPort: '70000' } })).message).toBe('--metrics-port: a whole number from 0 to 65535');
    const brokers = { VERITY_KAFKA_BROKERS: 'localhost:9092' };
    expect((await configError({ env: { ...brokers, VERITY_KAFKA_SSL: 'yes' } })).message).toBe('VERITY_KAFKA_SSL: true or false');
    expect((await configError({ env: { ...brokers, VERITY_KAFKA_TOPIC_PARTITIONS: '0' } })).message).toBe(
      'VERITY_KAFKA_TOPIC_PARTITIONS: a whole number from 1 to 1000',
    );
    const file = await configFile('bool.yaml', 'batchSize: true\n');
    expect((await configError({ configFile: file })).message).toMatch(/batchSize: a whole number from 1 to 100000$/);
  });

  it('names the flag a command really has, not the config key', async () => {
    const error = await configError({
      flags: { kafkaBrokers: 'localhost:9092', kafkaGroupId: '' },
      flagNames: { kafkaGroupId: '--group-id' },
    });
    expect(error.message).toBe('--group-id: must not be empty');
  });

  it('takes Kafka settings from flags, env vars and the config file', async () => {
    const file = await configFile('kafka.yaml', 'kafkaBrokers: [a:1, b:2]\ntopicPartitions: 12\nissueTopic: file.issues\n');
    const config = await resolveWith({
      configFile: file,
      env: { VERITY_KAFKA_SESSION_TIMEOUT_MS: '45000', VERITY_KAFKA_PARTITIONS_CONCURRENCY: '4', VERITY_KAFKA_FETCH_MAX_MB: '16', VERITY_METRICS_HOST: '0.0.0.0' },
      flags: { customerTopic: 'flag.customers' },
    });
    expect(config.kafka).toMatchObject({
      brokers: ['a:1', 'b:2'],
      topics: { customers: 'flag.customers', agents: DEFAULTS.topics.agents, issues: 'file.issues' },
      topicPartitions: 12,
      sessionTimeoutMs: 45000,
      partitionsConcurrency: 4,
      fetchMaxMb: 16,
      ssl: false,
      sasl: undefined,
    });
    expect(config.metricsHost).toBe('0.0.0.0');
    expect(config.metricsPort).toBe(DEFAULTS.metricsPort);
    const plain = await resolveWith({ flags: { kafkaBrokers: 'a:1' } });
    expect(plain.kafka).toMatchObject({ topicPartitions: DEFAULTS.topicPartitions, sessionTimeoutMs: undefined, partitionsConcurrency: DEFAULTS.partitionsConcurrency, fetchMaxMb: DEFAULTS.fetchMaxMb });
  });

  it('turns SASL on only with a mechanism, a user name and a password', async () => {
    const brokers = { kafkaBrokers: 'a:1' };
    const config = await resolveWith({
      flags: { ...brokers, kafkaSaslMechanism: 'scram-sha-512', kafkaSaslUsername: 'verity' },
      env: { VERITY_KAFKA_SASL_PASSWORD: 'pw-from-env', VERITY_KAFKA_SSL: 'true' },
    });
    expect(config.kafka?.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'verity', password: 'pw-from-env' });
    expect(config.kafka?.ssl).toBe(true);
    const noPassword = await configError({ flags: { ...brokers, kafkaSaslMechanism: 'plain', kafkaSaslUsername: 'verity' } });
    expect(noPassword.message).toMatch(/^--kafka-sasl-mechanism: SASL needs a username and password/);
    const password = 'hunter2-secret';
    const noMechanism = await configError({ flags: brokers, env: { VERITY_KAFKA_SASL_USERNAME: 'verity', VERITY_KAFKA_SASL_PASSWORD: password } });
    expect(noMechanism.key).toBe('VERITY_KAFKA_SASL_USERNAME');
    expect(noMechanism.message).toMatch(/SASL credentials need a mechanism/);
    // The password is a secret: it never appears in a message.
    expect(noMechanism.message).not.toContain(password);
  });

  it('reads TLS files into the Kafka config, and refuses contradictions', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nTUlJQ0FURVNU\n-----END CERTIFICATE-----\n';
    const ca = await configFile('ca.pem', pem);
    const cert = await configFile('client.pem', pem);
    const key = await configFile('client.key', pem.replaceAll('CERTIFICATE', 'PRIVATE KEY'));
    const brokers = { kafkaBrokers: 'a:1' };
    const withCa = await resolveWith({ flags: { ...brokers, kafkaSslCa: ca } });
    expect(withCa.kafka?.ssl).toEqual({ ca: pem });
    const mutual = await resolveWith({ flags: brokers, env: { VERITY_KAFKA_SSL_CERT: cert, VERITY_KAFKA_SSL_KEY: key } });
    expect(mutual.kafka?.ssl).toEqual({ cert: pem, key: pem.replaceAll('CERTIFICATE', 'PRIVATE KEY') });

    expect((await configError({ flags: { ...brokers, kafkaSslCa: join(dir, 'nope.pem') } })).message).toMatch(/^--kafka-ssl-ca: cannot read .*nope\.pem \(ENOENT\)/);
    const notPem = await configFile('not.pem', 'hello');
    expect((await configError({ flags: { ...brokers, kafkaSslCa: notPem } })).message).toMatch(/^--kafka-ssl-ca: .* is not a PEM file/);
    expect((await configError({ flags: { ...brokers, kafkaSslCert: cert } })).key).toBe('--kafka-ssl-cert');
    const off = await configError({ flags: { ...brokers, kafkaSslCa: ca }, env: { VERITY_KAFKA_SSL: 'false' } });
    expect(off.message).toMatch(/^VERITY_KAFKA_SSL: is false, but --kafka-ssl-ca names a TLS file/);
  });
});

describe('the state password file', () => {
  it("puts the file's password into --state's URL, percent-encoded, and names the key when it cannot", async () => {
    const file = await configFile('pg-password', 'p@ss/word:1\n');
    const config = await resolveWith({ flags: { state: 'postgres://verity@db:5432/verity' }, env: { VERITY_STATE_PASSWORD_FILE: file } });
    expect(config.state.kind).toBe('server');
    const url = new URL((config.state as { url: string }).url);
    expect(decodeURIComponent(url.password)).toBe('p@ss/word:1');
    expect(url.username).toBe('verity');

    const embedded = await configError({ env: { VERITY_STATE_PASSWORD_FILE: file } });
    expect(embedded.message).toMatch(/^VERITY_STATE_PASSWORD_FILE: .*embedded folder/);
    const twice = await configError({ flags: { state: 'postgres://verity:other@db/verity' }, env: { VERITY_STATE_PASSWORD_FILE: file } });
    expect(twice.message).toMatch(/one way only/);
    expect(twice.message).not.toContain('other');
    const missing = await configError({ flags: { state: 'postgres://verity@db/verity' }, env: { VERITY_STATE_PASSWORD_FILE: join(dir, 'absent') } });
    expect(missing.message).toMatch(/^VERITY_STATE_PASSWORD_FILE: cannot read .*ENOENT/);
  });
});
