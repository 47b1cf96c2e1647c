// A real, single-node Apache Kafka broker (KRaft, broker+controller in one JVM) for the test
// suite, without Docker: the broker's jars come from Maven Central (resolved once into
// .cache/kafka/<version>/libs) and run on the local Java.
//
//   const broker = await startKafkaBroker();
//   broker.brokers  // ['127.0.0.1:40123']
//   await broker.halt();     // an outage: the JVM stops, its ports and data (KRaft metadata, logs) stay
//   await broker.restart();  // the same broker again, answering on the same ports
//   await broker.stop();
//
// Every start uses fresh free ports on 127.0.0.1 and a fresh temp dir, so runs never share state.
// The JVM runs under watchdog.sh: it is stopped when the test process goes away, however it ends.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { applyKafkajsRequestQueueFix } from '../../../connectors/kafka/kafkajs-request-queue-fix.ts';

// The readiness probe is a kafkajs client too (see the module for the defect it fixes).
applyKafkajsRequestQueueFix();

/** Kafka release the local broker runs (the `kafka_2.13` Maven artifact). */
export const KAFKA_VERSION = '4.1.2';
/** log4j2 + its SLF4J binding: the release tarball ships them, the Kafka POM does not. */
export const LOG4J_VERSION = '2.24.3';

const supportDir = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(supportDir, '..', '..', '..');
const pomFile = join(supportDir, 'pom.xml');
const watchdogScript = join(supportDir, 'watchdog.sh');
const COMPLETE_MARKER = '.verity-complete';
const TEMP_PREFIX = 'verity-kafka-';

export interface KafkaBrokerOptions {
  /** Kafka version (Maven `kafka_2.13`). Default {@link KAFKA_VERSION}. */
  version?: string;
  /** Where jars are cached. Default `<project>/.cache/kafka`. */
  cacheDir?: string;
  /** Maven's local repository for the one-time download. Default `<cacheDir>/m2` (not ~/.m2: all downloads stay in .cache). */
  mavenRepoLocal?: string;
  /** Give up when the broker is not answering after this long. Default 90 s. */
  startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. Default 5 s. */
  stopGraceMs?: number;
  /** JVM heap flags. Default `['-Xms512m', '-Xmx1g']`. */
  heap?: string[];
  /** Extra/overriding `server.properties` entries. */
  serverProperties?: Record<string, string | number | boolean>;
  /** Progress messages (Maven download, start time). Default: stderr with a `[kafka]` prefix. */
  log?: (message: string) => void;
}

/** A second client listener that requires SASL/PLAIN, for tests of Verity's SASL options. */
export interface KafkaSaslListener {
  /** Bootstrap addresses of the SASL_PLAINTEXT listener. */
  brokers: string[];
  mechanism: 'plain';
  /** Made up per broker start: test credentials, never a real secret. */
  username: string;
  password: string;
}

export interface KafkaBroker {
  /** Bootstrap addresses, e.g. `['127.0.0.1:40123']`. */
  brokers: string[];
  /** The SASL listener, when the broker has one (the local JVM broker always does). */
  sasl?: KafkaSaslListener;
  /** Stops the broker (SIGTERM, SIGKILL after the grace period) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** The broker's log (log4j WARN+ and JVM stdout/stderr); gone after `stop()`. */
  logFile: string;
  /**
   * Takes the broker down as an outage would, keeping its ports, cluster id and data for
   * `restart()`: SIGTERM (a clean shutdown, SIGKILL after the grace period) or SIGKILL (a crash,
   * which the restart recovers from the logs). Idempotent while halted. Absent where the broker
   * cannot be restarted (an external one).
   */
  halt?(options?: { signal?: 'SIGTERM' | 'SIGKILL' }): Promise<void>;
  /**
   * Starts the halted broker again on the same ports and data (halting it first if it runs) and
   * resolves once it answers, group coordinator included. Rejects with the log's tail if it does not.
   */
  restart?(): Promise<void>;
}

