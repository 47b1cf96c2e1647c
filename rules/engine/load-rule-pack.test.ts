import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DefinitionError } from '../../pipelines/errors.ts';
import { BUILTIN_RULES_DIR, loadRulePack } from './load-rule-pack.ts';
import { RuleDefinition } from './rule-pack.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const BUILTIN_IDS = [
  'address-incomplete',
  'agent-contact-reuse',
  'bank-account-format',
  'email-format',
  'frequent-mobile-change',
  'id-birthdate-mismatch',
  'id-gender-mismatch',
  'id-number-format',
  'id-number-legacy',
  'landline-format',
  'mobile-format',
  'placeholder-value',
  'premium-payer-mismatch',
  'required-fields',
  'settlement-holder-mismatch',
  'shared-bank-account',
  'shared-mobile',
  'uscc-format',
];

// A valid one-rule pack. Line numbers in the tests refer to this layout:
//  1 pack / 2 rules: / 3 - id / 4 version / 5 severity / 6 description / 7 check /
//  8 issue: / 9 queue / 10 priority / 11 deadline: / 12 - workingDays / 13 - policyField
const rule = (over: Partial<Record<'id' | 'severity' | 'check' | 'deadline', string>> = {}) => `pack: test/one
rules:
  - id: ${over.id ?? 'test-mobile'}
    version: 1
    severity: ${over.severity ?? 'medium'}
    description: synthetic rule for tests
    check: ${over.check ?? 'mobile-format'}
    issue:
      queue: test-queue
      priority: P2
      deadline:
${over.deadline ?? '        - workingDays: 3\n        - policyField: coolingOffEnd'}
`;

