// `npm start`, the newcomer's first command (issue 2 §8): generates the demo stream, processes it
// on embedded defaults and prints a readable summary with the top rules, the issues due soonest
// and masked examples. Run twice, as people do: the second summary must still say something.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { scanForRawValues } from '../support/pii-scan.ts';
import { PROJECT_ROOT } from './support.ts';

const START = ['bin/run-node.mjs', 'pipelines/cli/start.ts'];

/** `npm start -- --no-console`: processes and prints, without serving the console afterwards. */
function npmStart(dataDir: string) {
  const result = spawnSync(process.execPath, [...START, '--no-console'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, VERITY_DATA_DIR: dataDir },
    maxBuffer: 16 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The lines of one summary section, up to the next blank line. */
function section(stdout: string, heading: RegExp): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => heading.test(l));
  expect(start, `no section ${heading}`).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => l.trim() === '');
  return end < 0 ? rest : rest.slice(0, end);
}

describe('npm start', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'verity-start-')), 'data');

  it('is what package.json runs', () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${START.join(' ')}`);
  });

  it('generates a demo stream, processes it and prints a summary of masked data only', { timeout: 120_000 }, () => {
    const first = npmStart(dataDir);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Generating a demo stream of 2000 synthetic customers/m);
    expect(first.stdout).toMatch(/^Events read \d+: accepted \d+ .*dead-lettered \d+$/m);

    const top = section(first.stdout, /^Top rules/);
    expect(top.length).toBeGreaterThanOrEqual(5);
    for (const row of top) expect(row).toMatch(/^ {2}[a-z-]+ +\d+ +\(\d+\)$/);
    const due = section(first.stdout, /^Open issues due soonest/);
    expect(due.length).toBe(5);
    for (const row of due) expect(row).toMatch(/^ {2}\d{4}-\d{2}-\d{2} \d{2}:\d{2} {2}P[1-4] /);
    const examples = section(first.stdout, /^What analysts see/);
    expect(examples.length).toBe(3);
    for (const row of examples) expect(row).toMatch(/^ {2}\[(秘密|机密|绝密)\] \S\* .*\*{4}.* → [a-z-]+/);

    const truth = JSON.parse(readFileSync(join(dataDir, 'demo', 'stream.jsonl.truth.json'), 'utf8')) as GroundTruth;
    const hits = scanForRawValues(`${first.stdout}\n${first.stderr}`, truth.rawValues as unknown as Record<string, string[]>);
    expect(hits.map((h) => h.kind)).toEqual([]);
  });

  it('still shows the top rules on a second run, when every event is a re-delivery', { timeout: 120_000 }, () => {
    const second = npmStart(dataDir);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).not.toMatch(/^Generating/m);
    expect(second.stdout).toMatch(/issues opened 0,/);
    const top = section(second.stdout, /^Top rules/);
    expect(top.length).toBeGreaterThanOrEqual(5);
    for (const row of top) expect(row).toMatch(/^ {2}[a-z-]+ +[1-9]\d* +\(0\)$/);
  });
});
