// chDB reads its host's fd 0 as INSERT data (chdb-io/chdb-core#239). Standard input must reach
// Verity as events with `--input -`, and must never reach the engine when it is not the input.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { verity } from './support.ts';
import { expectReportFindingsMatchTruth } from '../support/truth-checks.ts';

describe('standard input and the embedded engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-stdin-'));
  const stream = join(dir, 'stream.jsonl');
  const generated = verity(['generate', '--customers', '300', '--seed', '99', '--out', stream]);
  const truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
  const text = readFileSync(stream, 'utf8');

  it('processes a piped stream with --input -', () => {
    expect(generated.status).toBe(0);
    const run = verity(['run', '--input', '-', '--data-dir', join(dir, 'a'), '--once', '--no-progress', '--log-level', 'error'], {}, text);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as RunReport;
    expect(report.events).toBe(truth.lines);
    expectReportFindingsMatchTruth(report, truth);
  });

  it('ignores unrelated standard input when reading a file (nothing from the pipe is inserted)', () => {
    const junk = '(9999)\n{"not":"an event"}\n';
    const run = verity(['run', '--input', stream, '--data-dir', join(dir, 'b'), '--once', '--no-progress', '--log-level', 'error'], {}, junk);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as RunReport;
    expect(report.events).toBe(truth.lines);
    expect(report.deadLettered).toBe(truth.expectedDeadLettered);
  });
});
