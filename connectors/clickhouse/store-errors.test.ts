import { ClickHouseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { classifyStoreFailure, storeError } from './store-errors.ts';

const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:8123`), { code });

describe('classifyStoreFailure', () => {
  it.each([
    [socketError('ECONNREFUSED'), true, 'ECONNREFUSED'],
    [socketError('ECONNRESET'), true, 'ECONNRESET'],
    [socketError('UND_ERR_SOCKET'), true, 'UND_ERR_SOCKET'],
    [new Error('Timeout error.'), true, 'timeout'],
    [new ClickHouseError({ message: 'Too many parts (300)', code: '252', type: 'TOO_MANY_PARTS' }), true, 'ClickHouse 252 TOO_MANY_PARTS'],
    [new ClickHouseError({ message: 'Memory limit exceeded', code: '241', type: 'MEMORY_LIMIT_EXCEEDED' }), true, 'ClickHouse 241 MEMORY_LIMIT_EXCEEDED'],
    [new ClickHouseError({ message: 'Unknown table', code: '60', type: 'UNKNOWN_TABLE' }), false, 'ClickHouse 60 UNKNOWN_TABLE'],
    [socketError('EACCES'), false, 'EACCES'],
    [new TypeError('x is not a function'), false, 'TypeError'],
  ])('%s → retriable %s', (cause, retriable, label) => {
    expect(classifyStoreFailure(cause)).toEqual({ retriable, label });
  });

  it('never repeats the server\'s message: ClickHouse quotes the rows it cannot parse', () => {
    const parse = new ClickHouseError({ message: 'Cannot parse input: expected \'"\' before: \'13912345678","name":"样例\'', code: '27', type: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED' });
    const error = storeError('insert into records', parse);
    expect(error.message).toBe('insert into records failed: ClickHouse 27 CANNOT_PARSE_INPUT_ASSERTION_FAILED');
    expect(error.retriable).toBe(false);
    expect(error.cause).toBe(parse);
  });
});
