// Publishes a JSON Lines stream the way upstream systems would: customer events keyed by
// customerId, agent events keyed by agentId on their own topic. A line that is not a JSON object
// goes to the customer topic as raw bytes with no key, so the pipeline dead-letters it.
//
// Lines are cut as the file source cuts them (byteLines: at LF, a CR before it dropped), and each
// message is the line's bytes. node:readline also ends a line at a lone CR and at U+2028 and
// U+2029, which JSON strings may hold unescaped, and decodes bytes that are not UTF-8 to U+FFFD:
// it split valid events in two and published bytes nobody wrote.
import { createReadStream } from 'node:fs';
import type { Kafka, Message } from 'kafkajs';
import { byteLines } from '../file/file-source.ts';
import { standardInput } from '../file/standard-input.ts';
import { IdempotentProducer } from './idempotent-producer.ts';

export interface ProduceFileOptions {
  readonly kafka: Kafka;
  readonly input: string;
  readonly customerTopic: string;
  readonly agentTopic: string;
  /** Messages per request. */
  readonly chunkSize?: number;
}

export interface ProduceFileResult {
  readonly customers: number;
  readonly agents: number;
  readonly unkeyed: number;
}

type Routed = { readonly topic: 'customer' | 'agent'; readonly message: Message; readonly keyed: boolean };

export function routeLine(line: string | Buffer): Routed {
  const value = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof line === 'string' ? line : line.toString('utf8'));
  } catch {
    return { topic: 'customer', message: { key: null, value }, keyed: false };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { topic: 'customer', message: { key: null, value }, keyed: false };
  }
  const o = parsed as Record<string, unknown>;
  const isAgent = o['schema'] === 'agent-change/v1' || (typeof o['agentId'] === 'string' && o['customerId'] === undefined);
  if (isAgent) {
    const key = typeof o['agentId'] === 'string' ? o['agentId'] : null;
    return { topic: 'agent', message: { key, value }, keyed: key !== null };
  }
  const key = typeof o['customerId'] === 'string' ? o['customerId'] : null;
  return { topic: 'customer', message: { key, value }, keyed: key !== null };
}

export async function produceFile(options: ProduceFileOptions): Promise<ProduceFileResult> {
  // Idempotent, one request in flight: per-key order is the file's order even across retries.
  const producer = await IdempotentProducer.connect(options.kafka, 'publishing the input');
  const counts = { customers: 0, agents: 0, unkeyed: 0 };
  const chunkSize = options.chunkSize ?? 1000;
  let customers: Message[] = [];
  let agents: Message[] = [];
  const flush = async () => {
    const topicMessages = [];
    if (customers.length > 0) topicMessages.push({ topic: options.customerTopic, messages: customers });
    if (agents.length > 0) topicMessages.push({ topic: options.agentTopic, messages: agents });
    customers = [];
    agents = [];
    // In requests the broker takes whole (see inRequests): a thousand large lines may not be.
    await producer.send(topicMessages);
  };
  const input = options.input === '-' ? standardInput() : createReadStream(options.input);
  try {
    for await (const line of byteLines(input)) {
      const routed = routeLine(line.bytes);
      if (routed.topic === 'agent') {
        agents.push(routed.message);
        counts.agents += 1;
      } else {
        customers.push(routed.message);
        counts.customers += 1;
      }
      if (!routed.keyed) counts.unkeyed += 1;
      if (customers.length + agents.length >= chunkSize) await flush();
    }
    await flush();
  } finally {
    if (options.input !== '-') input.destroy();
    await producer.disconnect();
  }
  return counts;
}
