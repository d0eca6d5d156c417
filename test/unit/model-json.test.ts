import { describe, expect, it } from 'vitest';
import { JsonParseError, parseJsonLossless, stringifyJsonLossless } from '../../src/model/json.js';
import { ALLOCATION_BLOCK_JSON, WORKLOAD_ENDPOINT_JSON } from './model-fixtures.js';

describe('parseJsonLossless', () => {
  it('keeps a uint64 sequence number exact and writes it back unchanged', () => {
    const text = '{"sequenceNumber":1714558830123456791}';
    const value = parseJsonLossless(text) as { sequenceNumber: bigint };
    expect(value.sequenceNumber).toBe(1714558830123456791n);
    expect(stringifyJsonLossless(value)).toBe(text);
    // What a plain JSON.parse would have done:
    expect(String(JSON.parse(text).sequenceNumber)).not.toBe('1714558830123456791');
  });

  it('round-trips Calico values byte for byte (compact, Go key order)', () => {
    expect(stringifyJsonLossless(parseJsonLossless(ALLOCATION_BLOCK_JSON))).toBe(ALLOCATION_BLOCK_JSON);
    expect(stringifyJsonLossless(parseJsonLossless(WORKLOAD_ENDPOINT_JSON))).toBe(WORKLOAD_ENDPOINT_JSON);
  });

  it('uses bigint only where a number would round', () => {
    const value = parseJsonLossless(
      '[9007199254740991, 9007199254740992, -9007199254740993, 0, -0, 1.5, 1e21, 12345678901234567890.5]',
    );
    expect(value).toEqual([9007199254740991, 9007199254740992n, -9007199254740993n, 0, -0, 1.5, 1e21, 12345678901234567890.5]);
  });

  it('leaves digits inside strings alone', () => {
    expect(parseJsonLossless('{"a":"12345678901234567890"}')).toEqual({ a: '12345678901234567890' });
  });

  it('agrees with JSON.parse on ordinary documents', () => {
    const samples = [
      '{}',
      '[]',
      ' \n\t{ "a" : [ 1 , 2 , { "b" : null } ] , "c" : true , "d" : false }\r\n',
      '"caf\\u00e9 \\"quoted\\" \\\\ \\/ \\n \\t \\ud83d\\ude00"',
      '{"unicode":"日本語","emoji":"😀"}',
      '-12.5e-3',
      '{"a":1,"a":2}',
    ];
    for (const sample of samples) expect(parseJsonLossless(sample)).toEqual(JSON.parse(sample));
  });

  it('keeps a "__proto__" key as data, like JSON.parse', () => {
    const value = parseJsonLossless('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['', 'unexpected end of input at line 1, column 1'],
    ['{"a":1,}', 'expected a string key but found "}" at line 1, column 8'],
    ['[1 2]', "expected ',' but found \"2\" at line 1, column 4"],
    ['{"a":\n  01}', "expected ',' but found \"1\" at line 2, column 4"],
    ['{"a":"open', 'unterminated string at line 1, column 6'],
    ['{"a":"bad \\x escape"}', 'invalid escape in string at line 1, column 6'],
    ['{"a":"tab\there"}', 'control character in string at line 1, column 10'],
    ['{} x', 'unexpected "x" after the JSON value at line 1, column 4'],
    ['[tru]', 'unexpected "t" at line 1, column 2'],
    ['NaN', 'unexpected "N" at line 1, column 1'],
  ])('rejects %j', (text, message) => {
    expect(() => parseJsonLossless(text)).toThrow(JsonParseError);
    expect(() => parseJsonLossless(text)).toThrow(message);
  });

  it('reports absurd nesting as a parse error, not a stack overflow', () => {
    expect(() => parseJsonLossless('['.repeat(10_000))).toThrow('nesting too deep');
  });
});

describe('stringifyJsonLossless', () => {
  it('matches JSON.stringify for plain data, compact and indented', () => {
    const value = { a: [1, 'two', null, { b: true }], c: {}, d: [], e: undefined, f: new Date(0) };
    expect(stringifyJsonLossless(value)).toBe(JSON.stringify(value));
    expect(stringifyJsonLossless(value, 2)).toBe(JSON.stringify(value, null, 2));
    expect(stringifyJsonLossless([undefined, () => 1])).toBe('[null,null]');
  });

  it('writes bigints as bare integers, also when indented', () => {
    expect(stringifyJsonLossless({ n: [18446744073709551615n] }, 2)).toBe('{\n  "n": [\n    18446744073709551615\n  ]\n}');
  });
});
