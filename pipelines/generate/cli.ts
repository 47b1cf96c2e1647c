// node pipelines/generate/cli.ts <out.jsonl> [--customers N] [--seed S] [--start ISO]
//   [--bad-line-rate R] [--duplicate-rate R]
// Writes the stream and <out.jsonl>.truth.json, and prints a one-line summary with the timing.
import { parseArgs } from 'node:util';
import { writeGeneratedStream } from './write.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    customers: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    start: { type: 'string' },
    'bad-line-rate': { type: 'string' },
    'duplicate-rate': { type: 'string' },
  },
});
const outFile = positionals[0];
if (!outFile) {
  process.stderr.write('usage: node pipelines/generate/cli.ts <out.jsonl> [--customers N] [--seed S]\n');
  process.exit(2);
}
const started = performance.now();
const truth = await writeGeneratedStream(outFile, {
  customers: Number(values.customers),
  seed: Number(values.seed),
  ...(values.start === undefined ? {} : { startAt: values.start }),
  ...(values['bad-line-rate'] === undefined ? {} : { badLineRate: Number(values['bad-line-rate']) }),
  ...(values['duplicate-rate'] === undefined ? {} : { duplicateRate: Number(values['duplicate-rate']) }),
});
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${outFile}: ${truth.lines} lines (${truth.expectedDistinctEvents} events, ${truth.duplicateLines} duplicates, ` +
    `${truth.expectedDeadLettered} malformed) for ${truth.customers} customers in ${seconds.toFixed(2)} s\n`,
);
