import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { PublishError } from '../../pipelines/errors.ts';
import { brokerCall, isProducerStateFailure, isTransientKafkaFailure } from './kafka-errors.ts';

/** What kafkajs's retrier throws for an error it will not retry (`cause: e.cause || e`); the typings omit the cause. */
const nonRetriable = (e: Error, cause: unknown): KafkaJSNonRetriableError =>
  new (KafkaJSNonRetriableError as unknown as new (e: Error, metadata: { cause: unknown }) => KafkaJSNonRetriableError)(e, { cause });

describe('isTransientKafkaFailure', () => {
  it('retries what kafkajs retries, and what it only ran out of tries on', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(isTransientKafkaFailure(refused)).toBe(true);
    expect(isTransientKafkaFailure(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 3000 }))).toBe(true);
  });

  it('retries a connection error that a nested kafkajs retrier gave up on (what a producer throws while its broker restarts)', () => {
    // kafkajs's retrier wraps a not-retriable error with `cause: e.cause || e`: an inner retrier's
    // KafkaJSNumberOfRetriesExceeded becomes a KafkaJSNonRetriableError caused by the connection error.
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const inner = new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 3000 });
    const outer = nonRetriable(inner, inner.cause ?? inner);
    expect(outer.retriable).toBe(false);
    expect(isTransientKafkaFailure(outer)).toBe(true);
  });

  it('does not retry what can never succeed', () => {
    const tooLarge = new KafkaJSProtocolError({ type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false, message: 'too large' } as unknown as Error);
    expect(isTransientKafkaFailure(tooLarge)).toBe(false);
    expect(isTransientKafkaFailure(new KafkaJSNumberOfRetriesExceeded(tooLarge, { retryCount: 0, retryTime: 0 }))).toBe(false);
    expect(isTransientKafkaFailure(new KafkaJSNonRetriableError('bad'))).toBe(false);
    expect(isTransientKafkaFailure(nonRetriable(tooLarge, tooLarge))).toBe(false);
    expect(isTransientKafkaFailure(nonRetriable(new TypeError('bug'), new TypeError('bug')))).toBe(false);
    expect(isTransientKafkaFailure(new TypeError('bug'))).toBe(false);
  });
});

describe('brokerCall', () => {
  it('turns a broker outage into a retriable PublishError that names the call and the error, not its message', async () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const error = await brokerCall('publishing', () => Promise.reject(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 3000 }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ retriable: true, message: 'publishing failed: KafkaJSNumberOfRetriesExceeded KafkaJSConnectionError' });
  });

  it('makes the same retriable PublishError of a connection error that nested retriers gave up on', async () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const gaveUp = nonRetriable(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 9, retryTime: 1000 }), refused);
    const error = await brokerCall('publishing', () => Promise.reject(gaveUp)).catch((e: unknown) => e);
    expect(error).toMatchObject({ retriable: true, message: 'publishing failed: KafkaJSNonRetriableError KafkaJSConnectionError' });
  });

  it('passes a protocol answer such as a rebalance through for the caller to handle', async () => {
    const rebalance = new KafkaJSProtocolError({ type: 'REBALANCE_IN_PROGRESS', code: 27, retriable: false, message: 'rebalancing' } as unknown as Error);
    await expect(brokerCall('committing offsets', () => Promise.reject(rebalance))).rejects.toBe(rebalance);
  });
});

describe('isProducerStateFailure', () => {
  const protocol = (type: string, code: number) => new KafkaJSProtocolError({ type, code, retriable: false, message: type } as unknown as Error);

  it('knows the answers that only a new producer id gets past, also as the cause kafkajs wrapped', () => {
    const outOfOrder = protocol('OUT_OF_ORDER_SEQUENCE_NUMBER', 45);
    expect(isProducerStateFailure(outOfOrder)).toBe(true);
    expect(isProducerStateFailure(nonRetriable(outOfOrder, outOfOrder))).toBe(true);
    expect(isProducerStateFailure(protocol('UNKNOWN_PRODUCER_ID', 59))).toBe(true);
    expect(isProducerStateFailure(protocol('INVALID_PRODUCER_EPOCH', 47))).toBe(true);
  });

  it('not the broker refusing the records, nor a connection that failed', () => {
    expect(isProducerStateFailure(protocol('MESSAGE_TOO_LARGE', 10))).toBe(false);
    expect(isProducerStateFailure(new KafkaJSConnectionError('Connection error'))).toBe(false);
    expect(isProducerStateFailure(undefined)).toBe(false);
  });
});
