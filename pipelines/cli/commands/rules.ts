import type { Command } from 'commander';
import { loadRulePack } from '../../../rules/engine/load-rule-pack.ts';
import { DefinitionError } from '../../errors.ts';

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('work with rule packs');
  rules
    .command('check')
    .argument('<dir>', 'rule pack folder or YAML file')
    .description('validate a rule pack; problems are printed as file:line: message')
    .action(async (dir: string) => {
      try {
        const pack = await loadRulePack(dir);
        for (const rule of pack.rules) {
          const d = rule.definition;
          process.stdout.write(`ok  ${d.id} v${d.version} (${d.severity}) → ${d.issue ? `${d.issue.queue} ${d.issue.priority}` : 'no issue'}\n`);
        }
        process.stdout.write(`${pack.rules.length} rules in ${pack.files.length} files: valid\n`);
      } catch (error) {
        if (!(error instanceof DefinitionError)) throw error;
        for (const problem of error.problems) process.stderr.write(`${problem}\n`);
        process.stderr.write(`${error.problems.length} problem(s)\n`);
        process.exitCode = 1;
      }
    });
}
