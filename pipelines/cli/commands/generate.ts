import type { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { GenerateOptions, truthFileFor, writeGeneratedStream } from '../../generate/index.ts';
import { ConfigError } from '../../errors.ts';

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('write a synthetic change-event stream with injected defects, and its ground truth next to it')
    .requiredOption('--customers <n>', 'number of customers')
    .requiredOption('--out <file>', 'output JSON Lines file (ground truth goes to <file>.truth.json)')
    .option('--seed <n>', 'random seed (same seed, same bytes)', '1')
    .option('--start <iso>', 'time of the first event, ISO-8601 with offset')
    .option('--bad-line-rate <r>', 'share of malformed lines (0..0.5)')
    .option('--duplicate-rate <r>', 'share of re-delivered events (0..0.5)')
    .action(async (flags: { customers: string; out: string; seed: string; start?: string; badLineRate?: string; duplicateRate?: string }) => {
      const parsed = GenerateOptions.safeParse({
        customers: Number(flags.customers),
        seed: Number(flags.seed),
        ...(flags.start === undefined ? {} : { startAt: flags.start }),
        ...(flags.badLineRate === undefined ? {} : { badLineRate: Number(flags.badLineRate) }),
        ...(flags.duplicateRate === undefined ? {} : { duplicateRate: Number(flags.duplicateRate) }),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const key = String(issue.path[0] ?? 'options');
        const flag = key === 'startAt' ? '--start' : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
        throw new ConfigError(flag, issue.message);
      }
      const out = resolve(flags.out);
      await mkdir(dirname(out), { recursive: true });
      const started = performance.now();
      const truth = await writeGeneratedStream(out, parsed.data);
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `${out}: ${truth.lines} lines (${truth.expectedDistinctEvents} events, ${truth.duplicateLines} duplicates, ` +
          `${truth.expectedDeadLettered} malformed) for ${truth.customers} customers in ${seconds.toFixed(2)} s\n` +
          `ground truth: ${truthFileFor(out)}\n`,
      );
    });
}
