// The `verity` command.
import { Command, CommanderError } from 'commander';
import { describeCause, isUsageError, VerityError } from '../errors.ts';
import { registerConsole } from './commands/console.ts';
import { registerGenerate } from './commands/generate.ts';
import { registerProduce } from './commands/produce.ts';
import { registerRules } from './commands/rules.ts';
import { registerRun } from './commands/run.ts';
import { registerStore } from './commands/store.ts';
import { registerUsers } from './commands/users.ts';
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
  registerConsole(program);
  registerUsers(program);
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
    return reportFailure(error);
  }
}

/**
 * Exit status and one clear line for an error that ended a command: 2 for a usage problem (a
 * setting or a rule pack to fix), 1 for a failure while running (the store gave up, the source
 * failed, memory ran out, a bug). Per-event problems never get here: they are dead-lettered.
 */
export function reportFailure(error: unknown): number {
  if (isUsageError(error)) {
    process.stderr.write(`verity: ${(error as VerityError).message}\n`);
    return 2;
  }
  if (error instanceof VerityError) {
    process.stderr.write(`verity: ${error.code}: ${error.message}\n`);
    return 1;
  }
  const name = error instanceof Error ? error.name : typeof error;
  process.stderr.write(`verity: unexpected ${name}: ${describeCause(error)}\n`);
  if (error instanceof Error && error.stack) process.stderr.write(`${error.stack.split('\n').slice(1).join('\n')}\n`);
  return 1;
}

/** For bin/verity.mjs, which imports this module when its node runs TypeScript itself. */
export { exitIfStillAlive };

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
  exitIfStillAlive();
}
