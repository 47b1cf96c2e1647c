// A produce request the broker wrote but whose answer never came back (a broker restart at the
// wrong moment: tests/kafka/broker-restart.test.ts met it twice in CI). kafkajs's idempotent
// producer then gives the request's sequence numbers back and sends again, and the broker takes a
// send with sequence numbers it has already written for a duplicate of that write. Two ways this
// lost records or stopped a member:
// - kafkajs re-partitions on its own retry, so unkeyed messages (dead letters of garbage, the
//   garbage lines `verity produce` sends) went to other partitions under the same numbers: the
//   broker dropped some as duplicates and refused others as out of order;
// - after a send failed past kafkajs's retries, the next send (other records) reused the numbers
//   and was dropped as a duplicate of the failed one, while reported as written.
// The broker is real; only the answers are lost, by the client's socket (lost-responses.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logLevel } from 'kafkajs';
import { expect, it } from 'vitest';
import { CORRECTION_SCHEMA, type CustomerCorrection } from '../../pipelines/contract/correction.ts';
import { PublishError } from '../../pipelines/errors.ts';
import type { RejectedMessage } from '../../pipelines/quality/model.ts';
import { readTopic } from '../../tests/kafka/support.ts';
import { lostResponses } from '../../tests/support/kafka/lost-responses.ts';
import { createTopic, describeKafka, kafkaClient, uniqueTopic, useKafka } from '../../tests/support/kafka/use-kafka.ts';
import { KafkaCorrectionSink } from './correction-publisher.ts';
import { produceFile } from './produce-file.ts';
import { TopicPublisher } from './topic-publisher.ts';

// The cut connections are the point: kafkajs's error log of each is noise here (VERITY_KAFKA_LOG shows it).
const QUIET = process.env['VERITY_KAFKA_LOG'] ? {} : { logLevel: logLevel.NOTHING };

/** kafkajs's tries cut to two (an idempotent producer must keep one retry). */
const FEW_TRIES = { retries: 1, initialRetryTime: 100 };

const unit = { id: 'unit-lost', scope: 'unit', tenure: 1, messages: [] } as const;