export type KafkaBrokerErrorCode =
  | 'JAVA_NOT_FOUND'
  | 'JAVA_TOO_OLD'
  | 'MAVEN_NOT_FOUND'
  | 'MAVEN_FAILED'
  | 'FORMAT_FAILED'
  | 'START_FAILED'
  | 'START_TIMEOUT';

/** Base class of everything {@link startKafkaBroker} throws on purpose. */
export class KafkaBrokerError extends Error {
  readonly code: KafkaBrokerErrorCode;
  constructor(code: KafkaBrokerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KafkaBrokerError';
    this.code = code;
  }
}

/** No usable `java` (JAVA_HOME/bin/java or PATH), or it is older than 17. */
export class JavaNotFoundError extends KafkaBrokerError {
  constructor(message: string, code: 'JAVA_NOT_FOUND' | 'JAVA_TOO_OLD' = 'JAVA_NOT_FOUND') {
    super(code, message);
    this.name = 'JavaNotFoundError';
  }
}

/** The jars are not cached yet and there is no `mvn` on PATH to fetch them. */
export class MavenNotFoundError extends KafkaBrokerError {
  constructor(message: string) {
    super('MAVEN_NOT_FOUND', message);
    this.name = 'MavenNotFoundError';
  }
}

/** A command (Maven, the storage formatter) failed; carries the command line and its output tail. */
export class CommandFailedError extends KafkaBrokerError {
  readonly command: string;
  readonly exitCode: number | null;
  readonly outputTail: string;
  constructor(
    code: 'MAVEN_FAILED' | 'FORMAT_FAILED',
    what: string,
    command: string,
    exitCode: number | null,
    outputTail: string,
  ) {
    super(code, `${what} failed (exit ${exitCode}).\n  command: ${command}\n  output (tail):\n${indent(outputTail)}`);
    this.name = code === 'MAVEN_FAILED' ? 'MavenResolutionError' : 'KafkaFormatError';
    this.command = command;
    this.exitCode = exitCode;
    this.outputTail = outputTail;
  }
}

/** The broker JVM exited early or did not answer in time; carries the tail of its log. */
export class KafkaStartError extends KafkaBrokerError {
  readonly logTail: string;
  constructor(code: 'START_FAILED' | 'START_TIMEOUT', message: string, logTail: string, options?: ErrorOptions) {
    super(code, `${message}\n  broker log (tail):\n${indent(logTail || '(empty)')}`, options);
    this.name = 'KafkaStartError';
    this.logTail = logTail;
  }
}

// ---------------------------------------------------------------------------------------------
// Tools: java and mvn
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
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a command to completion, collecting stdout+stderr (interleaved, capped). */
function run(command: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
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
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, output });
    });
  });
}

/** Locates a java >= 17: `$JAVA_HOME/bin/java`, else `java` on PATH. */
export async function findJava(): Promise<string> {
  const javaHome = process.env['JAVA_HOME'];
  const fromHome = javaHome ? join(javaHome, 'bin', 'java') : null;
  const java = fromHome && existsSync(fromHome) ? fromHome : findOnPath('java');
  if (!java) {
    throw new JavaNotFoundError(
      `No Java found: the local Kafka broker needs Java 17+ (looked at ${fromHome ?? '$JAVA_HOME (unset)'} and for \`java\` on PATH). ` +
        'Install a JDK 17+ or set JAVA_HOME, or point VERITY_KAFKA_BROKERS at a running broker.',
    );
  }
  const { output } = await run(java, ['-version'], { timeoutMs: 30_000 });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
  if (!(major >= 17)) {
    throw new JavaNotFoundError(
      `${java} is not a usable Java 17+ (Kafka ${KAFKA_VERSION} brokers need 17+); \`java -version\` said:\n${indent(tail(output, 5))}`,
      'JAVA_TOO_OLD',
    );
  }
  return java;
}

