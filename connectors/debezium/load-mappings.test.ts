import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DefinitionError } from '../../pipelines/errors.ts';
import { EXAMPLE_MAPPINGS_DIR, loadMappings } from './load-mappings.ts';

const mappingText = (name: string, match: string) => `mapping: ${name}
match: ${match}
produces: customer-change/v1
source: test-crm
eventId: [source.lsn, $entityId]
entityId: id
fields:
  kind_cd: { to: customer.kind, values: { "P": person } }
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verity-mappings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function problemsOf(path: string): Promise<string[]> {
  const error = await loadMappings(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DefinitionError);
  expect((error as DefinitionError).code).toBe('MAPPING_INVALID');
  return [...(error as DefinitionError).problems];
}

describe('loadMappings', () => {
  it('loads the shipped example', async () => {
    const mappings = await loadMappings(EXAMPLE_MAPPINGS_DIR);
    expect(mappings.map((m) => [m.name, m.match])).toEqual([['legacy-crm-customers', { name: 'legacy-crm', db: 'crm', table: 'cust_info' }]]);
  });

  it('loads a single file and .yml files in a folder', async () => {
    await writeFile(join(dir, 'a.yml'), mappingText('test-a', '{ name: test-crm, table: t_a }'));
    await writeFile(join(dir, 'b.yaml'), mappingText('test-b', '{ name: test-crm, table: t_b }'));
    await writeFile(join(dir, 'notes.txt'), 'not a mapping');
    expect((await loadMappings(dir)).map((m) => m.name)).toEqual(['test-a', 'test-b']);
    expect((await loadMappings(join(dir, 'b.yaml'))).map((m) => m.name)).toEqual(['test-b']);
  });

  it('rejects two mappings that could claim the same events, naming both places', async () => {
    await writeFile(join(dir, 'a.yaml'), mappingText('test-a', '{ name: test-crm, table: t_cust }'));
    await writeFile(join(dir, 'b.yaml'), mappingText('test-b', '{ name: test-crm, db: crm, table: t_cust }'));
    expect(await problemsOf(dir)).toEqual([
      `${join(dir, 'b.yaml')}:2: matches the same Debezium source (name test-crm, table t_cust) as mapping test-a at ${join(dir, 'a.yaml')}:2; give them different db/schema or merge them`,
    ]);
  });

  it('allows one table name in different databases', async () => {
    await writeFile(join(dir, 'a.yaml'), mappingText('test-a', '{ name: test-crm, db: crm_east, table: t_cust }'));
    await writeFile(join(dir, 'b.yaml'), mappingText('test-b', '{ name: test-crm, db: crm_west, table: t_cust }'));
    expect(await loadMappings(dir)).toHaveLength(2);
  });

  it('rejects a mapping name used twice', async () => {
    await writeFile(join(dir, 'a.yaml'), mappingText('test-a', '{ name: test-crm, table: t_a }'));
    await writeFile(join(dir, 'b.yaml'), mappingText('test-a', '{ name: test-crm, table: t_b }'));
    expect(await problemsOf(dir)).toEqual([`${join(dir, 'b.yaml')}:1: mapping name test-a is already used at ${join(dir, 'a.yaml')}:1`]);
  });

  it('collects the problems of every file', async () => {
    await writeFile(join(dir, 'a.yaml'), mappingText('test-a', '{ name: test-crm, table: t_a }').replace('customer.kind', 'customer.knd'));
    await writeFile(join(dir, 'b.yaml'), mappingText('test-b', '{ name: test-crm, table: t_b }').replace('produces: customer-change/v1', 'produces: nope'));
    const problems = await problemsOf(dir);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(new RegExp(`^${join(dir, 'a.yaml')}:8: fields\\.kind_cd\\.to: customer\\.knd is not a field`));
    expect(problems[1]).toMatch(new RegExp(`^${join(dir, 'b.yaml')}:3: produces: `));
  });

  it('says when there is nothing to load', async () => {
    expect(await problemsOf(dir)).toEqual([`${dir}: no .yaml mapping files in this folder`]);
    expect((await problemsOf(join(dir, 'missing')))[0]).toMatch(/missing: cannot read mappings/);
  });
});
