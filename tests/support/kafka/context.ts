// What tests/support/global-setup.ts hands to test files through vitest's provide/inject.
import type { KafkaSource } from './acquire.ts';
import { REQUIRE_ALL_ENV, requireAll } from '../skips.ts';
import type { KafkaSaslListener } from './broker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap addresses of the run's broker; empty when no broker could be had. */
    kafkaBrokers: string[];
    /** Why `kafkaBrokers` is empty ('' when it is not). */
    kafkaUnavailableReason: string;
    /** Where the broker came from ('' when unavailable). */
    kafkaSource: KafkaSource | '';
    /** The broker's SASL/PLAIN client listener, or null (only the local JVM broker has one). */
    kafkaSasl: KafkaSaslListener | null;
  }
}

/** Env var: when '1', a run that needs Kafka fails instead of skipping the Kafka tests (CI sets it). */
export const REQUIRE_KAFKA_ENV = 'VERITY_REQUIRE_KAFKA';

/** VERITY_REQUIRE_KAFKA=1, or CI mode (tests/support/skips.ts), where a real broker is not optional. */
export function kafkaRequired(): boolean {
  const value = process.env[REQUIRE_KAFKA_ENV];
  return value === '1' || value === 'true' || requireAll();
}

/** What made Kafka required, for the error that says so. */
export function kafkaRequiredBy(): string {
  return requireAll() ? `CI mode (${REQUIRE_ALL_ENV}=1 or CI=true)` : `${REQUIRE_KAFKA_ENV}=1`;
}