function findMaven(): string {
  const homes = [process.env['MAVEN_HOME'], process.env['M2_HOME']].filter((h): h is string => !!h);
  for (const home of homes) {
    const candidate = join(home, 'bin', 'mvn');
    if (existsSync(candidate)) return candidate;
  }
  const mvn = findOnPath('mvn');
  if (!mvn) {
    throw new MavenNotFoundError(
      `No Maven found: \`mvn\` is not on PATH (nor in $MAVEN_HOME/bin); it is needed once to fetch the Kafka ${KAFKA_VERSION} jars ` +
        `into .cache/kafka. Install Maven 3.x, or point VERITY_KAFKA_BROKERS at a running broker.`,
    );
  }
  return mvn;
}

// ---------------------------------------------------------------------------------------------
// Jars
// ---------------------------------------------------------------------------------------------

/**
 * Returns the folder holding every jar the broker needs, fetching them with Maven the first time.
 * A marker file is written only after a complete copy; the copy goes to a staging folder that is
 * renamed into place, so concurrent first runs cannot see a half-filled folder.
 */
export async function ensureKafkaJars(
  options: Pick<KafkaBrokerOptions, 'version' | 'cacheDir' | 'mavenRepoLocal' | 'log'> = {},
): Promise<string> {
  const version = options.version ?? KAFKA_VERSION;
  const cacheDir = options.cacheDir ?? join(projectRoot, '.cache', 'kafka');
  const versionDir = join(cacheDir, version);
  const libs = join(versionDir, 'libs');
  if (existsSync(join(libs, COMPLETE_MARKER))) return libs;

  const log = options.log ?? defaultLog;
  const mvn = findMaven();
  mkdirSync(versionDir, { recursive: true });
  if (existsSync(join(libs, COMPLETE_MARKER))) return libs; // a concurrent run just finished
  if (existsSync(libs)) rmSync(libs, { recursive: true, force: true }); // incomplete leftover
  const staging = mkdtempSync(join(versionDir, 'libs.staging-'));
  const args = [
    '-q',
    '-B',
    '-Dstyle.color=never',
    '-f',
    pomFile,
    'dependency:copy-dependencies',
    `-Dkafka.version=${version}`,
    `-Dlog4j.version=${LOG4J_VERSION}`,
    `-DoutputDirectory=${staging}`,
    `-Dmaven.repo.local=${options.mavenRepoLocal ?? join(cacheDir, 'm2')}`,
  ];
  const commandLine = [mvn, ...args].join(' ');
  log(`fetching Kafka ${version} jars with Maven into ${libs} (once)…`);
  const started = Date.now();
  let result: RunResult;
  try {
    result = await run(mvn, args, { cwd: supportDir, timeoutMs: 15 * 60_000 });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw new CommandFailedError('MAVEN_FAILED', 'Resolving the Kafka jars with Maven', commandLine, null, String(error));
  }
  const jars = readdirSync(staging).filter((f) => f.endsWith('.jar'));
  const hasBroker = jars.some((f) => f.startsWith(`kafka_2.13-${version}`));
  if (result.code !== 0 || !hasBroker) {
    rmSync(staging, { recursive: true, force: true });
    const why = result.code === 0 ? `${tail(result.output, 40)}\n(no kafka_2.13-${version}.jar was copied)` : tail(result.output, 40);
    throw new CommandFailedError('MAVEN_FAILED', 'Resolving the Kafka jars with Maven', commandLine, result.code, why);
  }
  writeFileSync(join(staging, COMPLETE_MARKER), `${jars.sort().join('\n')}\n`);
  try {
    renameSync(staging, libs);
  } catch (error) {
    // A concurrent run finished first; keep its folder.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(libs, COMPLETE_MARKER))) throw error;
  }
  log(`fetched ${jars.length} jars in ${seconds(Date.now() - started)}`);
  return libs;
}

// ---------------------------------------------------------------------------------------------
// Broker
// ---------------------------------------------------------------------------------------------

