// The `verity` command.
import { Command, CommanderError } from 'commander';
import { VerityError } from '../errors.ts';
import { registerGenerate } from './commands/generate.ts';
import { registerProduce } from './commands/produce.ts';
import { registerRules } from './commands/rules.ts';
import { registerRun } from './commands/run.ts';
import { registerStore } from './commands/store.ts';
import { exitIfStillAlive } from './exit-watchdog.ts';
import { rerunWithStdinMoved } from './stdin-input.ts';

export function buildProgram(): Command {
  const program = new Command('verity')
    .description('Streaming data-quality pipeline for customer records')
    .showHelpAfterError()
    .exitOverride();
  registerGenerate(program);
  registerRun(program);
  registerProduce(program);
  registerRules(program);
  registerStore(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const rerun = await rerunWithStdinMoved(argv);
  if (rerun !== undefined) return rerun;
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof VerityError) {
      process.stderr.write(`verity: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** For bin/verity.mjs, which imports this module when its node runs TypeScript itself. */
export { exitIfStillAlive };

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
  exitIfStillAlive();
}