/** An unkeyed dead letter (garbage has no key), synthetic bytes. */
const deadLetter = (id: string): RejectedMessage => ({
  payload: Buffer.from(`{"cut-${id}`),
  key: null,
  deadLetter: {
    deadLetterId: id, reasonCode: 'INVALID_JSON', reason: 'not valid JSON', errorPath: '', sizeBytes: 8, payloadSha256: 'x',
    firstSeenAt: '2026-12-06T00:00:00.000Z', coordinates: { kind: 'kafka', topic: 'customer.changes', partition: 0, offset: id },
  },
});

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describeKafka('a produce answer lost after the broker wrote the records', () => {
  const { brokers } = useKafka();

  /** A publisher whose produce answers the test can lose; with `fewTries`, kafkajs gives up after two. */
  const lossyPublisher = async (deadLetterPartitions: number, fewTries = false) => {
    const deadLetterTopic = await createTopic(brokers, uniqueTopic('lost-dlq'), deadLetterPartitions);
    const issueTopic = await createTopic(brokers, uniqueTopic('lost-issues'), 1);
    const faults = lostResponses();
    const kafka = kafkaClient(brokers, { socketFactory: faults.socketFactory, ...(fewTries ? { retry: FEW_TRIES } : {}), ...QUIET });
    return { deadLetterTopic, faults, publisher: await TopicPublisher.connect(kafka, { deadLetterTopic, issueTopic }) };
  };
  const deadLettersOn = async (topic: string) => new Set((await readTopic(brokers, topic)).map((m) => m.headers['verity-dead-letter-id']));

  it('kafkajs sends the dead letters again: every one is on the topic, none refused', async () => {
    // 7 unkeyed messages over 3 partitions: partitioned again in turn, they would move.
    const { deadLetterTopic, faults, publisher } = await lossyPublisher(3);
    const sent = ids('once', 7);
    try {
      for (const round of [0, 1, 2]) {
        faults.lose(1);
        await publisher.publish(unit, { deadLetters: sent.map((id) => deadLetter(`${id}-r${round}`)), issueChanges: [] });
      }
    } finally {
      await publisher.disconnect();
    }
    expect(faults.lost).toBe(3);
    const onTopic = await deadLettersOn(deadLetterTopic);
    const expected = [0, 1, 2].flatMap((round) => sent.map((id) => `${id}-r${round}`));
    expect(expected.filter((id) => !onTopic.has(id))).toEqual([]);
  });

  it('a publish that failed past kafkajs retries: the next one, other records, is written, not taken for a duplicate', async () => {
    const { deadLetterTopic, faults, publisher } = await lossyPublisher(1, true);
    try {
      faults.lose(1_000);
      const failed = await publisher.publish(unit, { deadLetters: ids('first', 4).map(deadLetter), issueChanges: [] }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(PublishError);
      expect((failed as PublishError).retriable).toBe(true);
      faults.lose(0);
      await publisher.publish(unit, { deadLetters: ids('second', 4).map(deadLetter), issueChanges: [] });
    } finally {
      await publisher.disconnect();
    }
    const onTopic = await deadLettersOn(deadLetterTopic);
    expect(ids('second', 4).filter((id) => !onTopic.has(id))).toEqual([]);
  });

  it('two publishes at once (a batch and the outbox relay), answers lost: every record of both is written', async () => {
    const { deadLetterTopic, faults, publisher } = await lossyPublisher(1, true);
    try {
      faults.lose(2); // two tries of kafkajs's: one publish fails
      const batches = ['first', 'second'].map((name) => ({ deadLetters: ids(name, 4).map(deadLetter), issueChanges: [] }));
      const results = await Promise.allSettled(batches.map((out) => publisher.publish(unit, out)));
      expect(faults.lost).toBe(2);
      expect(results.map((r) => r.status)).toContain('rejected');
      // A failed publish is the caller's to repeat (its batch is not committed); one that succeeded must be on the topic.
      for (const [i, r] of results.entries()) if (r.status === 'rejected') await publisher.publish(unit, batches[i]!);
    } finally {
      await publisher.disconnect();
    }
    const onTopic = await deadLettersOn(deadLetterTopic);
    expect([...ids('first', 4), ...ids('second', 4)].filter((id) => !onTopic.has(id))).toEqual([]);
  });

  it('the same for corrections upstream, keyed by customer', async () => {
    const topic = await createTopic(brokers, uniqueTopic('lost-corrections'), 1);
    const faults = lostResponses();
    const sink = await KafkaCorrectionSink.connect(kafkaClient(brokers, { socketFactory: faults.socketFactory, retry: FEW_TRIES, ...QUIET }), topic);
    // Generated values: a made-up address, no real customer.
    const correction = (n: number): CustomerCorrection => ({
      schema: CORRECTION_SCHEMA, eventId: `c-${n}`, customerId: 'C-1', issueId: `i-${n}`,
      fields: { address: `test address ${n}` }, steward: 'steward-1', correctedAt: '2026-12-06T10:00:00+08:00',
    });
    try {
      faults.lose(1_000);
      await expect(sink.send([0, 1, 2].map(correction))).rejects.toBeInstanceOf(PublishError);
      faults.lose(0);
      await sink.send([3, 4, 5].map(correction));
    } finally {
      await sink.disconnect();
    }
    const onTopic = new Set((await readTopic(brokers, topic)).map((m) => (JSON.parse(m.value!.toString('utf8')) as { eventId: string }).eventId));
    expect(['c-3', 'c-4', 'c-5'].filter((id) => !onTopic.has(id))).toEqual([]);
  });

  it('verity produce sends the lines again: every unkeyed line is on the topic', async () => {
    const customerTopic = await createTopic(brokers, uniqueTopic('lost-customers'), 3);
    const agentTopic = await createTopic(brokers, uniqueTopic('lost-agents'), 1);
    const dir = mkdtempSync(join(tmpdir(), 'verity-lost-'));
    const input = join(dir, 'garbage.jsonl');
    const lines = ids('{"cut', 70);
    writeFileSync(input, `${lines.join('\n')}\n`);
    const faults = lostResponses();
    faults.lose(1);
    const counts = await produceFile({ kafka: kafkaClient(brokers, { socketFactory: faults.socketFactory, ...QUIET }), input, customerTopic, agentTopic, chunkSize: 7 }).finally(() =>
      rmSync(dir, { recursive: true, force: true }),
    );
    expect(counts).toMatchObject({ customers: 70, unkeyed: 70 });
    expect(faults.lost).toBe(1);
    const onTopic = new Set((await readTopic(brokers, customerTopic)).map((m) => m.value!.toString('utf8')));
    expect(lines.filter((line) => !onTopic.has(line))).toEqual([]);
  });
});
