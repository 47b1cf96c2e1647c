// `verity produce` publishes each line of a JSON Lines file as it is in the file: found by the
// 10^5-message Kafka fuzz of issue 6 §3, where 100,000 lines became 100,348 messages. readline
// ended lines at U+2028/U+2029 inside JSON strings and at lone CRs, and decoded bytes that are
// not UTF-8 to U+FFFD. And a file of large lines is published in requests the broker takes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readTopic } from '../../tests/kafka/support.ts';
import { createTopic, describeKafka, kafkaClient, uniqueTopic, useKafka } from '../../tests/support/kafka/use-kafka.ts';
import { produceFile } from './produce-file.ts';

describeKafka('verity produce: one message per line, byte for byte', () => {
  const { brokers } = useKafka();
  const dir = mkdtempSync(join(tmpdir(), 'verity-produce-lines-'));

  async function produceAndRead(lines: readonly Buffer[], terminator = '\n') {
    const input = join(dir, `${uniqueTopic('lines')}.jsonl`);
    writeFileSync(input, Buffer.concat(lines.flatMap((l) => [l, Buffer.from(terminator)])));
    const customerTopic = await createTopic(brokers, uniqueTopic('lines-customers'), 1);
    const agentTopic = await createTopic(brokers, uniqueTopic('lines-agents'), 1);
    const counts = await produceFile({ kafka: kafkaClient(brokers), input, customerTopic, agentTopic });
    const published = [...(await readTopic(brokers, customerTopic)), ...(await readTopic(brokers, agentTopic))];
    return { counts, values: published.map((m) => m.value ?? Buffer.alloc(0)) };
  }

  it('keeps U+2028, U+2029, lone CRs and bytes that are not UTF-8 inside their line', async () => {
    // Synthetic values only.
    const lines = [
      Buffer.from('{"schema":"customer-change/v1","customerId":"C-LS-1","customer":{"kind":"person","address":"北京市\u2028海淀区"}}'),
      Buffer.from('{"schema":"agent-change/v1","agentId":"A-LS-1","agent":{"name":"样例\u2029乙"}}'),
      Buffer.from('{"cut"\r"here"}'),
      Buffer.concat([Buffer.from('{"schema":"customer-change/v1","customerId":"C-LS-2","name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]),
      Buffer.alloc(0),
    ];
    const { counts, values } = await produceAndRead(lines, '\r\n');
    expect(counts).toEqual({ customers: 4, agents: 1, unkeyed: 2 });
    expect(values.map((v) => v.toString('base64')).sort()).toEqual(lines.map((l) => l.toString('base64')).sort());
  });

  it('publishes 3 MB of lines to one-partition topics with the broker\'s default message size', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => Buffer.from(JSON.stringify({ schema: 'customer-change/v1', customerId: `C-BIG-${i}`, pad: 'x'.repeat(1500) })));
    const { counts, values } = await produceAndRead(lines);
    expect(counts.customers).toBe(2000);
    expect(values).toHaveLength(2000);
  });
});
