// docker-compose.yml, the Dockerfile and .dockerignore cannot be run here (no Docker engine), so
// this test reads them and checks that they agree with what the code assumes: ports, database,
// variable names, credentials on both ends of the connection, the Node line and the entrypoint,
// Kafka listeners and topics, the metrics endpoint, and Grafana's data source and dashboards.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULTS, ENV } from '../../pipelines/config/defaults.ts';
import { buildProgram } from '../../pipelines/cli/main.ts';
import { HEALTH_PATH } from '../../pipelines/runtime/metrics-server.ts';
import { CLICKHOUSE_IMAGE } from '../support/clickhouse/docker.ts';
import { KAFKA_IMAGE } from '../support/kafka/docker.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  environment?: Record<string, string> | string[];
  ports?: (string | { target: number; published?: string | number })[];
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string };
  entrypoint?: string[] | string;
  command?: string[] | string;
  profiles?: string[];
}

const read = (file: string) => readFileSync(join(projectRoot, file), 'utf8');
const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;

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
    expect(clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+/);
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

  it('uses the same ClickHouse credentials on both sides, from the same variables', () => {
    expect(demoEnv[ENV.clickhouseUser]).toBe(chEnv.CLICKHOUSE_USER);
    expect(demoEnv[ENV.clickhousePassword]).toBe(chEnv.CLICKHOUSE_PASSWORD);
    expect(interpolate(chEnv.CLICKHOUSE_USER!)).toBe('verity');
    expect(interpolate(chEnv.CLICKHOUSE_PASSWORD!)).toBe('verity');
  });

  it('never carries a token key value', () => {
    const key = demoEnv[ENV.tokenKey];
    if (key !== undefined) expect(interpolate(key)).toBe('');
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
    expect(kafka.image).toBe('apache/kafka:4.1.2');
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
      'kafka-init': { condition: 'service_completed_successfully' },
    });
  });

  it('passes only flags that verity run and verity produce understand', () => {
    const run = flagsOf('run');
    for (const flag of consumerArgs.filter((a) => a.startsWith('--'))) expect(run, flag).toContain(flag);
    const produce = flagsOf('produce');
    const produceLine = shellCommand(producer).split('produce ')[1] ?? '';
    for (const [flag] of produceLine.matchAll(/--[a-z-]+/g)) expect(produce, flag).toContain(flag);
  });

  it('serves metrics on the default port, published on loopback, with a /healthz healthcheck', () => {
    expect(consumerEnv[ENV.metricsPort]).toBe(String(DEFAULTS.metricsPort));
    expect(argValue(consumerArgs, '--metrics-port') ?? String(DEFAULTS.metricsPort)).toBe(String(DEFAULTS.metricsPort));
    // Inside the container the endpoint must listen beyond loopback for the published port to reach it.
    expect(argValue(consumerArgs, '--metrics-host')).toBe('0.0.0.0');
    expect(published(consumer)).toEqual([`127.0.0.1:${DEFAULTS.metricsPort}:${DEFAULTS.metricsPort}`]);
    const test = ([] as string[]).concat(consumer.healthcheck?.test ?? []).join(' ');
    expect(test).toContain(`http://127.0.0.1:${DEFAULTS.metricsPort}${HEALTH_PATH}`);
  });

  it('gives every Verity container only variables Verity reads, the same ClickHouse credentials, and no key', () => {
    const known = new Set<string>(Object.values(ENV));
    for (const s of [consumer, producer]) {
      for (const name of Object.keys(environment(s))) expect(known, `${name} is not in ENV`).toContain(name);
    }
    expect(consumerEnv[ENV.clickhouseUser]).toBe(chEnv.CLICKHOUSE_USER);
    expect(consumerEnv[ENV.clickhousePassword]).toBe(chEnv.CLICKHOUSE_PASSWORD);
    expect(interpolate(consumerEnv[ENV.tokenKey] ?? '')).toBe('');
  });

  it('shares the token key volume between the consumer and the file demo, so their tokens join', () => {
    const demo = service('verity-demo');
    expect(consumerEnv[ENV.dataDir]).toBe('/data');
    expect(consumer.volumes).toEqual(demo.volumes);
    expect(demo.profiles).toEqual(['file-demo']);
    expect(consumer.profiles).toBeUndefined();
  });

  it('produces the generated demo stream to the same brokers once the consumer is up', () => {
    expect(producer.image).toBe(consumer.image);
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
    const datasources = parse(readFileSync(join(provisioning, 'datasources', 'clickhouse.yaml'), 'utf8')) as {
      datasources: { uid: string; type: string; jsonData: Record<string, unknown>; secureJsonData: Record<string, unknown> }[];
    };
    const providers = readdirSync(join(provisioning, 'dashboards')).flatMap(
      (f) => (parse(readFileSync(join(provisioning, 'dashboards', f), 'utf8')) as { providers: { options: { path: string } }[] }).providers,
    );

    it('preinstalls the ClickHouse plugin and publishes Grafana on localhost:3000', () => {
      expect(grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
      expect(grafanaEnv.GF_PLUGINS_PREINSTALL_SYNC?.split(',')).toContain('grafana-clickhouse-datasource');
      expect(published(grafana)).toEqual(['127.0.0.1:3000:3000']);
      expect(grafana.depends_on).toEqual({ clickhouse: { condition: 'service_healthy' } });
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

    it('logs in to ClickHouse with the server’s credentials, from the same variables', () => {
      const ds = datasources.datasources[0]!;
      expect(ds.jsonData.username).toBe(`\${${ENV.clickhouseUser}}`);
      expect(ds.secureJsonData.password).toBe(`\${${ENV.clickhousePassword}}`);
      expect(grafanaEnv[ENV.clickhouseUser]).toBe(chEnv.CLICKHOUSE_USER);
      expect(grafanaEnv[ENV.clickhousePassword]).toBe(chEnv.CLICKHOUSE_PASSWORD);
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
  it('run the same Kafka and ClickHouse images as docker-compose.yml', () => {
    expect(KAFKA_IMAGE).toBe(service('kafka').image);
    expect(CLICKHOUSE_IMAGE).toBe(service('clickhouse').image);
  });
});
