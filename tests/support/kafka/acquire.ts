// Picks the Kafka broker for a test run, in this order:
//   1. VERITY_KAFKA_BROKERS=host:port[,host:port…]  → that external broker, as is (checked it answers)
//   2. a Docker engine                               → apache/kafka via testcontainers
//   3. Java 17+ (and Maven, until the jars are cached) → a local JVM broker (broker.ts)
//   4. none of these                                 → unavailable, with the reason
// VERITY_KAFKA_DOCKER=0 skips step 2 (e.g. to test the local broker on a machine with Docker).
import { KafkaBrokerError, startKafkaBroker, waitForKafka } from './broker.ts';
import type { KafkaBroker, KafkaBrokerOptions, KafkaSaslListener } from './broker.ts';
import { dockerAvailable, startDockerKafka } from './docker.ts';

export type KafkaSource = 'external' | 'docker' | 'local';

export type AcquiredKafka =
  | {
      available: true;
      source: KafkaSource;
      brokers: string[];
      sasl?: KafkaSaslListener;
      stop(): Promise<void>;
      logFile: string | null;
      /** See KafkaBroker: present for the brokers started here (Docker, local), not for an external one. */
      halt?: KafkaBroker['halt'];
      restart?: KafkaBroker['restart'];
    }
  | { available: false; reason: string };

export async function acquireKafka(options: KafkaBrokerOptions & { external?: boolean } = {}): Promise<AcquiredKafka> {
  const log = options.log ?? ((message: string) => process.stderr.write(`[kafka] ${message}\n`));

  // `external: false`: a broker the caller may halt and restart, so never one it does not own.
  const external = (options.external === false ? '' : (process.env['VERITY_KAFKA_BROKERS'] ?? ''))
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (external.length > 0) {
    try {
      await waitForKafka(external, 15_000);
    } catch (error) {
      return { available: false, reason: `VERITY_KAFKA_BROKERS=${external.join(',')} is not answering: ${(error as Error).message}` };
    }
    log(`using the external broker(s) from VERITY_KAFKA_BROKERS: ${external.join(',')}`);
    return { available: true, source: 'external', brokers: external, stop: async () => undefined, logFile: null };
  }

  const problems: string[] = [];
  if (process.env['VERITY_KAFKA_DOCKER'] !== '0' && (await dockerAvailable())) {
    try {
      const broker = await startDockerKafka({ ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}), log });
      return { available: true, source: 'docker', ...broker };
    } catch (error) {
      // Fall through to the local broker; keep the reason in case that fails too.
      problems.push(`Docker is reachable but the Kafka container failed: ${(error as Error).message}`);
      log(problems[problems.length - 1]!);
    }
  } else {
    problems.push('no Docker engine reachable');
  }

  try {
    const broker = await startKafkaBroker({ ...options, log });
    return { available: true, source: 'local', ...broker };
  } catch (error) {
    const message = error instanceof KafkaBrokerError ? `${error.name} [${error.code}]: ${error.message}` : String(error);
    problems.push(`local Kafka broker: ${message}`);
  }
  return {
    available: false,
    reason: `no Kafka broker could be had — set VERITY_KAFKA_BROKERS, or provide Docker, or Java 17+ and Maven.\n- ${problems.join('\n- ')}`,
  };
}
