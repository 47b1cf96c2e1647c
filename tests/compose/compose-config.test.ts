// docker-compose.yml, the Dockerfile and .dockerignore cannot be run here (no Docker engine), so
// this test reads them and checks that they agree with what the code assumes: ports, database,
// variable names, credentials on both ends of the connection, the Node line and the entrypoint,
// Kafka listeners and topics, the metrics endpoint, and Grafana's data source and dashboards.
// It also holds the stack to what a bank's platform team is handed: secrets only as files with no
// defaults, Grafana on its own read-only ClickHouse user, pinned images, and per-service limits,
// log rotation and container hardening. The two start-up scripts are run for real, without Docker.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RUNTIME_ENV, RUNTIME_NODE_OPTIONS } from '../../bin/node-runtime.mjs';
import { DEFAULTS } from '../../pipelines/config/defaults.ts';
import { ENV } from '../../pipelines/config/run-settings.ts';
import { buildProgram } from '../../pipelines/cli/main.ts';
import { HEALTH_PATH, READY_PATH } from '../../pipelines/runtime/metrics-server.ts';
import { CLICKHOUSE_IMAGE } from '../support/clickhouse/docker.ts';
import { KAFKA_IMAGE } from '../support/kafka/docker.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  pull_policy?: string;
  environment?: Record<string, string> | string[];
  ports?: (string | { target: number; published?: string | number })[];
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string };
  entrypoint?: string[] | string;
  command?: string[] | string;
  profiles?: string[];
  secrets?: (string | { source: string; target?: string })[];
  restart?: string;
  init?: boolean;
  user?: string;
  stop_grace_period?: string;
  read_only?: boolean;
  tmpfs?: string[] | string;
  cap_drop?: string[];
  security_opt?: string[];
  mem_limit?: string;
  pids_limit?: number;
  deploy?: { resources?: { limits?: { cpus?: string | number; memory?: string } } };
  logging?: { driver?: string; options?: Record<string, string> };
}

const read = (file: string) => readFileSync(join(projectRoot, file), 'utf8');
const composeText = read('docker-compose.yml');
const compose = parse(composeText) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string; environment?: string; external?: boolean }>;
};
const services = compose.services;
const secrets = compose.secrets ?? {};

/** Compose's `${VAR:-default}` / `${VAR-default}` / `${VAR}` with nothing set in the environment. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_m, _name: string, fallback?: string) => fallback ?? '');
}

function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/** Where Compose mounts a service's secrets: /run/secrets/<name> (short syntax, or long without target). */
function secretMounts(s: Service): Map<string, string> {
  return new Map(
    (s.secrets ?? []).map((entry) => {
      const source = typeof entry === 'string' ? entry : entry.source;
      const target = typeof entry === 'string' ? undefined : entry.target;
      return [target?.startsWith('/') ? target : `/run/secrets/${target ?? source}`, source] as const;
    }),
  );
}

/** The secret a service reads through a `…_FILE` variable: the file must be one of its secret mounts. */
function secretBehind(s: Service, variable: string): string {
  const path = environment(s)[variable];
  expect(path, variable).toMatch(/^\/run\/secrets\//);
  const source = secretMounts(s).get(path!);
  expect(source, `${variable}=${path} is not a secret mounted into this service`).toBeDefined();
  return source!;
}

/** Docker's byte sizes as Compose writes them: 512m, 4g, 1.5g. */
function bytes(size: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(String(size ?? ''));
  if (!m) return Number.NaN;
  return Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
}

/** Compose durations as used here: 45s, 1m30s. */
function seconds(duration: string | undefined): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration ?? '');
  return m && duration ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : Number.NaN;
}

