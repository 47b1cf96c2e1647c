// Kafka in Docker via testcontainers (official `apache/kafka` image), used when a container
// engine is reachable. testcontainers is imported lazily so machines without Docker never load it.
import { randomBytes } from 'node:crypto';
import type { KafkaBroker } from './broker.ts';
import { freePort, KAFKA_VERSION, waitForKafka } from './broker.ts';

/** The image run when Docker is available; same Kafka release as the local broker. */
export const KAFKA_IMAGE = `apache/kafka:${KAFKA_VERSION}`;

/**
 * True when testcontainers finds a working container engine. Fast and silent when there is none
 * (no socket/DOCKER_HOST: testcontainers gives up in well under a second); capped at `timeoutMs`.
 */
export async function dockerAvailable(timeoutMs = 5_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    return await Promise.race([getContainerRuntimeClient().then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts a single-node KRaft broker in a container. The client listener uses the same port number
 * inside and outside the container (a free host port), so the advertised address needs no rewrite.
 */
export async function startDockerKafka(options: { startTimeoutMs?: number; log?: (message: string) => void } = {}): Promise<KafkaBroker> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  const started = Date.now();
  const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
  const start = (port: number) =>
    new GenericContainer(KAFKA_IMAGE)
      .withExposedPorts({ container: port, host: port })
      .withEnvironment({
        // A base64 UUID for formatting the container's fresh storage, as docker-compose.yml gives one.
        CLUSTER_ID: randomBytes(16).toString('base64url'),
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${port},CONTROLLER://localhost:9093`,
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${port}`,
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
        KAFKA_NUM_PARTITIONS: '3',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '3',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_HEAP_OPTS: '-Xms512m -Xmx1g',
      })
      .withWaitStrategy(Wait.forListeningPorts())
      .withStartupTimeout(options.startTimeoutMs ?? 90_000)
      .start();
  // The host port must be chosen before the container starts (it is also the advertised one), so
  // another process can take it first; then Docker refuses to publish it and we pick again.
  let port = await freePort();
  let container: Awaited<ReturnType<typeof start>>;
  for (let attempt = 1; ; attempt++) {
    try {
      container = await start(port);
      break;
    } catch (error) {
      if (attempt >= 5 || !/port is already allocated|address already in use/i.test((error as Error).message)) throw error;
      options.log?.(`host port ${port} was taken before the container bound it (attempt ${attempt}/5); retrying with another`);
      port = await freePort();
    }
  }
  const brokers = [`${host}:${port}`];
  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= container.stop({ timeout: 5_000 }).then(() => undefined);
    return stopped;
  };
  try {
    await waitForKafka(brokers, options.startTimeoutMs ?? 90_000);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  options.log?.(`Kafka broker ready on ${brokers.join(',')} in ${((Date.now() - started) / 1000).toFixed(1)} s (${KAFKA_IMAGE} via testcontainers)`);

  // An outage: the same container stopped and started again. Its host port is fixed (see above),
  // so the mapping survives, and its storage is the container's own filesystem, which a stop
  // keeps; the image's launch script leaves already formatted storage alone.
  const runtime = await getContainerRuntimeClient();
  const handle = runtime.container.getById(container.getId());
  let halted: Promise<void> | null = null;
  const halt = ({ signal = 'SIGTERM' }: { signal?: 'SIGTERM' | 'SIGKILL' } = {}): Promise<void> => {
    // docker stop sends SIGTERM and SIGKILL after the timeout; no timeout is a crash.
    halted ??= runtime.container.stop(handle, { timeout: signal === 'SIGKILL' ? 0 : 5_000 });
    return halted;
  };
  const restart = async (): Promise<void> => {
    if (stopped) throw new Error(`the broker on ${brokers[0]} was stopped for good; it cannot be restarted`);
    await halt();
    await runtime.container.start(handle);
    halted = null;
    await waitForKafka(brokers, options.startTimeoutMs ?? 90_000);
  };
  return { brokers, stop, logFile: `(container ${container.getId().slice(0, 12)}: docker logs)`, halt, restart };
}
