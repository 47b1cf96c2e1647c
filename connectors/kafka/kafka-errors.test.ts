import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { PublishError } from '../../pipelines/errors.ts';
import { brokerCall, isTransientKafkaFailure } from './kafka-errors.ts';

describe('isTransientKafkaFailure', () => {
  it('retries what kafkajs retries, and what it only ran out of tries on', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(isTransientKafkaFailure(refused)).toBe(true);
    expect(isTransientKafkaFailure(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 3000 }))).toBe(true);
  });

  it('does not retry what can never succeed', () => {
    const tooLarge = new KafkaJSProtocolError({ type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false, message: 'too large' } as unknown as Error);
    expect(isTransientKafkaFailure(tooLarge)).toBe(false);
    expect(isTransientKafkaFailure(new KafkaJSNumberOfRetriesExceeded(tooLarge, { retryCount: 0, retryTime: 0 }))).toBe(false);
    expect(isTransientKafkaFailure(new KafkaJSNonRetriableError('bad'))).toBe(false);
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

  it('passes a protocol answer such as a rebalance through for the caller to handle', async () => {
    const rebalance = new KafkaJSProtocolError({ type: 'REBALANCE_IN_PROGRESS', code: 27, retriable: false, message: 'rebalancing' } as unknown as Error);
    await expect(brokerCall('committing offsets', () => Promise.reject(rebalance))).rejects.toBe(rebalance);
  });
});