/** Services that run the image built from the Dockerfile: Verity's own containers. */
const verityServices = Object.entries(services).filter(([, s]) => s.image === 'verity:local');
const PINNED_IMAGE = /^[a-z0-9]+(?:[._/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]*@sha256:[0-9a-f]{64}$/;

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** The shell command a one-shot service runs (entrypoint sh -c + command). */
function shellCommand(s: Service): string {
  const entrypoint = ([] as string[]).concat(s.entrypoint ?? []);
  const command = ([] as string[]).concat(s.command ?? []);
  expect(entrypoint).toEqual(['sh', '-c']);
  expect(command).toHaveLength(1);
  return command[0]!;
}

/** `--flag value` occurrences of one flag in a shell line. */
function flagValues(line: string, flag: string): string[] {
  return [...line.matchAll(new RegExp(`${flag}\\s+(\\S+)`, 'g'))].map((m) => m[1]!);
}

describe('docker-compose.yml', () => {
  const clickhouse = service('clickhouse');
  const demo = service('verity-demo');
  const chEnv = environment(clickhouse);
  const demoEnv = environment(demo);

  it('runs the official ClickHouse image with a named volume and a healthcheck', () => {
    expect(clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+[\d.]*@sha256:[0-9a-f]{64}$/);
    const [volume, mount] = (clickhouse.volumes?.[0] ?? '').split(':');
    expect(mount).toBe('/var/lib/clickhouse');
    expect(compose.volumes).toHaveProperty(volume!);
    const test = ([] as string[]).concat(clickhouse.healthcheck?.test ?? []).join(' ');
    expect(test).toContain(`:${DEFAULTS.clickhouseHttpPort}/ping`);
  });

  it('publishes the ClickHouse HTTP port the code defaults to, on loopback only', () => {
    const published = (clickhouse.ports ?? []).map(String);
    expect(published).toEqual([`127.0.0.1:${DEFAULTS.clickhouseHttpPort}:${DEFAULTS.clickhouseHttpPort}`]);
  });

  it('creates the database the code defaults to', () => {
    expect(chEnv.CLICKHOUSE_DB).toBe(DEFAULTS.database);
  });

  it('gives the verity service only environment variables that Verity reads', () => {
    const known = new Set<string>(Object.values(ENV));
    expect(Object.keys(demoEnv).length).toBeGreaterThan(0);
    for (const name of Object.keys(demoEnv)) expect(known, `${name} is not in ENV`).toContain(name);
  });

  it('uses the same ClickHouse user on both sides, and the same password file, never a password value', () => {
    expect(demoEnv[ENV.clickhouseUser]).toBe(chEnv.CLICKHOUSE_USER);
    expect(interpolate(chEnv.CLICKHOUSE_USER!)).toBe('verity');
    // Both ends read one Compose secret: the server through its image's CLICKHOUSE_PASSWORD_FILE,
    // Verity through VERITY_CLICKHOUSE_PASSWORD_FILE.
    expect(secretBehind(demo, ENV.clickhousePasswordFile)).toBe(secretBehind(clickhouse, 'CLICKHOUSE_PASSWORD_FILE'));
    expect(chEnv).not.toHaveProperty('CLICKHOUSE_PASSWORD');
    expect(demoEnv).not.toHaveProperty(ENV.clickhousePassword);
  });

  it('never carries a token key value: the key is a secret file', () => {
    expect(demoEnv).not.toHaveProperty(ENV.tokenKey);
    expect(secretBehind(demo, ENV.tokenKeyFile)).toBe('token_key');
  });

  it('starts the demo after ClickHouse is healthy and points it at the ClickHouse service', () => {
    expect(demo.depends_on).toEqual({ clickhouse: { condition: 'service_healthy' } });
    const line = shellCommand(demo);
    const stores = flagValues(line, '--store');
    expect(stores).toHaveLength(1);
    const url = new URL(stores[0]!);
    expect(url.hostname).toBe('clickhouse');
    expect(Number(url.port)).toBe(DEFAULTS.clickhouseHttpPort);
    expect(url.username).toBe('');
    expect(flagValues(line, '--customers')).toEqual([String(DEFAULTS.demoCustomers)]);
    expect(line).toMatch(/node bin\/verity\.mjs generate .*&& exec node bin\/verity\.mjs run .*--once/);
    // The stream generate writes is the one run reads.
    expect(flagValues(line, '--out')).toEqual(flagValues(line, '--input'));
  });

  it('keeps the data directory and the report on the demo volume', () => {
    const dataDir = demoEnv[ENV.dataDir];
    expect(dataDir).toBe('/data');
    const [volume, mount] = (demo.volumes?.[0] ?? '').split(':');
    expect(mount).toBe(dataDir);
    expect(compose.volumes).toHaveProperty(volume!);
    expect(flagValues(shellCommand(demo), '--report')[0]).toMatch(/^\/data\//);
  });

  it('builds the demo from the Dockerfile at the root', () => {
    expect(demo.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
  });
});

describe('Dockerfile', () => {
  const lines = read('Dockerfile')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const args = Object.fromEntries(
    lines.flatMap((l) => {
      const m = /^ARG\s+(\w+)=(\S+)$/.exec(l);
      return m ? [[m[1]!, m[2]!]] : [];
    }),
  );
  const resolve = (text: string) => text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a?: string, b?: string) => args[(a ?? b)!] ?? '');
  const stages = lines.filter((l) => l.startsWith('FROM ')).map((l) => resolve(l.split(/\s+/)[1]!));

  it('builds every stage on Node 24 (bookworm, for chDB’s glibc library), pinned by digest', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const image of stages) expect(image).toMatch(/^node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(new Set(stages).size).toBe(1);
  });

  it('installs production dependencies from the lockfile only', () => {
    expect(lines.some((l) => /^RUN npm ci --omit=dev\b/.test(l))).toBe(true);
  });

  it('runs bin/verity.mjs as a numeric non-root user that owns /data, and that script exists', () => {
    expect(lines).toContain('ENTRYPOINT ["node", "bin/verity.mjs"]');
    expect(existsSync(join(projectRoot, 'bin', 'verity.mjs'))).toBe(true);
    const users = lines.filter((l) => l.startsWith('USER '));
    // Numeric, so a runtime can tell it is not root without the image's /etc/passwd.
    const m = /^USER (\d+):(\d+)$/.exec(users.at(-1) ?? '');
    expect(m, users.at(-1)).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![2])).toBeGreaterThan(0);
    expect(lines.join('\n')).toContain(`chown ${m![1]}:${m![2]} /data`);
    // Nothing in compose puts the Verity containers back on root.
    for (const [name, s] of verityServices) expect(s.user, name).toBeUndefined();
  });

  it('copies source folders that exist, and points VERITY_DATA_DIR at its volume', () => {
    const copied = lines
      .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(copied).toEqual(expect.arrayContaining(['bin', 'pipelines', 'connectors', 'rules', 'dashboards', 'package.json']));
    for (const path of copied) expect(existsSync(join(projectRoot, path)), path).toBe(true);
    expect(lines.join('\n')).toMatch(new RegExp(`${ENV.dataDir}=/data\\b`));
    expect(lines).toContain('VOLUME ["/data"]');
  });

  it('gives the process the runtime settings the launcher gives `npm start` (glibc’s mmap threshold, V8’s young generation)', () => {
    // The image runs bin/verity.mjs under its own Node 24, in process: no launcher adds them there.
    const text = lines.join('\n');
    for (const [name, value] of Object.entries(RUNTIME_ENV)) expect(text).toMatch(new RegExp(`\\b${name}=${value}\\b`));
    const nodeOptions = /\bNODE_OPTIONS=("[^"]*"|\S+)/.exec(text)?.[1]?.replaceAll('"', '').split(/\s+/);
    expect(nodeOptions).toEqual([...RUNTIME_NODE_OPTIONS]);
  });

  it('makes the embedded store’s template while it is built, as root, after the code it runs is in; the command works', { timeout: 120_000 }, () => {
    const at = lines.findIndex((l) => l.includes('makeTemplate'));
    expect(at, 'a RUN step calling makeTemplate').toBeGreaterThan(0);
    const step = /^RUN (node .*)$/.exec(lines[at]!)?.[1];
    expect(step).toBeDefined();
    const copiedBefore = lines.slice(0, at).filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
    for (const folder of ['pipelines', 'connectors']) expect(copiedBefore.join('\n')).toContain(`COPY ${folder} `);
    expect(lines.slice(0, at).join('\n')).toContain('COPY --from=deps /app/node_modules ./node_modules');
    expect(lines.findIndex((l) => l.startsWith('USER '))).toBeGreaterThan(at);

    // The same command in a copy of /app's layout: the code it imports, and PGlite in node_modules
    // (linked, and kept at the link's path by --preserve-symlinks, so the template lands in this
    // copy's node_modules/.cache and not the checkout's).
    const app = mkdtempSync(join(tmpdir(), 'verity-image-app-'));
    try {
      for (const file of ['connectors/postgres/pglite-cluster.ts', 'connectors/postgres/cluster-files.ts', 'pipelines/errors.ts']) {
        mkdirSync(dirname(join(app, file)), { recursive: true });
        copyFileSync(join(projectRoot, file), join(app, file));
      }
      mkdirSync(join(app, 'node_modules'));
      symlinkSync(join(projectRoot, 'node_modules', '@electric-sql'), join(app, 'node_modules', '@electric-sql'));
      const argv = step!.match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"(.*)"$/, '$1'));
      const run = spawnSync(process.execPath, ['--preserve-symlinks', ...argv.slice(1)], { cwd: app, encoding: 'utf8', timeout: 110_000 });
      expect(run.status, run.stderr).toBe(0);
      const version = (JSON.parse(read('node_modules/@electric-sql/pglite/package.json')) as { version: string }).version;
      expect(existsSync(join(app, 'node_modules', '.cache', 'verity', `pglite-${version}`, 'PG_VERSION'))).toBe(true);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, caches, local data, git history, tests and env files out of the image', () => {
    const entries = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(entries).toEqual(expect.arrayContaining(['node_modules', '.cache', 'data', '.git', 'tests', '.env', 'secrets']));
  });
});

