// The file source hands over each line's original bytes with its line number, whatever the line
// endings and however the reads split the file.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { SourceBatch } from '../../pipelines/runtime/source.ts';
import { DeadLetterArchive } from './dead-letter-archive.ts';
import { byteLines, createFileSource } from './file-source.ts';

async function collect(chunks: readonly Buffer[]): Promise<string[]> {
  const out: string[] = [];
  for await (const line of byteLines(Readable.from(chunks))) {
    expect(line.size).toBe(line.bytes.length);
    out.push(line.bytes.toString('latin1'));
  }
  return out;
}

describe('byteLines', () => {
  it('cuts at LF, drops the CR of CRLF, and keeps a last line without LF', async () => {
    expect(await collect([Buffer.from('a\nb\r\nc')])).toEqual(['a', 'b', 'c']);
    expect(await collect([Buffer.from('a\n\nb\n')])).toEqual(['a', '', 'b']);
    expect(await collect([Buffer.from('')])).toEqual([]);
  });

  it('does not start a line at a lone CR (node:readline would, and shift every line number after it)', async () => {
    expect(await collect([Buffer.from('a\rb\nc\n')])).toEqual(['a\rb', 'c']);
  });

  it('joins lines split across reads, a CRLF split between two reads included', async () => {
    expect(await collect([Buffer.from('ab'), Buffer.from('c\r'), Buffer.from('\nde'), Buffer.from('f\n')])).toEqual(['abc', 'def']);
  });

  it('keeps bytes that are not UTF-8 as they are', async () => {
    const lines: Buffer[] = [];
    for await (const line of byteLines(Readable.from([Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])]))) lines.push(line.bytes);
    expect(lines).toEqual([Buffer.from([0x63, 0x61, 0x66, 0xe9])]);
  });

  it('keeps only the beginning of a line longer than the limit, with its true size, however the reads split it', async () => {
    const lines: { text: string; size: number }[] = [];
    const chunks = [Buffer.from('ok\nabcd'), Buffer.from('efgh'), Buffer.from('ij\r\nxy'), Buffer.from('z\n'), Buffer.from('0123456789')];
    for await (const line of byteLines(Readable.from(chunks), 5)) lines.push({ text: line.bytes.toString(), size: line.size });
    expect(lines).toEqual([
      { text: 'ok', size: 2 },
      { text: 'abcde', size: 10 },
      { text: 'xyz', size: 3 },
      { text: '01234', size: 10 },
    ]);
  });
});

describe('createFileSource', () => {
  it('numbers lines as wc -l does and hands over their original bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verity-file-source-'));
    const file = join(dir, 'in.jsonl');
    const bytes = Buffer.concat([Buffer.from('{"a":1}\r\n'), Buffer.from([0x7b, 0xe9, 0x7d, 0x0a]), Buffer.from('x\ry\n'), Buffer.from('last')]);
    writeFileSync(file, bytes);
    const batches: SourceBatch[] = [];
    await createFileSource({ input: file, batchSize: 2 }).run(async (batch) => {
      batches.push(batch);
    }, new AbortController().signal);
    const messages = batches.flatMap((b) => b.messages);
    expect(messages.map((m) => m.coordinates)).toEqual([1, 2, 3, 4].map((line) => ({ kind: 'file', file, line })));
    expect(messages.map((m) => m.value)).toEqual([Buffer.from('{"a":1}'), Buffer.from([0x7b, 0xe9, 0x7d]), Buffer.from('x\ry'), Buffer.from('last')]);
    expect(batches.map((b) => b.id)).toEqual([expect.stringMatching(/^file:in\.jsonl:1-2:[0-9a-f]{16}$/), expect.stringMatching(/^file:in\.jsonl:3-4:/)]);
  });
});

describe('DeadLetterArchive', () => {
  it('makes an existing folder and archive private again before writing to them', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'verity-archive-')), 'dead-letters');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'dead-letters.jsonl'), '', { mode: 0o644 });
    chmodSync(join(dir, 'dead-letters.jsonl'), 0o644);

    const archive = await DeadLetterArchive.open(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const payload = Buffer.from([0x7b, 0xe9]);
    await archive.append([
      {
        payload,
        key: Buffer.from('K1'),
        deadLetter: {
          deadLetterId: 'd1', reasonCode: 'not-json', reason: 'not valid JSON', errorPath: '', sizeBytes: 2,
          payloadSha256: 'x', firstSeenAt: '2026-11-25T00:00:00.000Z', coordinates: { kind: 'file', file: 'in.jsonl', line: 7 },
        },
      },
    ]);
    await archive.close();
    expect(statSync(archive.path).mode & 0o777).toBe(0o600);
    const entry = JSON.parse(readFileSync(archive.path, 'utf8')) as { payloadBase64: string; keyBase64: string; coordinates: unknown };
    expect(Buffer.from(entry.payloadBase64, 'base64')).toEqual(payload);
    expect(Buffer.from(entry.keyBase64, 'base64').toString()).toBe('K1');
    expect(entry.coordinates).toEqual({ kind: 'file', file: 'in.jsonl', line: 7 });
  });
});
