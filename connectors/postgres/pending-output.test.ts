// The pending output's forms: what is written now comes back whole, and so do the rows earlier
// releases wrote (deflated JSON, JSON text). Arbitrary outputs, text of any script among them.
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnalyticsOutput } from '../../pipelines/runtime/state-store.ts';
import { packOutput, unpackOutput } from './pending-output.ts';

const rows = fc.array(fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }), { maxLength: 8 });
const outputArb = fc.record({
  batchId: fc.string({ unit: 'grapheme' }),
  scope: fc.string({ unit: 'grapheme' }),
  position: fc.string(),
  records: rows,
  findings: rows,
  issueChanges: rows,
  deadLetters: rows,
  findingMirror: rows,
  derivedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
}) as unknown as fc.Arbitrary<AnalyticsOutput>;

const none = { output: null, output_deflated: null, output_serialized: null };

describe('pending output', () => {
  it('comes back whole from the form written now', async () => {
    await fc.assert(
      fc.asyncProperty(outputArb, async (output) => {
        expect(await unpackOutput({ ...none, output_serialized: await packOutput(output) })).toEqual(output);
      }),
      { numRuns: 200 },
    );
  });

  it('comes back whole from the forms earlier releases wrote: deflated JSON (migrations 7 to 12) and JSON text', async () => {
    await fc.assert(
      fc.asyncProperty(outputArb, async (output) => {
        const json = JSON.stringify(output);
        expect(await unpackOutput({ ...none, output_deflated: deflateRawSync(json).toString('base64') })).toEqual(JSON.parse(json));
        expect(await unpackOutput({ ...none, output: json })).toEqual(JSON.parse(json));
      }),
      { numRuns: 100 },
    );
  });

  it('writes base64 text that is not JSON, and refuses a row that holds no form', async () => {
    const output = { batchId: 'b', scope: 's', position: '', records: [{ nameMasked: '梁*' }], findings: [], issueChanges: [], deadLetters: [], findingMirror: [], derivedAt: '2026-12-06T00:00:00.000Z' };
    const packed = await packOutput(output as unknown as AnalyticsOutput);
    expect(packed).toMatch(/^[A-Za-z0-9+/]+=*$/);
    await expect(unpackOutput({ ...none, output_deflated: packed })).rejects.toThrow();
    await expect(unpackOutput(none)).rejects.toThrow(/none of its forms/);
  });
});