// --- the streaming stack: Kafka, the consumer, the producer, Grafana ------------------------------

/** Published ports as `host:published:target` strings. */
const published = (s: Service) => (s.ports ?? []).map(String);

/** `NAME://host:port` entries of a Kafka listener list. */
function listeners(value: string | undefined): Map<string, { host: string; port: number }> {
  return new Map(
    (value ?? '').split(',').map((entry) => {
      const m = /^([A-Z_]+):\/\/([^:]*):(\d+)$/.exec(entry.trim());
      if (!m) throw new Error(`not a listener: ${entry}`);
      return [m[1]!, { host: m[2]!, port: Number(m[3]) }] as const;
    }),
  );
}

/** The long flags a `verity` subcommand accepts. */
function flagsOf(subcommand: string): Set<string> {
  const command = buildProgram().commands.find((c) => c.name() === subcommand);
  if (!command) throw new Error(`verity has no ${subcommand} command`);
  return new Set(command.options.flatMap((o) => (o.long ? [o.long] : [])));
}

describe('docker-compose.yml streaming stack', () => {
  const kafka = service('kafka');
  const kafkaEnv = environment(kafka);
  const init = service('kafka-init');
  const consumer = service('verity');
  const consumerEnv = environment(consumer);
  const producer = service('verity-producer');
  const grafana = service('grafana');
  const grafanaEnv = environment(grafana);
  const chEnv = environment(service('clickhouse'));
  const advertised = listeners(kafkaEnv.KAFKA_ADVERTISED_LISTENERS);
  const bound = listeners(kafkaEnv.KAFKA_LISTENERS);
  const consumerArgs = ([] as string[]).concat(consumer.command ?? []);
  const argValue = (args: readonly string[], flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };

  it('runs the official Kafka 4.1.2 image in single-node KRaft mode, topics never auto-created', () => {
    expect(kafka.image).toMatch(/^apache\/kafka:4\.1\.2@sha256:[0-9a-f]{64}$/);
    expect(kafkaEnv.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafkaEnv.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    expect(kafkaEnv.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1');
    expect(kafkaEnv.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/); // a base64 UUID, as kafka-storage wants
    const [volume, mount] = (kafka.volumes?.[0] ?? '').split(':');
    expect(mount).toBe(kafkaEnv.KAFKA_LOG_DIRS);
    expect(compose.volumes).toHaveProperty(volume!);
  });

  it('advertises kafka:9092 in the network and localhost:9094 on the host, each on a bound listener', () => {
    expect(advertised.get('PLAINTEXT')).toEqual({ host: 'kafka', port: 9092 });
    expect(advertised.get('PLAINTEXT_HOST')).toEqual({ host: 'localhost', port: 9094 });
    for (const [name, { port }] of advertised) expect(bound.get(name)?.port, name).toBe(port);
    expect(published(kafka)).toEqual(['127.0.0.1:9094:9094']);
    const protocols = listeners(
      (kafkaEnv.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP ?? '')
        .split(',')
        .map((e) => `${e.split(':')[0]}://x:1`)
        .join(','),
    );
    for (const name of bound.keys()) expect(protocols.has(name), name).toBe(true);
    expect(bound.has(kafkaEnv.KAFKA_CONTROLLER_LISTENER_NAMES!)).toBe(true);
  });

  it('creates exactly the topics the code defaults to, once Kafka is healthy', () => {
    expect(init.image).toBe(kafka.image);
    expect(init.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    const line = shellCommand(init);
    const topics = /for topic in ([^;]+);/.exec(line)?.[1]?.trim().split(/\s+/);
    expect(topics?.sort()).toEqual(Object.values(DEFAULTS.topics).sort());
    expect(flagValues(line, '--bootstrap-server')).toEqual(['kafka:9092']);
    // As many partitions as Verity gives the topics it creates itself, whoever comes first.
    expect(flagValues(line, '--partitions')).toEqual([String(DEFAULTS.topicPartitions)]);
  });

  it('runs the consumer against the in-network Kafka listener and the ClickHouse service', () => {
    expect(consumer.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(consumerArgs[0]).toBe('run');
    const brokers = argValue(consumerArgs, '--kafka-brokers')!.split(',');
    const inNetwork = advertised.get('PLAINTEXT')!;
    expect(brokers).toEqual([`${inNetwork.host}:${inNetwork.port}`]);
    const store = new URL(argValue(consumerArgs, '--store')!);
    expect(store.hostname).toBe('clickhouse');
    expect(Number(store.port)).toBe(DEFAULTS.clickhouseHttpPort);
    expect(store.username).toBe('');
    expect(consumerArgs).not.toContain('--input');
    expect(consumer.depends_on).toEqual({
      clickhouse: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
      'kafka-init': { condition: 'service_completed_successfully' },
    });
  });

  it('keeps the operational state in the PostgreSQL service, shared by the consumer and the console, the password from a file', () => {
    const postgres = service('postgres');
    expect(postgres.image).toMatch(/^postgres:17\.\d+@sha256:[0-9a-f]{64}$/);
    expect(published(postgres)).toEqual([]);
    const pgEnv = environment(postgres);
    expect(pgEnv.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
    expect(pgEnv.POSTGRES_INITDB_ARGS).toContain('scram-sha-256');
    expect(([] as string[]).concat(postgres.healthcheck?.test ?? []).join(' ')).toContain('pg_isready');
    for (const name of ['verity', 'verity-console']) {
      const env = environment(service(name));
      const url = new URL(env.VERITY_STATE_URL!);
      expect(url.protocol, name).toBe('postgres:');
      expect(url.hostname, name).toBe('postgres');
      expect(url.username, name).toBe(pgEnv.POSTGRES_USER);
      expect(url.password, name).toBe('');
      expect(url.pathname, name).toBe(`/${pgEnv.POSTGRES_DB}`);
      expect(env.VERITY_STATE_PASSWORD_FILE, name).toBe('/run/secrets/state_password');
      // Both open the vault with one key: the consumer seals, the console reveals.
      expect(env.VERITY_VAULT_KEY_FILE, name).toBe('/run/secrets/vault_key');
    }
  });

  it('serves the console on loopback, telling it that the consumer relays to Kafka, without the dead-letter volume', () => {
    const consoleService = service('verity-console');
    const args = consoleService.command as string[];
    expect(args[0]).toBe('console');
    expect(new URL(argValue(args, '--store')!).hostname).toBe('clickhouse');
    expect(published(consoleService)).toEqual([`127.0.0.1:${argValue(args, '--port')}:${argValue(args, '--port')}`]);
    expect(environment(consoleService).VERITY_KAFKA_BROKERS).toBe(argValue(consumerArgs, '--kafka-brokers'));
    expect(consoleService.volumes ?? []).toEqual([]);
    const understood = flagsOf('console');
    for (const flag of args.filter((a) => a.startsWith('--'))) expect(understood, flag).toContain(flag);
  });

  it('passes only flags that verity run and verity produce understand', () => {
    const run = flagsOf('run');
    for (const flag of consumerArgs.filter((a) => a.startsWith('--'))) expect(run, flag).toContain(flag);
    const produce = flagsOf('produce');
    const produceLine = shellCommand(producer).split('produce ')[1] ?? '';
    for (const [flag] of produceLine.matchAll(/--[a-z-]+/g)) expect(produce, flag).toContain(flag);
  });

  it('serves metrics on the default port, published on loopback, with a /readyz healthcheck', () => {
    expect(consumerEnv[ENV.metricsPort]).toBe(String(DEFAULTS.metricsPort));
    expect(argValue(consumerArgs, '--metrics-port') ?? String(DEFAULTS.metricsPort)).toBe(String(DEFAULTS.metricsPort));
    // Inside the container the endpoint must listen beyond loopback for the published port to reach it.
    expect(argValue(consumerArgs, '--metrics-host')).toBe('0.0.0.0');
    expect(published(consumer)).toEqual([`127.0.0.1:${DEFAULTS.metricsPort}:${DEFAULTS.metricsPort}`]);
    // Readiness (store migrated, group consuming), which is what the producer's depends_on waits for;
    // /healthz only says the process runs.
    const test = ([] as string[]).concat(consumer.healthcheck?.test ?? []).join(' ');
    expect(test).toContain(`http://127.0.0.1:${DEFAULTS.metricsPort}${READY_PATH}`);
    expect(test).not.toContain(HEALTH_PATH);
  });

  it('gives every Verity container only variables Verity reads, the same ClickHouse credentials, and the key as a file', () => {
    const known = new Set<string>(Object.values(ENV));
    for (const s of [consumer, producer, service('verity-console')]) {
      for (const name of Object.keys(environment(s))) expect(known, `${name} is not in ENV`).toContain(name);
    }
    expect(consumerEnv[ENV.clickhouseUser]).toBe(chEnv.CLICKHOUSE_USER);
    expect(secretBehind(consumer, ENV.clickhousePasswordFile)).toBe(secretBehind(service('clickhouse'), 'CLICKHOUSE_PASSWORD_FILE'));
    expect(consumerEnv).not.toHaveProperty(ENV.clickhousePassword);
    expect(consumerEnv).not.toHaveProperty(ENV.tokenKey);
    expect(secretBehind(consumer, ENV.tokenKeyFile)).toBe('token_key');
    // The producer only talks to Kafka: it gets no secret at all.
    expect(producer.secrets ?? []).toEqual([]);
  });

  it('shares the token key volume between the consumer and the file demo, so their tokens join', () => {
    const demo = service('verity-demo');
    expect(consumerEnv[ENV.dataDir]).toBe('/data');
    expect(consumer.volumes).toEqual(demo.volumes);
    expect(demo.profiles).toEqual(['file-demo']);
    expect(consumer.profiles).toBeUndefined();
  });

  it('produces the generated demo stream to the same brokers once the consumer is ready', () => {
    expect(producer.image).toBe(consumer.image);
    // Built by the consumer's service, never pulled from a registry that does not have it.
    expect(producer.build).toBeUndefined();
    expect(producer.pull_policy).toBe('never');
    expect(producer.depends_on).toEqual({
      'kafka-init': { condition: 'service_completed_successfully' },
      verity: { condition: 'service_healthy' },
    });
    const line = shellCommand(producer);
    expect(line).toMatch(/node bin\/verity\.mjs generate .*&& exec node bin\/verity\.mjs produce /);
    expect(flagValues(line, '--out')).toEqual(flagValues(line, '--input'));
    expect(flagValues(line, '--customers')).toEqual([String(DEFAULTS.demoCustomers)]);
    expect(flagValues(line, '--kafka-brokers')).toEqual([argValue(consumerArgs, '--kafka-brokers')]);
  });

  it('publishes every port on the host loopback only', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const port of published(s)) expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
  });

  it('declares every named volume it mounts', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/')) {
          expect(existsSync(join(projectRoot, source)), `${name}: ${source}`).toBe(true);
        } else {
          expect(compose.volumes, `${name}: ${source}`).toHaveProperty(source);
        }
      }
    }
  });

  describe('grafana', () => {
    const mounts = new Map(
      (grafana.volumes ?? []).map((v) => {
        const [source, target] = v.split(':');
        return [target!, source!] as const;
      }),
    );
    const provisioning = join(projectRoot, mounts.get('/etc/grafana/provisioning') ?? 'missing');
    const datasourceText = readFileSync(join(provisioning, 'datasources', 'clickhouse.yaml'), 'utf8');
    const datasources = parse(datasourceText) as {
      datasources: { uid: string; type: string; jsonData: Record<string, unknown>; secureJsonData: Record<string, unknown> }[];
    };
    const providers = readdirSync(join(provisioning, 'dashboards')).flatMap(
      (f) => (parse(readFileSync(join(provisioning, 'dashboards', f), 'utf8')) as { providers: { options: { path: string } }[] }).providers,
    );

    it('preinstalls a pinned version of the ClickHouse plugin, never auto-updated, and publishes Grafana on localhost:3000', () => {
      expect(grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
      const plugins = grafanaEnv.GF_PLUGINS_PREINSTALL_SYNC?.split(',') ?? [];
      expect(plugins.find((p) => p.startsWith('grafana-clickhouse-datasource'))).toMatch(/^grafana-clickhouse-datasource@\d+\.\d+\.\d+$/);
      for (const plugin of plugins) expect(plugin, 'every preinstalled plugin is pinned').toMatch(/^[a-z0-9-]+@\d+\.\d+\.\d+(@https:\/\/\S+)?$/);
      expect(grafanaEnv.GF_PLUGINS_PREINSTALL_AUTO_UPDATE).toBe('false');
      expect(published(grafana)).toEqual(['127.0.0.1:3000:3000']);
      expect(grafana.depends_on).toEqual({ clickhouse: { condition: 'service_healthy' } });
    });

    it('keeps anonymous access off unless asked for, and the admin password and secret key in secret files', () => {
      expect(interpolate(grafanaEnv.GF_AUTH_ANONYMOUS_ENABLED ?? '')).toBe('false');
      expect(grafanaEnv.GF_USERS_ALLOW_SIGN_UP).toBe('false');
      expect(grafanaEnv).not.toHaveProperty('GF_SECURITY_ADMIN_PASSWORD');
      expect(grafanaEnv).not.toHaveProperty('GF_SECURITY_SECRET_KEY');
      expect(secretBehind(grafana, 'GF_SECURITY_ADMIN_PASSWORD__FILE')).toBe('grafana_admin_password');
      expect(secretBehind(grafana, 'GF_SECURITY_SECRET_KEY__FILE')).toBe('grafana_secret_key');
    });

    it('provisions the ClickHouse data source with a fixed uid, pointing at the ClickHouse service', () => {
      expect(datasources.datasources).toHaveLength(1);
      const ds = datasources.datasources[0]!;
      expect(ds.uid).toBe('verity-clickhouse');
      expect(ds.type).toBe('grafana-clickhouse-datasource');
      expect(ds.jsonData).toMatchObject({
        host: 'clickhouse',
        port: DEFAULTS.clickhouseHttpPort,
        protocol: 'http',
        defaultDatabase: DEFAULTS.database,
      });
    });

    it('logs in to ClickHouse as its own read-only user, which the ClickHouse service creates from the same inputs', () => {
      const ds = datasources.datasources[0]!;
      const chService = service('clickhouse');
      // The same user name on both containers, and not the read-write user.
      expect(ds.jsonData.username).toBe('${VERITY_GRAFANA_CLICKHOUSE_USER}');
      expect(grafanaEnv.VERITY_GRAFANA_CLICKHOUSE_USER).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      expect(grafanaEnv.VERITY_GRAFANA_CLICKHOUSE_USER).toBe(chEnv.VERITY_GRAFANA_CLICKHOUSE_USER);
      expect(grafanaEnv.VERITY_GRAFANA_CLICKHOUSE_USER).not.toBe(interpolate(chEnv.CLICKHOUSE_USER!));
      // The password through Grafana's $__file{}, from the secret the server's start-up reads.
      const m = /^\$__file\{(\/run\/secrets\/[^}]+)\}$/.exec(String(ds.secureJsonData.password));
      expect(m, 'password is read with $__file{/run/secrets/…}').not.toBeNull();
      const source = secretMounts(grafana).get(m![1]!);
      expect(source).toBeDefined();
      expect(secretBehind(chService, 'VERITY_GRAFANA_CLICKHOUSE_PASSWORD_FILE')).toBe(source);
      expect(source).not.toBe(secretBehind(chService, 'CLICKHOUSE_PASSWORD_FILE'));
      // Grafana gets neither the read-write user nor its password.
      expect(grafanaEnv).not.toHaveProperty(ENV.clickhouseUser);
      expect(grafanaEnv).not.toHaveProperty(ENV.clickhousePassword);
      expect(secretMounts(grafana).size).toBeGreaterThan(0);
      expect([...secretMounts(grafana).values()]).not.toContain(secretBehind(chService, 'CLICKHOUSE_PASSWORD_FILE'));
      expect(datasourceText).not.toMatch(/VERITY_CLICKHOUSE_(USER|PASSWORD)\b/);
    });

    it('loads the dashboards folder it mounts, and every panel uses the provisioned data source uid', () => {
      const target = providers.map((p) => p.options.path);
      expect(target).toHaveLength(1);
      const source = mounts.get(target[0]!);
      expect(source).toBeDefined();
      const files = readdirSync(join(projectRoot, source!)).filter((f) => f.endsWith('.json'));
      expect(files).toContain('verity-quality.json');
      const uid = datasources.datasources[0]!.uid;
      for (const file of files) {
        const dashboard = JSON.parse(readFileSync(join(projectRoot, source!, file), 'utf8')) as {
          panels: { title: string; datasource?: { uid: string }; targets?: { datasource?: { uid: string } }[] }[];
        };
        expect(dashboard.panels.length).toBeGreaterThan(0);
        for (const panel of dashboard.panels) {
          expect(panel.datasource?.uid, `${file}: ${panel.title}`).toBe(uid);
          for (const t of panel.targets ?? []) expect(t.datasource?.uid, `${file}: ${panel.title}`).toBe(uid);
        }
      }
      expect(grafanaEnv.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${target[0]}/verity-quality.json`);
    });
  });
});

describe('Dockerfile metrics port', () => {
  it('exposes the metrics port the code defaults to', () => {
    expect(read('Dockerfile')).toMatch(new RegExp(`^EXPOSE ${DEFAULTS.metricsPort}$`, 'm'));
  });
});

describe('test containers', () => {
  /** `name:tag` without the digest. */
  const tagged = (image: string | undefined) => (image ?? '').split('@')[0]!;

  it('run the same Kafka image and ClickHouse release line as docker-compose.yml', () => {
    expect(KAFKA_IMAGE).toBe(tagged(service('kafka').image));
    // The tests follow the 25.8 line; compose pins one build of it.
    const [repository, line] = CLICKHOUSE_IMAGE.split(':');
    const [composeRepository, composeTag] = tagged(service('clickhouse').image).split(':');
    expect(composeRepository).toBe(repository);
    expect(composeTag === line || composeTag!.startsWith(`${line}.`), `${composeTag} is on ${line}`).toBe(true);
  });
});

// --- what a bank's platform team is handed: secrets, pinning, limits, hardening ------------------

describe('docker-compose.yml secrets', () => {
  /** Every `${…}` in the file with its operator (`:-`, `-`, `:?`, `?`, or none). */
  const references = [...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?/g)].map((m) => ({ name: m[1]!, op: m[2] ?? '' }));

  it('passes every secret as a file under one required folder, with no default', () => {
    expect(Object.keys(secrets).sort()).toEqual(
      ['clickhouse_password', 'grafana_admin_password', 'grafana_clickhouse_password', 'grafana_secret_key', 'postgres_password', 'state_password', 'token_key', 'vault_key'].sort(),
    );
    for (const [name, secret] of Object.entries(secrets)) {
      // A file, not an environment variable or an external (Swarm) secret.
      expect(Object.keys(secret), name).toEqual(['file']);
      expect(secret.file, name).toMatch(/^\$\{VERITY_SECRETS_DIR:\?[^}]+\}\/[a-z_.]+$/);
    }
  });

  it('makes every variable naming a secret required (${VAR:?…}), so a missing one stops Compose with a message', () => {
    const secretish = references.filter((r) => /PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL/.test(r.name));
    expect(secretish.length).toBeGreaterThan(0);
    for (const r of secretish) expect(r.op, r.name).toBe(':?');
    // The message says what to do.
    for (const m of composeText.matchAll(/\$\{VERITY_SECRETS_DIR:\?([^}]*)\}/g)) expect(m[1]).toMatch(/^set VERITY_SECRETS_DIR .*docker-compose\.yml$/);
  });

  it('puts no secret into any environment: secret-like variables only point at mounted secret files', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries(environment(s))) {
        if (!/PASSWORD|SECRET|TOKEN_KEY|_KEY$|CREDENTIAL/.test(key)) continue;
        expect(key, `${name}: ${key} carries a secret value`).toMatch(/_FILE$/);
        secretBehind(s, key);
        expect(value, `${name}: ${key}`).not.toMatch(/\$\{/);
      }
    }
  });

  it('mounts only declared secrets, declares only used ones, and gives each to its readers only', () => {
    const used = new Map<string, string[]>();
    for (const [name, s] of Object.entries(services)) {
      for (const source of secretMounts(s).values()) {
        expect(secrets, `${name}: ${source}`).toHaveProperty(source);
        used.set(source, [...(used.get(source) ?? []), name]);
      }
    }
    expect([...used.keys()].sort()).toEqual(Object.keys(secrets).sort());
    const readers = Object.fromEntries([...used].map(([k, v]) => [k, v.sort()]));
    expect(readers).toEqual({
      token_key: ['verity', 'verity-console', 'verity-demo'],
      vault_key: ['verity', 'verity-console'],
      postgres_password: ['postgres'],
      state_password: ['verity', 'verity-console'],
      clickhouse_password: ['clickhouse', 'verity', 'verity-console', 'verity-demo'],
      grafana_clickhouse_password: ['clickhouse', 'grafana'],
      grafana_admin_password: ['grafana'],
      grafana_secret_key: ['grafana'],
    });
  });

  it('tells the operator how to create the files, who must own them, and keeps them out of git and images', () => {
    const header = composeText.slice(0, composeText.indexOf('\nname:'));
    for (const source of Object.values(secrets)) {
      const file = source.file!.split('/').at(-1)!;
      // Verity's copy of the PostgreSQL password is the server's, copied (each is read by its own uid).
      const made = file === 'state_password' ? /cp secrets\/postgres_password secrets\/state_password/ : new RegExp(`openssl rand -hex \\d+ > secrets/${file.replace('.', '\\.')}`);
      expect(header, file).toMatch(made);
    }
    expect(header).toContain('chmod 0400 secrets/*');
    // Verity's uid (Dockerfile) and Grafana's image uid own their files: Compose keeps host owners.
    expect(header).toMatch(/chown 1000 secrets\/token\.key secrets\/clickhouse_password secrets\/vault\.key secrets\/state_password/);
    expect(header).toMatch(/chown 999 secrets\/postgres_password/);
    expect(header).toMatch(/chown 472 secrets\/grafana_\*/);
    expect(read('.gitignore').split('\n')).toContain('/secrets/');
  });
});

describe('docker-compose.yml pinning', () => {
  it('pins every pulled image by tag and digest; only the locally built image goes without', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.image === 'verity:local') {
        // Built here from the Dockerfile (itself pinned), never pulled.
        expect(s.build !== undefined || s.pull_policy === 'never', name).toBe(true);
        continue;
      }
      expect(s.build, name).toBeUndefined();
      expect(s.image, name).toMatch(PINNED_IMAGE);
    }
  });

  it('says next to each digest where it was found', () => {
    const lines = composeText.split('\n');
    for (const [index, line] of lines.entries()) {
      if (!/^\s+image: .*@sha256:/.test(line)) continue;
      const image = line.trim().slice('image: '.length);
      // The first service using an image carries the note; a second use of the same pin may not.
      if (lines.slice(0, index).some((l) => l.includes(image))) continue;
      const comments = lines.slice(Math.max(0, index - 5), index).filter((l) => l.trim().startsWith('#'));
      expect(comments.join('\n'), image).toMatch(/Digest:/);
    }
  });
});

describe('docker-compose.yml hardening', () => {
  const runSource = read('pipelines/cli/commands/run.ts');
  const hardExitMs = Number(/const HARD_EXIT_AFTER_MS = ([\d_]+);/.exec(runSource)?.[1]?.replaceAll('_', ''));

  it.each(Object.keys(services))('%s: has memory, CPU and pid limits', (name) => {
    const s = service(name);
    const memory = bytes(s.deploy?.resources?.limits?.memory ?? s.mem_limit);
    expect(memory, 'memory limit').toBeGreaterThanOrEqual(256 * 1024 ** 2);
    const cpus = Number(s.deploy?.resources?.limits?.cpus);
    expect(cpus, 'cpus').toBeGreaterThan(0);
    // Docker refuses more CPUs than the host has; two is what a small VM offers.
    expect(cpus, 'cpus').toBeLessThanOrEqual(2);
    expect(Number.isInteger(s.pids_limit) && s.pids_limit! > 0, 'pids_limit').toBe(true);
  });

  it.each(Object.keys(services))('%s: rotates its logs', (name) => {
    const logging = service(name).logging;
    expect(['json-file', 'local']).toContain(logging?.driver);
    expect(bytes(logging?.options?.['max-size'])).toBeGreaterThan(0);
    expect(Number(logging?.options?.['max-file'])).toBeGreaterThanOrEqual(1);
  });

  it('restarts the infrastructure and the consumer unless stopped; one-shot jobs never', () => {
    for (const name of ['clickhouse', 'kafka', 'grafana', 'verity']) expect(service(name).restart, name).toBe('unless-stopped');
    for (const name of ['kafka-init', 'verity-producer', 'verity-demo']) expect(service(name).restart, name).toBe('no');
  });

  it('gives the consumer longer to stop than its own drain and hard-exit deadline', () => {
    expect(hardExitMs).toBe(40_000);
    for (const name of ['verity', 'verity-demo']) {
      expect(seconds(service(name).stop_grace_period) * 1000, name).toBeGreaterThan(hardExitMs);
    }
  });

  it('runs the Verity containers read-only, with a /tmp tmpfs, no capabilities, no privilege gain, under an init', () => {
    expect(verityServices.map(([name]) => name).sort()).toEqual(['verity', 'verity-console', 'verity-demo', 'verity-producer']);
    for (const [name, s] of verityServices) {
      expect(s.read_only, name).toBe(true);
      const tmpfs = ([] as string[]).concat(s.tmpfs ?? []);
      expect(tmpfs.some((t) => /^\/tmp(:|$)/.test(t)), `${name}: tmpfs on /tmp`).toBe(true);
      // Their commands write the generated stream there; nothing else in the image is written.
      for (const t of tmpfs) expect(t, name).toMatch(/noexec/);
      expect(s.cap_drop, name).toEqual(['ALL']);
      expect(s.security_opt, name).toEqual(['no-new-privileges:true']);
      expect(s.init, name).toBe(true);
      const line = s.entrypoint ? shellCommand(s) : '';
      for (const out of flagValues(line, '--out')) expect(out, name).toMatch(/^\/tmp\//);
    }
  });

  it('writes the Verity data only to the /data volume, the one writable place besides /tmp', () => {
    for (const [name, s] of verityServices) {
      for (const volume of s.volumes ?? []) expect(volume.split(':')[1], name).toBe('/data');
    }
  });

  it('wraps the ClickHouse and Grafana start-ups with the checked scripts, mounted read-only', () => {
    const mounted = (s: Service, target: string) => (s.volumes ?? []).find((v) => v.split(':')[1] === target);
    const ch = service('clickhouse');
    expect(ch.entrypoint).toEqual(['/bin/bash', '/usr/local/bin/verity-clickhouse-entrypoint.sh']);
    expect(mounted(ch, '/usr/local/bin/verity-clickhouse-entrypoint.sh')).toBe(
      './dashboards/clickhouse/entrypoint.sh:/usr/local/bin/verity-clickhouse-entrypoint.sh:ro',
    );
    expect(mounted(ch, '/etc/clickhouse-server/config.d/verity.xml')).toMatch(/^\.\/dashboards\/clickhouse\/config\.d\/verity\.xml:.*:ro$/);
    const gf = service('grafana');
    expect(gf.entrypoint).toEqual(['/bin/sh', '/usr/local/bin/verity-grafana-entrypoint.sh']);
    expect(mounted(gf, '/usr/local/bin/verity-grafana-entrypoint.sh')).toBe(
      './dashboards/grafana/entrypoint.sh:/usr/local/bin/verity-grafana-entrypoint.sh:ro',
    );
    // Each ends by becoming the image's own entrypoint.
    expect(read('dashboards/clickhouse/entrypoint.sh')).toMatch(/VERITY_CLICKHOUSE_NEXT_ENTRYPOINT:-\/entrypoint\.sh\}/);
    expect(read('dashboards/grafana/entrypoint.sh')).toMatch(/VERITY_GRAFANA_NEXT_ENTRYPOINT:-\/run\.sh\}/);
  });
});

describe('start-up scripts (run without Docker)', () => {
  const clickhouseEnv = environment(service('clickhouse'));
  let dir: string;
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const run = (shell: string, script: string, env: Record<string, string>) =>
    spawnSync(shell, [join(projectRoot, script), 'next-arg'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'verity-compose-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('dashboards/clickhouse/entrypoint.sh', () => {
    const readerPassword = 'reader-0f3a9c';
    const base = () => ({
      CLICKHOUSE_DB: clickhouseEnv.CLICKHOUSE_DB!,
      CLICKHOUSE_USER: interpolate(clickhouseEnv.CLICKHOUSE_USER!),
      CLICKHOUSE_PASSWORD_FILE: file('ch', 'rw-7d1e\n'),
      VERITY_GRAFANA_CLICKHOUSE_USER: clickhouseEnv.VERITY_GRAFANA_CLICKHOUSE_USER!,
      VERITY_GRAFANA_CLICKHOUSE_PASSWORD_FILE: file('reader', `${readerPassword}\n`),
      VERITY_CLICKHOUSE_USERS_DIR: join(dir, 'users.d'),
      VERITY_CLICKHOUSE_NEXT_ENTRYPOINT: '/bin/echo',
    });

    it('writes a readonly=1 user with SELECT on the Verity database only, storing a hash, then hands over', () => {
      const result = run('bash', 'dashboards/clickhouse/entrypoint.sh', base());
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('next-arg\n');
      const xml = readFileSync(join(dir, 'users.d', 'verity-grafana-reader.xml'), 'utf8');
      const user = clickhouseEnv.VERITY_GRAFANA_CLICKHOUSE_USER!;
      const sha = createHash('sha256').update(readerPassword).digest('hex');
      expect(xml).toContain(`<${user}>`);
      expect(xml).toContain(`<password_sha256_hex>${sha}</password_sha256_hex>`);
      expect(xml).not.toContain(readerPassword);
      expect(xml).not.toMatch(/<password>/);
      expect(xml).toMatch(/<readonly>1<\/readonly>/);
      expect(xml).toMatch(/<max_execution_time>\s*<max>\d+<\/max>\s*<changeable_in_readonly\/>\s*<\/max_execution_time>/);
      expect([...xml.matchAll(/<query>([^<]*)<\/query>/g)].map((m) => m[1])).toEqual([`GRANT SELECT ON ${DEFAULTS.database}.*`]);
      expect(xml).toMatch(/<access_management>0<\/access_management>/);
    });

    it('has the server honour changeable_in_readonly, and keeps its own log files small', () => {
      const config = read('dashboards/clickhouse/config.d/verity.xml');
      expect(config).toMatch(/<settings_constraints_replace_previous>true<\/settings_constraints_replace_previous>/);
      expect(config).toMatch(/<logger>[\s\S]*<size>\d+M<\/size>[\s\S]*<count>\d+<\/count>[\s\S]*<\/logger>/);
    });

    it.each([
      ['a missing password file', { CLICKHOUSE_PASSWORD_FILE: '/nonexistent/ch' }, /CLICKHOUSE_PASSWORD_FILE: cannot read/],
      ['no password file at all', { CLICKHOUSE_PASSWORD_FILE: '' }, /CLICKHOUSE_PASSWORD_FILE is not set/],
      ['an empty reader password', { VERITY_GRAFANA_CLICKHOUSE_PASSWORD_FILE: 'EMPTY' }, /VERITY_GRAFANA_CLICKHOUSE_PASSWORD_FILE: .* is empty/],
      ['a password with a space', { VERITY_GRAFANA_CLICKHOUSE_PASSWORD_FILE: 'SPACED' }, /must hold one word/],
      ['the reader named like the read-write user', { VERITY_GRAFANA_CLICKHOUSE_USER: 'verity' }, /must differ from CLICKHOUSE_USER/],
      ['a user name that is not an identifier', { VERITY_GRAFANA_CLICKHOUSE_USER: 'a b' }, /must be a ClickHouse identifier/],
    ])('refuses to start on %s, without printing a password', (_case, change, message) => {
      const env: Record<string, string> = { ...base(), ...change };
      if (env.VERITY_GRAFANA_CLICKHOUSE_PASSWORD_FILE === 'EMPTY') env.VERITY_GRAFANA_CLICKHOUSE_PASSWORD_FILE = file('empty', '\n');
      if (env.VERITY_GRAFANA_CLICKHOUSE_PASSWORD_FILE === 'SPACED') env.VERITY_GRAFANA_CLICKHOUSE_PASSWORD_FILE = file('spaced', `${readerPassword} x\n`);
      const result = run('bash', 'dashboards/clickhouse/entrypoint.sh', env);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain(readerPassword);
      expect(result.stderr).not.toContain('rw-7d1e');
      expect(existsSync(join(dir, 'users.d', 'verity-grafana-reader.xml'))).toBe(false);
    });
  });

  describe('dashboards/grafana/entrypoint.sh', () => {
    it('hands over when every GF_*__FILE is readable and not empty', () => {
      const result = run('sh', 'dashboards/grafana/entrypoint.sh', {
        GF_SECURITY_ADMIN_PASSWORD__FILE: file('admin', 'admin-2b7c\n'),
        GF_SECURITY_SECRET_KEY__FILE: file('key', 'key-91aa\n'),
        VERITY_GRAFANA_NEXT_ENTRYPOINT: '/bin/echo',
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('next-arg\n');
    });

    it.each([
      ['a missing file', () => '/nonexistent/admin', /GF_SECURITY_ADMIN_PASSWORD__FILE: cannot read \/nonexistent\/admin/],
      ['an empty file', () => file('empty', ' \n'), /GF_SECURITY_ADMIN_PASSWORD__FILE: .* is empty/],
    ])('refuses %s instead of letting Grafana fall back to admin/admin', (_case, path, message) => {
      const result = run('sh', 'dashboards/grafana/entrypoint.sh', {
        GF_SECURITY_ADMIN_PASSWORD__FILE: path(),
        GF_SECURITY_SECRET_KEY__FILE: file('key', 'key-91aa\n'),
        VERITY_GRAFANA_NEXT_ENTRYPOINT: '/bin/echo',
      });
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('key-91aa');
    });
  });
});
