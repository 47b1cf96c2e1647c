// SASL options reach kafkajs and authenticate against a real broker: `verity produce` and `verity
// run` through the test broker's SASL/PLAIN listener, with the credentials from the environment as
// an operator would pass them. Only the local JVM broker offers that listener; with Docker or an
// external broker these tests are skipped, loudly.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { verity } from '../../tests/e2e/support.ts';
import { describeKafka, uniqueTopic, useKafka } from '../../tests/support/kafka/use-kafka.ts';
import { skipWhen } from '../../tests/support/skips.ts';

describeKafka('Kafka SASL/PLAIN from the configuration', () => {
  const { sasl, source, available } = useKafka();
  // Without any broker the whole suite is skipped for that reason instead.
  const noSasl = skipWhen(available && !sasl, `the ${source || 'run’s'} broker has no SASL listener (only the local JVM broker does)`, 'kafka-sasl');
  if (noSasl.skip) console.warn(`\n!!! SKIPPING the SASL tests: ${noSasl.meta.skipReason}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'verity-sasl-'));
  const stream = join(dir, 'stream.jsonl');
  const topics = { customers: uniqueTopic('sasl-customers'), agents: uniqueTopic('sasl-agents') };
  const topicFlags = ['--topic-partitions', '2'];
  const credentials = (password = sasl?.password ?? '') => ({
    VERITY_KAFKA_SASL_MECHANISM: sasl?.mechanism ?? '',
    VERITY_KAFKA_SASL_USERNAME: sasl?.username ?? '',
    VERITY_KAFKA_SASL_PASSWORD: password,
  });

  it('produces and consumes through the SASL listener', { timeout: 120_000, ...noSasl }, () => {
    const generated = verity(['generate', '--customers', '60', '--seed', '5', '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
    const truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
    const brokers = sasl!.brokers.join(',');

    const produced = verity(
      ['produce', '--input', stream, '--kafka-brokers', brokers, '--topic', topics.customers, '--agent-topic', topics.agents, ...topicFlags],
      credentials(),
    );
    expect(produced.status, produced.stderr).toBe(0);

    const run = verity(
      [
        'run', '--kafka-brokers', brokers, '--group-id', uniqueTopic('sasl-group'),
        '--customer-topic', topics.customers, '--agent-topic', topics.agents,
        '--dead-letter-topic', uniqueTopic('sasl-dlq'), '--issue-topic', uniqueTopic('sasl-issues'),
        '--once', '--data-dir', join(dir, 'data'), '--no-progress', '--metrics-port', '0', ...topicFlags,
      ],
      credentials(),
    );
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    const report = JSON.parse(run.stdout) as RunReport;
    expect(report.events).toBe(truth.lines);
    expect(report.accepted + report.deadLettered).toBe(report.events);
    expect(run.stderr).not.toContain(sasl!.password);
  });

  it('fails on a wrong password, with an authentication error that does not show it', { timeout: 120_000, ...noSasl }, () => {
    const wrong = `wrong-${sasl!.password}`;
    const produced = verity(
      ['produce', '--input', stream, '--kafka-brokers', sasl!.brokers.join(','), '--topic', uniqueTopic('sasl-denied'), ...topicFlags],
      credentials(wrong),
    );
    expect(produced.status).not.toBe(0);
    expect(produced.stderr).toMatch(/SASL PLAIN authentication failed/);
    expect(produced.stderr).not.toContain(wrong);
  });
});
