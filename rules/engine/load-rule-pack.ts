// Loads rule packs (a YAML file or a folder of them), validates them, and binds each rule to its
// TypeScript check with parsed parameters. All problems are collected and reported together.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefinitionError } from '../../pipelines/errors.ts';
import { formatPath, issueLocation, readYamlFile, type LineOptions } from '../../pipelines/config/yaml-file.ts';
import { checks } from '../checks/index.ts';
import type { Check } from '../checks/types.ts';
import { RulePackFile, type RuleDefinition } from './rule-pack.ts';
import { isPatternName, PATTERN_NAMES, PATTERN_PARAMS, type PatternName, type PatternParams } from '../patterns/index.ts';

export const BUILTIN_RULES_DIR = fileURLToPath(new URL('../packs/builtin', import.meta.url));

/** A rule that judges one record: its check runs on each event alone. */
export interface RecordRule {
  readonly kind: 'record';
  readonly definition: RuleDefinition;
  readonly check: Check<unknown>;
  readonly params: unknown;
  readonly file: string;
}

/** A rule about several customers at once (rules/patterns): evaluated over the pattern state. */
export interface PatternRule {
  readonly kind: 'pattern';
  readonly definition: RuleDefinition;
  readonly pattern: PatternName;
  readonly params: PatternParams<PatternName>;
  readonly file: string;
}

export type CompiledRule = RecordRule | PatternRule;

export interface RulePack {
  readonly rules: readonly CompiledRule[];
  readonly files: readonly string[];
}

async function yamlFilesIn(path: string): Promise<string[]> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new DefinitionError('RULE_PACK_INVALID', [`${path}: cannot read rule pack (${(cause as Error).message})`]);
  });
  if (info.isFile()) return [path];
  const names = (await readdir(path)).filter((n) => /\.ya?ml$/.test(n)).sort();
  if (names.length === 0) throw new DefinitionError('RULE_PACK_INVALID', [`${path}: no .yaml rule files in this folder`]);
  return names.map((n) => join(path, n));
}

/** Throws DefinitionError listing every `file:line: message` problem. */
export async function loadRulePack(path: string = BUILTIN_RULES_DIR): Promise<RulePack> {
  const files = await yamlFilesIn(path);
  const problems: string[] = [];
  const rules: CompiledRule[] = [];
  const seen = new Map<string, string>();

  for (const file of files) {
    const parsed = await readYamlFile(file, RulePackFile);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    parsed.value.rules.forEach((definition, index) => {
      const at = (path: readonly PropertyKey[], options?: LineOptions) =>
        `${file}:${parsed.lineAt(['rules', index, ...path], options)}`;
      const previous = seen.get(definition.id);
      if (previous) problems.push(`${at(['id'])}: rule id "${definition.id}" is already defined in ${previous}`);
      else seen.set(definition.id, at(['id']));

      const check = checks.get(definition.check);
      const pattern = isPatternName(definition.check) ? definition.check : undefined;
      if (!check && !pattern) {
        const known = [...checks.keys(), ...PATTERN_NAMES].sort().join(', ');
        problems.push(`${at(['check'])}: unknown check "${definition.check}" (known: ${known})`);
        return;
      }
      const params = (pattern ? PATTERN_PARAMS[pattern] : check!.params).safeParse(definition.params);
      if (!params.success) {
        for (const issue of params.error.issues) {
          // An unknown params key is reported at that key's own line (issueLocation).
          const location = issueLocation(issue);
          problems.push(`${at(['params', ...location.path], location.options)}: ${formatPath(['params', ...issue.path])}: ${issue.message}`);
        }
        return;
      }
      if (pattern) rules.push({ kind: 'pattern', definition, pattern, params: params.data as PatternParams<PatternName>, file });
      else rules.push({ kind: 'record', definition, check: check as Check<unknown>, params: params.data, file });
    });
  }
  if (problems.length > 0) throw new DefinitionError('RULE_PACK_INVALID', problems);
  return { rules, files };
}