/**
 * A port that was free on 127.0.0.1 a moment ago (the kernel picks it). Another process may bind
 * it before the caller does: only for what cannot listen on port 0 itself and report the port it
 * got (a KRaft broker must know its controller address before it starts), and only with a retry
 * when the bind fails (see startKafkaBroker).
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

/** Kafka's cluster-id format (what `kafka-storage.sh random-uuid` prints): 16 random bytes, base64url. */
function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

interface BrokerPorts {
  readonly port: number;
  readonly controllerPort: number;
  readonly saslPort: number;
}

/** A JAAS value for one PLAIN user; the characters are hex, so nothing needs quoting. */
function plainJaas(sasl: KafkaSaslListener): string {
  const { username, password } = sasl;
  return `org.apache.kafka.common.security.plain.PlainLoginModule required username="${username}" password="${password}" user_${username}="${password}";`;
}

function serverProperties(
  dir: string,
  { port, controllerPort, saslPort }: BrokerPorts,
  sasl: KafkaSaslListener,
  extra: KafkaBrokerOptions['serverProperties'],
): string {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    // Clients only: brokers and the controller talk PLAINTEXT, so SASL needs nothing else.
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas(sasl),
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': join(dir, 'data'),
    'num.partitions': 3,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 3,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 3,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': false,
    'delete.topic.enable': true,
    // A test broker: few threads, quick heartbeats so it is unfenced sooner.
    'num.network.threads': 2,
    'num.io.threads': 4,
    'background.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'broker.heartbeat.interval.ms': 500,
    ...extra,
  };
  return `${Object.entries(props)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('\n')}\n`;
}

function log4jConfig(): string {
  // Everything goes to stdout, which the spawn sends to broker.log (with the JVM's own stderr).
  return `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="out" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d{HH:mm:ss.SSS}] %-5p %m (%c{1})%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
    <Root level="WARN"><AppenderRef ref="out"/></Root>
  </Loggers>
</Configuration>
`;
}

/** Removes temp dirs of earlier runs whose process died without cleaning up (SIGKILL of everything). */
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

/** Our broker's port answered for another cluster: another process bound it first. */
class PortTakenError extends Error {
  constructor(brokers: readonly string[], foreignClusterId: string) {
    super(`${brokers.join(',')} is another broker's (cluster ${foreignClusterId}): the port was taken before ours bound it`);
    this.name = 'PortTakenError';
  }
}

/**
 * Waits until the broker answers a metadata request and its group coordinator is up. Calls `failed()` between attempts; a string
 * from it (e.g. "the JVM exited") aborts the wait.
 */
export async function waitForKafka(
  brokers: string[],
  timeoutMs: number,
  failed: () => string | null = () => null,
  clusterId?: string,
): Promise<void> {
  const kafka = new Kafka({
    clientId: 'verity-readiness-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  });
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    const reason = failed();
    if (reason) throw new Error(reason);
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      // Someone else's broker on a port we lost the race for would answer too: not ours.
      if (clusterId !== undefined && cluster.clusterId !== clusterId) throw new PortTakenError(brokers, cluster.clusterId);
      if (cluster.brokers.length > 0 && cluster.controller !== null) {
        // Also wait for the group coordinator (this creates __consumer_offsets on a fresh broker),
        // so the first consumer group of the tests does not hit "coordinator not available".
        // (kafkajs throws on a group error such as COORDINATOR_LOAD_IN_PROGRESS.)
        const { groups } = await admin.describeGroups(['verity-readiness-probe']);
        if (groups.length === 1) return;
        lastError = new Error(`group coordinator answered ${JSON.stringify(groups)}`);
      } else {
        lastError = new Error(`describeCluster answered without brokers/controller: ${JSON.stringify(cluster)}`);
      }
    } catch (error) {
      if (error instanceof PortTakenError) throw error;
      lastError = error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (Date.now() >= deadline) {
      const message = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`no answer from ${brokers.join(',')} within ${seconds(timeoutMs)} (last error: ${message})`);
    }
    await sleep(250);
  }
}

