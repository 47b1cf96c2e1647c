// A bad value on the command line, in the environment or in a config file: exit status 2 and one
// line naming the flag, variable or key and what is allowed (issue 3 §6), never the value itself.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verity } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'verity-cli-errors-'));
const input = join(dir, 'in.jsonl');
writeFileSync(input, '');

const CASES: readonly { readonly args: string[]; readonly env?: Record<string, string>; readonly message: string }[] = [
  { args: ['run', '--input', input, '--batch-size', 'lots'], message: '--batch-size: a whole number from 1 to 100000' },
  { args: ['run', '--input', input], env: { VERITY_BATCH_SIZE: '0' }, message: 'VERITY_BATCH_SIZE: a whole number from 1 to 100000' },
  { args: ['run', '--input', input, '--log-level', 'loud'], message: '--log-level: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"' },
  { args: ['run', '--input', input, '--store', 'ftp://x'], message: '--store: only http:// and https:// URLs or a folder path are allowed' },
  { args: ['run', '--kafka-brokers', 'localhost'], message: '--kafka-brokers: host:port, comma-separated for several brokers' },
  { args: ['run', '--kafka-brokers', 'a:1', '--group-id', ''], message: '--group-id: must not be empty' },
  { args: ['run', '--kafka-brokers', 'a:1', '--session-timeout-ms', '5'], message: '--session-timeout-ms: a whole number from 1000 to 3600000' },
  { args: ['run', '--kafka-brokers', 'a:1'], env: { VERITY_KAFKA_SSL: 'yes' }, message: 'VERITY_KAFKA_SSL: true or false' },
  { args: ['run', '--kafka-brokers', 'a:1', '--kafka-sasl-mechanism', 'gssapi'], message: '--kafka-sasl-mechanism: Invalid option: expected one of "plain"|"scram-sha-256"|"scram-sha-512"' },
  { args: ['run', '--input', input, '--max-array-items', '0'], message: '--max-array-items: a whole number from 1 to 100000' },
  { args: ['run', '--input', input], env: { VERITY_EVENT_TIME_EARLIEST: '1899-12-31' }, message: 'VERITY_EVENT_TIME_EARLIEST: a date (YYYY-MM-DD) or an ISO-8601 instant with an offset, not before 1900-01-01' },
  { args: ['run', '--input', input, '--event-time-ahead-hours', '-1'], message: '--event-time-ahead-hours: a whole number from 0 to 8784' },
  { args: ['run', '--input', input, '--store-retry-seconds', 'forever'], message: '--store-retry-seconds: a whole number from 0 to 86400' },
  { args: ['run'], message: '--input: no input given: pass a JSON Lines file, - for standard input, or --kafka-brokers to consume Kafka' },
  { args: ['generate', '--customers', 'abc', '--out', join(dir, 'x.jsonl')], message: '--customers: a whole number from 1 to 10000000' },
  { args: ['generate', '--customers', '5', '--start', 'tomorrow', '--out', join(dir, 'x.jsonl')], message: '--start: an ISO-8601 time with an offset, e.g. 2026-07-06T09:00:00+08:00' },
  { args: ['produce', '--input', input, '--kafka-brokers', 'a:1', '--topic', ''], message: '--topic: must not be empty' },
];

describe('verity with a bad setting', () => {
  for (const { args, env, message } of CASES) {
    it(`${args.slice(0, 3).join(' ')}${env ? ` with ${Object.keys(env).join(',')}` : ''}`, () => {
      const result = verity(args, env ?? {});
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`verity: ${message}\n`);
    });
  }
});
