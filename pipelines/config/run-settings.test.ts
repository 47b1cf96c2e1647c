import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../cli/main.ts';
import { ENV, flagAttribute, flagName, renderSettingsTable, RUN_SETTINGS, RunOptionsInput } from './run-settings.ts';
import { README, withSettingsTable } from './write-settings-table.ts';

describe('run settings, declared once', () => {
  it('gives every setting a schema, and the config file exactly those keys', () => {
    expect(Object.keys(RunOptionsInput.shape).sort()).toEqual(Object.keys(RUN_SETTINGS).sort());
  });

  it('names each environment variable once, in the VERITY_ namespace', () => {
    const names = Object.values(ENV);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^VERITY_[A-Z0-9_]+$/);
  });

  it('registers every flag on verity run, and no flag for a secret', () => {
    const run = buildProgram().commands.find((c) => c.name() === 'run')!;
    const registered = new Set(run.options.map((o) => o.long));
    for (const [key, s] of Object.entries(RUN_SETTINGS) as [string, { flag?: string }][]) {
      if (s.flag) {
        expect(registered, key).toContain(flagName(s.flag));
        expect(flagAttribute(s.flag)).toMatch(/^[a-z][A-Za-z0-9]*$/);
      }
    }
    for (const secret of ['clickhousePassword', 'tokenKey', 'kafkaSaslPassword'] as const) expect(RUN_SETTINGS[secret]).not.toHaveProperty('flag');
  });

  it('keeps the README table in step (npm run docs:settings rewrites it)', async () => {
    const readme = await readFile(README, 'utf8');
    expect(readme, 'README.md configuration table is stale: run `npm run docs:settings`').toBe(withSettingsTable(readme, renderSettingsTable()));
  });
});