/** Starts a fresh single-node KRaft broker on free 127.0.0.1 ports. See the file comment. */
export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const log = options.log ?? defaultLog;
  const version = options.version ?? KAFKA_VERSION;
  const java = await findJava();
  const libs = await ensureKafkaJars({ ...options, log });
  sweepStaleTempDirs();

  // The ports are free when picked but could be taken before the JVM binds them (another run):
  // then the JVM exits early, or another broker answers on them, and we try again with new
  // ports. A lost race costs one more start, not a failed test run.
  const attempts = 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(java, libs, version, options, log);
    } catch (error) {
      const portClash =
        error instanceof KafkaStartError && (/Address already in use|BindException/i.test(error.logTail) || error.cause instanceof PortTakenError);
      if (!portClash || attempt >= attempts) throw error;
      log(`port clash (attempt ${attempt}/${attempts}); retrying with new ports`);
    }
  }
}

async function startOnce(
  java: string,
  libs: string,
  version: string,
  options: KafkaBrokerOptions,
  log: (message: string) => void,
): Promise<KafkaBroker> {
  const started = Date.now();
  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
  const logFile = join(dir, 'broker.log');
  const propertiesFile = join(dir, 'server.properties');
  const log4jFile = join(dir, 'log4j2.xml');

  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });

  let ports: BrokerPorts;
  do {
    ports = { port: await freePort(), controllerPort: await freePort(), saslPort: await freePort() };
  } while (new Set(Object.values(ports)).size !== 3);
  const { port, saslPort } = ports;
  const sasl: KafkaSaslListener = {
    brokers: [`127.0.0.1:${saslPort}`],
    mechanism: 'plain',
    username: `verity${randomBytes(4).toString('hex')}`,
    password: randomBytes(16).toString('hex'),
  };

  const clusterId = randomClusterId();
  writeFileSync(propertiesFile, serverProperties(dir, ports, sasl, options.serverProperties));
  writeFileSync(log4jFile, log4jConfig());
  const classpath = join(libs, '*');
  const commonJvm = ['-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${log4jFile}`, '-cp', classpath];

  // Format the storage (single static voter => no --standalone).
  const formatArgs = [
    '-Xmx256m',
    '-XX:TieredStopAtLevel=1',
    ...commonJvm,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    propertiesFile,
  ];
  const formatted = await run(java, formatArgs, { timeoutMs: 60_000 });
  if (formatted.code !== 0) {
    removeDir();
    throw new CommandFailedError('FORMAT_FAILED', 'Formatting the Kafka storage', [java, ...formatArgs].join(' '), formatted.code, tail(formatted.output, 40));
  }

  const jvmArgs = [
    ...(options.heap ?? ['-Xms512m', '-Xmx1g']),
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExplicitGCInvokesConcurrent',
    ...commonJvm,
    'kafka.Kafka',
    propertiesFile,
  ];
  const brokers = [`127.0.0.1:${port}`];
  // The JVM now running, if any: halt() ends it, restart() launches another on the same dir.
  let jvm: Jvm | null = null;
  let removed = false;

  // Last resort if the test process exits without calling stop(): kill the whole group now
  // (the watchdog would also notice within a second).
  const onExit = (): void => {
    if (jvm) killGroup(jvm.child, 'SIGKILL');
    removeDir();
  };
  process.on('exit', onExit);

  // A stop() or restart() that comes while a halt is under way waits for that JVM to be gone.
  let halting: Promise<void> = Promise.resolve();
  const halt = ({ signal = 'SIGTERM' }: { signal?: 'SIGTERM' | 'SIGKILL' } = {}): Promise<void> => {
    const running = jvm;
    jvm = null;
    if (running) halting = stopJvm(running, signal, stopGraceMs);
    return halting;
  };

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      removed = true;
      await halt();
      process.off('exit', onExit);
      removeDir();
    })();
    return stopping;
  };

  /** Launches the JVM on the formatted dir and waits until it answers; halts it again if it does not. */
  const launch = async (what: string): Promise<Jvm> => {
    const launched = launchJvm(java, jvmArgs, dir, logFile, stopGraceMs);
    jvm = launched;
    try {
      await waitForKafka(brokers, startTimeoutMs, () => {
        if (launched.spawnError) return `could not spawn the broker: ${launched.spawnError.message}`;
        if (launched.exited) {
          const { code, signal } = launched.exited;
          return `the broker JVM exited during ${what} (exit ${code}${signal ? `, signal ${signal}` : ''})`;
        }
        return null;
      }, clusterId);
    } catch (error) {
      const logTail = readTail(logFile, 60);
      const timedOut = !launched.exited && !launched.spawnError;
      await halt();
      throw new KafkaStartError(
        timedOut ? 'START_TIMEOUT' : 'START_FAILED',
        `Kafka ${version} broker on ${brokers[0]} did not ${what}: ${(error as Error).message}\n  command: ${java} ${jvmArgs.join(' ')}`,
        logTail,
        { cause: error },
      );
    }
    return launched;
  };

  try {
    const first = await launch('start');
    log(`Kafka ${version} broker ready on ${brokers.join(',')} in ${seconds(Date.now() - started)} (local JVM, pid ${first.child.pid})`);
  } catch (error) {
    await stop();
    throw error;
  }

  const restart = async (): Promise<void> => {
    if (removed) throw new Error(`the broker on ${brokers[0]} was stopped for good; it cannot be restarted`);
    await halt();
    const restartedAt = Date.now();
    // Same properties file, so the same ports, cluster id and log dirs: the broker recovers its
    // KRaft metadata and partitions from disk. Another process may have bound a port meanwhile;
    // then this fails (BindException in the log tail) rather than moving the broker elsewhere.
    const again = await launch('restart');
    log(`Kafka broker restarted on ${brokers.join(',')} with its data in ${seconds(Date.now() - restartedAt)} (pid ${again.child.pid})`);
  };

  return { brokers, sasl, stop, logFile, halt, restart };
}

