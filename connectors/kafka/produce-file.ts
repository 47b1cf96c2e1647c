// Publishes a JSON Lines stream the way upstream systems would: customer events keyed by
// customerId, agent events keyed by agentId on their own topic. A line that is not a JSON object
// goes to the customer topic as raw bytes with no key, so the pipeline dead-letters it.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import { standardInput } from '../file/standard-input.ts';

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

export function routeLine(line: string): Routed {
  const value = Buffer.from(line, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
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
  const producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
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
    if (topicMessages.length > 0) await producer.sendBatch({ topicMessages, acks: -1 });
  };
  const lines = createInterface({ input: options.input === '-' ? standardInput() : createReadStream(options.input), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      const routed = routeLine(line);
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
    lines.close();
    await producer.disconnect();
  }
  return counts;
}
