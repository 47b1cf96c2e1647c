import type { Command } from 'commander';
import { createKafka, ensureTopics } from '../../../connectors/kafka/kafka-client.ts';
import { produceFile } from '../../../connectors/kafka/produce-file.ts';
import { resolveRunConfig } from '../../config/run-config.ts';
import { ConfigError } from '../../errors.ts';
import { createLogger } from '../../runtime/logger.ts';

interface ProduceFlags {
  input: string;
  topic?: string;
  agentTopic?: string;
  kafkaBrokers?: string;
  kafkaClientId?: string;
  topicPartitions?: string;
  logLevel?: string;
  config?: string;
}

export function registerProduce(program: Command): void {
  program
    .command('produce')
    .description('publish a JSON Lines stream to Kafka as upstream systems do (customers keyed by customerId, agents by agentId)')
    .requiredOption('-i, --input <file>', 'JSON Lines file, or - for standard input')
    .option('--topic <topic>', 'customer change topic (default: customer.changes)')
    .option('--agent-topic <topic>', 'agent change topic (default: agent.changes)')
    .option('--kafka-brokers <list>', 'host:port, comma-separated (env VERITY_KAFKA_BROKERS)')
    .option('--kafka-client-id <id>', 'Kafka client id (default: verity)')
    .option('--topic-partitions <n>', 'partitions of topics created when missing (default: 6)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default: info)')
    .option('--config <file>', 'YAML config file with the same keys as verity run (brokers, TLS, SASL, topics)')
    .action(async (flags: ProduceFlags) => {
      const config = await resolveRunConfig({
        flags: {
          kafkaBrokers: flags.kafkaBrokers,
          kafkaClientId: flags.kafkaClientId,
          customerTopic: flags.topic,
          agentTopic: flags.agentTopic,
          topicPartitions: flags.topicPartitions,
          logLevel: flags.logLevel,
        },
        env: process.env,
        configFile: flags.config,
        cwd: process.cwd(),
        flagNames: { customerTopic: '--topic' },
      });
      if (!config.kafka) throw new ConfigError('--kafka-brokers', 'no brokers: pass --kafka-brokers host:port or set VERITY_KAFKA_BROKERS');
      const logger = createLogger(config.logLevel);
      const kafka = createKafka(config.kafka, logger, '-producer');
      const { customers, agents } = config.kafka.topics;
      await ensureTopics(kafka, [customers, agents], config.kafka.topicPartitions, logger);
      const started = performance.now();
      const result = await produceFile({ kafka, input: flags.input, customerTopic: customers, agentTopic: agents });
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `${JSON.stringify({ customerTopic: customers, agentTopic: agents, ...result, seconds: Number(seconds.toFixed(2)) })}\n`,
      );
    });
}