/** One broker JVM under the watchdog; `exited` is set once the watchdog (and so the JVM) is gone. */
interface Jvm {
  readonly child: ChildProcess;
  readonly exit: Promise<void>;
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
  spawnError: Error | null;
}

function launchJvm(java: string, jvmArgs: readonly string[], dir: string, logFile: string, stopGraceMs: number): Jvm {
  const out = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      'sh',
      [watchdogScript, String(process.pid), String(Math.ceil(stopGraceMs / 1000)), dir, java, ...jvmArgs],
      { cwd: dir, stdio: ['ignore', out, out], detached: true },
    );
  } finally {
    closeSync(out);
  }
  child.unref();
  const jvm: Jvm = {
    child,
    exited: null,
    spawnError: null,
    exit: new Promise<void>((resolveExit) => {
      child.once('exit', (code, signal) => {
        jvm.exited = { code, signal };
        resolveExit();
      });
    }),
  };
  child.once('error', (error) => {
    jvm.spawnError = error;
  });
  return jvm;
}

/** Ends the JVM: `SIGTERM` lets it shut down cleanly within the grace period (the watchdog then escalates), `SIGKILL` crashes it. */
async function stopJvm(jvm: Jvm, signal: 'SIGTERM' | 'SIGKILL', stopGraceMs: number): Promise<void> {
  if (jvm.exited || jvm.spawnError) return;
  jvm.child.ref(); // keep the process alive until the broker is really gone
  killGroup(jvm.child, signal); // the watchdog forwards SIGTERM and escalates to SIGKILL after the grace period
  if (!(await within(jvm.exit, stopGraceMs + 5_000))) {
    killGroup(jvm.child, 'SIGKILL');
    await within(jvm.exit, 2_000);
  }
  jvm.child.unref();
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
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

function defaultLog(message: string): void {
  process.stderr.write(`[kafka] ${message}\n`);
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

function readTail(file: string, lines: number): string {
  try {
    return tail(readFileSync(file, 'utf8'), lines);
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
