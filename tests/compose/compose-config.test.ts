// docker-compose.yml, the Dockerfile and .dockerignore cannot be run here (no Docker engine), so
// this test reads them and checks that they agree with what the code assumes: ports, database,
// variable names, credentials on both ends of the connection, the Node line and the entrypoint.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULTS, ENV } from '../../pipelines/config/defaults.ts';

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

  it('builds every stage on Node 24 (bookworm, for chDB’s glibc library)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const image of stages) expect(image).toBe('node:24-bookworm-slim');
  });

  it('installs production dependencies from the lockfile only', () => {
    expect(lines.some((l) => /^RUN npm ci --omit=dev\b/.test(l))).toBe(true);
  });

  it('runs bin/verity.mjs as the unprivileged node user, and that script exists', () => {
    expect(lines).toContain('ENTRYPOINT ["node", "bin/verity.mjs"]');
    expect(existsSync(join(projectRoot, 'bin', 'verity.mjs'))).toBe(true);
    const users = lines.filter((l) => l.startsWith('USER '));
    expect(users.at(-1)).toBe('USER node');
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
    expect(entries).toEqual(expect.arrayContaining(['node_modules', '.cache', 'data', '.git', 'tests', '.env']));
  });
});
