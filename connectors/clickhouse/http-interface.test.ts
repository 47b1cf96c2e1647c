import { describe, expect, it } from 'vitest';
import { errorBody, HttpRequestError, resetStatements, sqlStringLiteral, toEngineRequest } from './http-interface.ts';

const body = (text: string) => Buffer.from(text, 'utf8');

describe('toEngineRequest', () => {
  it('takes SQL from the body, settings and parameters from the URL', () => {
    const search = new URLSearchParams([
      ['query_id', 'q1'],
      ['param_ids', "['a','b\\'c']"],
      ['date_time_output_format', 'iso'],
      ['wait_end_of_query', '1'],
      ['enable_http_compression', '1'],
    ]);
    const request = toEngineRequest(search, body('SELECT {ids:Array(String)} FORMAT JSONEachRow'));
    expect(request.sql).toBe('SELECT {ids:Array(String)} FORMAT JSONEachRow');
    expect(request.data).toBeUndefined();
    expect(request.queryId).toBe('q1');
    expect(request.format).toBe('TabSeparated');
    // The parameter text goes through unchanged; HTTP-only settings are dropped.
    expect(request.prelude).toEqual([`SET param_ids = '[\\'a\\',\\'b\\\\\\'c\\']'`, `SET date_time_output_format = 'iso'`]);
    expect(resetStatements(request)).toEqual(['SET date_time_output_format = DEFAULT']);
  });

  it('treats the body as INSERT data when the SQL is in the URL', () => {
    const search = new URLSearchParams([['query', 'INSERT INTO db.t (a) FORMAT JSONEachRow'], ['insert_deduplication_token', 'b1/t']]);
    const request = toEngineRequest(search, body('{"a":1}\n'));
    expect(request.sql).toBe('INSERT INTO db.t (a) FORMAT JSONEachRow');
    expect(request.data?.toString()).toBe('{"a":1}\n');
    expect(request.prelude).toEqual([`SET insert_deduplication_token = 'b1/t'`]);
  });

  it('switches and restores the database, and honours default_format', () => {
    const request = toEngineRequest(new URLSearchParams([['database', 'verity'], ['default_format', 'JSONEachRow']]), body('SELECT 1'));
    expect(request.prelude).toEqual(['USE verity']);
    expect(request.format).toBe('JSONEachRow');
    expect(resetStatements(request)).toEqual(['USE default']);
  });

  it('refuses what it cannot serve faithfully, naming it', () => {
    const refuse = (search: URLSearchParams, sql = 'SELECT 1') => {
      try {
        toEngineRequest(search, body(sql));
      } catch (error) {
        expect(error).toBeInstanceOf(HttpRequestError);
        return (error as HttpRequestError).message;
      }
      throw new Error('accepted');
    };
    expect(refuse(new URLSearchParams([['session_id', 's1']]))).toMatch(/sessions are not supported/);
    expect(refuse(new URLSearchParams([['param_a-b', '1']]))).toMatch(/param_a-b/);
    expect(refuse(new URLSearchParams([["max_threads; DROP", '1']]))).toMatch(/bad setting name/);
    expect(refuse(new URLSearchParams([['database', 'x y']]))).toMatch(/bad database name/);
    expect(refuse(new URLSearchParams(), '  ')).toMatch(/empty query/);
  });
});

describe('sqlStringLiteral', () => {
  it('quotes any text so the engine reads it back unchanged', () => {
    expect(sqlStringLiteral("it's")).toBe("'it\\'s'");
    expect(sqlStringLiteral('a\\tb')).toBe("'a\\\\tb'");
  });
});

describe('errorBody', () => {
  it('is the text @clickhouse/client parses into code, type and message', () => {
    expect(errorBody(47, 'UNKNOWN_IDENTIFIER', 'Code: 47. DB::Exception: Unknown expression identifier `nope`. (UNKNOWN_IDENTIFIER)')).toBe(
      'Code: 47. DB::Exception: Unknown expression identifier `nope`. (UNKNOWN_IDENTIFIER) (version chdb)\n',
    );
    expect(errorBody(undefined, undefined, 'boom')).toBe('Code: 1001. DB::Exception: boom (STD_EXCEPTION) (version chdb)\n');
  });
});
