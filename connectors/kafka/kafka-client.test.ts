// The kafkajs options a run configuration produces, and the kafkajs request-queue fix; the Kafka
// tests prove the options against a real broker (plain, and SASL when the broker offers it).
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { KafkaRunConfig } from '../../pipelines/config/run-config.ts';
import { kafkaClientConfig } from './kafka-client.ts';
import { applyKafkajsRequestQueueFix, kafkajsRequestQueueClass } from './kafkajs-request-queue-fix.ts';

const base: KafkaRunConfig = {
  brokers: ['b1:9092', 'b2:9092'],
  clientId: 'verity',
  groupId: 'g',
  topics: { customers: 'c', agents: 'a', deadLetters: 'd', issues: 'i', corrections: 'k' },
  ssl: false,
  sasl: undefined,
  partitionsConcurrency: 2,
  fetchMaxMb: 48,
  topicPartitions: 6,
  sessionTimeoutMs: undefined,
};
const logger = pino({ level: 'silent' });

describe('kafkaClientConfig', () => {
  it('passes brokers and the client id, with TLS off and no SASL by default', () => {
    const config = kafkaClientConfig(base, logger, '-producer');
    expect(config).toMatchObject({ clientId: 'verity-producer', brokers: ['b1:9092', 'b2:9092'], ssl: false });
    expect(config.sasl).toBeUndefined();
  });

  it('passes TLS and SASL through as configured', () => {
    const tls = { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' };
    const config = kafkaClientConfig(
      { ...base, ssl: tls, sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' } },
      logger,
    );
    expect(config.ssl).toEqual(tls);
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'u', password: 'p' });
    expect(kafkaClientConfig({ ...base, ssl: true }, logger).ssl).toBe(true);
  });
});

describe('kafkajs request-queue fix', () => {
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const newQueue = () => {
    const RequestQueue = kafkajsRequestQueueClass();
    return new RequestQueue({ maxInFlightRequests: null, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'x', broker: 'b', logger: silent });
  };

  it('is applied (kafka-client.ts applies it on import) and idempotent', () => {
    expect(applyKafkajsRequestQueueFix()).toBe(true);
    expect(applyKafkajsRequestQueueFix()).toBe(true);
  });

  it('arms no timer for an idle, unthrottled queue: no negative timeout, no 1 ms spin', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const queue = newQueue();
      let checks = 0;
      const check = queue.checkPendingRequests.bind(queue);
      queue.checkPendingRequests = () => {
        checks += 1;
        check();
      };
      queue.checkPendingRequests();
      expect(queue.throttleCheckTimeoutId).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Unfixed, the queue re-checks itself every millisecond: ~100 checks here.
      expect(checks).toBe(1);
      expect(warnings).not.toContain('TimeoutNegativeWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('still re-checks a throttled queue when the throttle ends, and a queue with requests waiting', () => {
    const throttled = newQueue();
    throttled.throttledUntil = Date.now() + 50;
    throttled.scheduleCheckPendingRequests();
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(throttled.throttleCheckTimeoutId ?? undefined);

    const waiting = newQueue();
    waiting.pending.push({});
    waiting.scheduleCheckPendingRequests();
    expect(waiting.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(waiting.throttleCheckTimeoutId ?? undefined);
  });
});