let root: string;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'verity-rule-pack-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes the files into a fresh folder and returns it. */
async function pack(files: Record<string, string>): Promise<string> {
  const dir = join(root, `pack-${++counter}`);
  await mkdir(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function problemsOf(path: string): Promise<string[]> {
  try {
    await loadRulePack(path);
  } catch (error) {
    if (!(error instanceof DefinitionError)) throw error;
    expect(error.code).toBe('RULE_PACK_INVALID');
    return [...error.problems];
  }
  throw new Error(`expected ${path} to be rejected`);
}

describe('loadRulePack: the built-in pack', () => {
  it('loads exactly the 18 built-in rules (14 per record, 4 patterns), each bound to its check with parsed params', async () => {
    const { rules, files } = await loadRulePack();
    expect(rules.map((r) => r.definition.id).sort()).toEqual(BUILTIN_IDS);
    expect(files.map((f) => f.slice(BUILTIN_RULES_DIR.length + 1))).toEqual(['accounts.yaml', 'contact.yaml', 'identity.yaml', 'patterns.yaml']);
    for (const r of rules) {
      expect(r.kind === 'record' ? r.check.name : r.pattern).toBe(r.definition.check);
      expect(files).toContain(r.file);
    }
    // Defaults are applied: bank-account-format's params come from its own schema.
    const bank = rules.find((r) => r.definition.id === 'bank-account-format');
    expect(bank?.params).toMatchObject({ minLength: 12, maxLength: 19, luhnPrefixes: ['62'], luhnSeverity: 'low' });
    expect(bank?.definition.issue?.minSeverity).toBe('medium');
    // appliesTo defaults to every kind and role.
    const mobile = rules.find((r) => r.definition.id === 'mobile-format');
    expect(mobile?.definition.appliesTo).toEqual({
      kinds: ['person', 'organization'],
      roles: ['policyholder', 'insured', 'beneficiary', 'none'],
    });
    expect(mobile?.definition.issue?.minSeverity).toBe('info');
  });

  it('accepts a single YAML file as well as a folder', async () => {
    const { rules, files } = await loadRulePack(join(BUILTIN_RULES_DIR, 'contact.yaml'));
    expect(files).toHaveLength(1);
    expect(rules.map((r) => r.definition.id)).toEqual([
      'mobile-format',
      'landline-format',
      'email-format',
      'placeholder-value',
      'address-incomplete',
    ]);
  });
});

describe('loadRulePack: problems as file:line: message', () => {
  it('loads a valid synthetic pack', async () => {
    const dir = await pack({ 'one.yaml': rule() });
    const { rules } = await loadRulePack(dir);
    expect(rules.map((r) => r.definition.id)).toEqual(['test-mobile']);
    expect(rules[0]?.file).toBe(join(dir, 'one.yaml'));
  });

  it('reports a YAML syntax error at its line', async () => {
    const file = join(await pack({ 'broken.yaml': rule({ severity: 'medium: high' }) }), 'broken.yaml');
    expect(await problemsOf(file)).toEqual([`${file}:5: Nested mappings are not allowed in compact mappings`]);
  });

  it('reports a duplicate key as a YAML error at the second key', async () => {
    const text = rule().replace('    version: 1\n', '    version: 1\n    version: 2\n');
    const file = join(await pack({ 'dup-key.yaml': text }), 'dup-key.yaml');
    expect(await problemsOf(file)).toEqual([expect.stringMatching(new RegExp(`^${file}:5: .*[Uu]nique`))]);
  });

  it('reports an unknown check at the check line, listing the known checks', async () => {
    const file = join(await pack({ 'a.yaml': rule({ check: 'mobile-formatt' }) }), 'a.yaml');
    const problems = await problemsOf(file);
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${file}:7: unknown check "mobile-formatt" \\(known: .*mobile-format`))]);
  });

  it('reports an unknown params key at that key\'s own line (params schemas are strict)', async () => {
    const text = rule().replace(
      '    check: mobile-format\n',
      '    check: bank-account-format\n    params:\n      minLength: 10\n      luhnPrefix: ["62"]\n',
    );
    const file = join(await pack({ 'a.yaml': text }), 'a.yaml');
    // Line 7 is `check:`, 8 `params:`, 9 `minLength`, 10 the misspelt `luhnPrefix`.
    expect(await problemsOf(file)).toEqual([`${file}:10: params: Unrecognized key: "luhnPrefix"`]);
  });

  it('reports a bad params value at the value\'s line', async () => {
    const text = rule().replace(
      '    check: mobile-format\n',
      '    check: bank-account-format\n    params:\n      minLength: 10\n      luhnSeverity: urgent\n',
    );
    const file = join(await pack({ 'a.yaml': text }), 'a.yaml');
    expect(await problemsOf(file)).toEqual([expect.stringMatching(new RegExp(`^${file}:10: params\\.luhnSeverity: Invalid option`))]);
  });

  it('reports a rule id used twice across files, pointing at the first definition', async () => {
    const dir = await pack({
      'a.yaml': rule({ id: 'test-twice' }),
      'b.yaml': `pack: test/b\nrules:\n  - id: test-other\n    version: 1\n    severity: low\n    description: x\n    check: email-format\n\n  - id: test-twice\n    version: 1\n    severity: low\n    description: x\n    check: email-format\n`,
      'c.yaml': rule({ id: 'test-twice' }),
    });
    expect(await problemsOf(dir)).toEqual([
      `${join(dir, 'b.yaml')}:9: rule id "test-twice" is already defined in ${join(dir, 'a.yaml')}:3`,
      `${join(dir, 'c.yaml')}:3: rule id "test-twice" is already defined in ${join(dir, 'a.yaml')}:3`,
    ]);
  });

  it('reports a misspelt deadline key at the deadline entry, suggesting the right one', async () => {
    const file = join(await pack({ 'a.yaml': rule({ deadline: '        - policyField: coolingOffEnd\n        - workingdays: 3' }) }), 'a.yaml');
    expect(await problemsOf(file)).toEqual([
      `${file}:13: rules[0].issue.deadline[1]: unknown deadline key "workingdays" (did you mean "workingDays"?); expected exactly one of workingDays, calendarDays, policyField`,
    ]);
  });

  it('rejects a deadline list with only policyField: a policy may be absent from an event', async () => {
    const file = join(await pack({ 'a.yaml': rule({ deadline: '        - policyField: coolingOffEnd' }) }), 'a.yaml');
    expect(await problemsOf(file)).toEqual([
      `${file}:12: rules[0].issue.deadline: needs at least one workingDays or calendarDays entry: a policy field may be absent from an event`,
    ]);
  });

  it('reports a bad severity at its line', async () => {
    const file = join(await pack({ 'a.yaml': rule({ severity: 'urgent' }) }), 'a.yaml');
    expect(await problemsOf(file)).toEqual([expect.stringMatching(new RegExp(`^${file}:5: rules\\[0\\]\\.severity: Invalid option: expected one of "info"\\|"low"`))]);
  });

  it('reports a missing id at the rule it is missing from', async () => {
    const text = `${rule()}\n  - version: 1\n    severity: low\n    description: no id\n    check: email-format\n`;
    const file = join(await pack({ 'a.yaml': text }), 'a.yaml');
    expect(await problemsOf(file)).toEqual([`${file}:15: rules[1].id: Invalid input: expected string, received undefined`]);
  });

  it('reports an unknown rule key at the key\'s own line', async () => {
    const text = rule().replace('    issue:\n', '    isssue: {}\n    issue:\n');
    const file = join(await pack({ 'a.yaml': text }), 'a.yaml');
    expect(await problemsOf(file)).toEqual([`${file}:8: rules[0]: Unrecognized key: "isssue"`]);
  });

  it('collects problems from every file before failing', async () => {
    const dir = await pack({ 'a.yaml': rule({ severity: 'urgent' }), 'b.yaml': rule({ id: 'test-b', check: 'nope' }) });
    const problems = await problemsOf(dir);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(new RegExp(`^${join(dir, 'a.yaml')}:5: `));
    expect(problems[1]).toMatch(new RegExp(`^${join(dir, 'b.yaml')}:7: unknown check "nope"`));
  });

  it('rejects a folder without YAML files and a path that does not exist', async () => {
    const empty = await pack({ 'notes.txt': 'not a rule' });
    expect(await problemsOf(empty)).toEqual([`${empty}: no .yaml rule files in this folder`]);
    const missing = join(root, 'does-not-exist');
    expect(await problemsOf(missing)).toEqual([expect.stringMatching(new RegExp(`^${missing}: cannot read rule pack`))]);
  });
});

describe('RuleDefinition', () => {
  it('rejects ids and queues that are not lowercase-dashed', () => {
    const base = { id: 'ok-id', version: 1, severity: 'low', description: 'x', check: 'email-format' };
    expect(RuleDefinition.safeParse(base).success).toBe(true);
    expect(RuleDefinition.safeParse({ ...base, id: 'Bad_Id' }).success).toBe(false);
    expect(RuleDefinition.safeParse({ ...base, version: 0 }).success).toBe(false);
    const issue = { queue: 'Bad Queue', priority: 'P1', deadline: [{ workingDays: 1 }] };
    expect(RuleDefinition.safeParse({ ...base, issue }).success).toBe(false);
    expect(RuleDefinition.safeParse({ ...base, issue: { ...issue, queue: 'good-queue' } }).success).toBe(true);
  });
});

describe('verity rules check (CLI)', () => {
  const verity = (dir: string) =>
    spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'verity.mjs'), 'rules', 'check', dir], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('exits 0 on the built-in pack and lists every rule', () => {
    const result = verity(BUILTIN_RULES_DIR);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    for (const id of BUILTIN_IDS) expect(result.stdout).toMatch(new RegExp(`^ok  ${id} v1 `, 'm'));
    expect(result.stdout).toContain('18 rules in 4 files: valid');
  });

  it('exits 1 on a broken pack, printing file:line: problems', async () => {
    const dir = await pack({ 'a.yaml': rule({ severity: 'urgent' }), 'b.yaml': rule({ id: 'test-b', check: 'nope' }) });
    const result = verity(dir);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${join(dir, 'a.yaml')}:5: rules\\[0\\]\\.severity: `)),
      expect.stringMatching(new RegExp(`^${join(dir, 'b.yaml')}:7: unknown check "nope"`)),
      '2 problem(s)',
    ]);
    expect(result.stdout).not.toContain('valid');
  });
});

describe('loadRulePack: pattern rules', () => {
  const patternRule = (params: string) => `pack: test/patterns
rules:
  - id: test-shared-mobile
    version: 1
    severity: high
    description: synthetic pattern rule for tests
    check: shared-mobile
    params: ${params}
    issue:
      queue: callback-verification
      priority: P2
      deadline:
        - workingDays: 3
`;

  it('binds a pattern by name with its parameters, defaults applied', async () => {
    const { rules } = await loadRulePack(await pack({ 'p.yaml': patternRule('{}') }));
    expect(rules).toMatchObject([{ kind: 'pattern', pattern: 'shared-mobile', params: { minHolders: 2 } }]);
  });

  it('lints pattern parameters like a check\'s, at their line', async () => {
    const problems = await problemsOf(await pack({ 'p.yaml': patternRule('{ minHolders: 1, holders: 3 }') }));
    expect(problems.join('\n')).toMatch(/p\.yaml:8: params\.minHolders: .*>=2/);
    expect(problems.join('\n')).toMatch(/p\.yaml:8: params: Unrecognized key: "holders"/);
  });
});
