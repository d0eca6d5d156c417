import { describe, expect, it } from 'vitest';
import { JsonParseError, parseJsonLossless, parseJsonLosslessReference, stringifyJsonLossless } from '../../src/model/json.js';
import { ALLOCATION_BLOCK_JSON, WORKLOAD_ENDPOINT_JSON } from './model-fixtures.js';

/** The outcome of a parse, comparable with toEqual: the value, or the error's class and message. */
function outcome(parse: (text: string) => unknown, text: string): unknown {
  try {
    return { value: parse(text) };
  } catch (err) {
    return { error: (err as Error).name, message: (err as Error).message };
  }
}

/** parseJsonLossless (fast path) and the reference parser agree exactly, on the value or the error. */
function expectSameAsReference(text: string): void {
  const fast = outcome(parseJsonLossless, text);
  expect(fast).toEqual(outcome(parseJsonLosslessReference, text));
  // toEqual does not see key order or -0 vs 0 in every place: compare the exact serialisation too
  if ('value' in (fast as object)) {
    const write = (v: unknown) => stringifyJsonLossless(v, 0) + (Object.is(v, -0) ? '-0' : '');
    expect(write((fast as { value: unknown }).value)).toBe(write(parseJsonLosslessReference(text)));
  }
}


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

describe('parseJsonLossless fast path (quoted long integers + JSON.parse) against the reference parser', () => {
  const UINT64_MAX = '18446744073709551615';
  const TWO_53_PLUS_1 = '9007199254740993';

  /** A real AllocationBlock with the sequence numbers at the edges and digit runs inside strings. */
  const block = ALLOCATION_BLOCK_JSON.replace('"sequenceNumber":1714558830123456791', `"sequenceNumber":${UINT64_MAX}`)
    .replace('"0":1714558830123456789', `"0":${TWO_53_PLUS_1}`)
    .replace('"1":1714558830123456790', '"1":9007199254740992,"2":9007199254740991,"3":1000000000000000,"4":-9007199254740993');

  it('gives the reference result on real AllocationBlock JSON: 2^53+1, 2^64-1, digit runs in strings', () => {
    expectSameAsReference(ALLOCATION_BLOCK_JSON);
    expectSameAsReference(block);
    const value = parseJsonLossless(block) as { sequenceNumber: unknown; sequenceNumberForAllocation: Record<string, unknown> };
    expect(value.sequenceNumber).toBe(18446744073709551615n);
    expect(value.sequenceNumberForAllocation).toEqual({
      '0': 9007199254740993n,
      '1': 9007199254740992n, // not safe (2^53): bigint, as the reference gives it
      '2': 9007199254740991, // the largest safe integer stays a number
      '3': 1000000000000000, // 16 digits, safe: a number
      '4': -9007199254740993n,
    });
    // long digit runs inside strings stay strings, untouched
    const digitsInStrings = block
      .replace('"handle_id":"k8s-pod-network.8c3b1e2f', `"handle_id":"k8s-pod-network.${UINT64_MAX}${TWO_53_PLUS_1}`)
      .replace('"node":"node2","type"', String.raw`"node":"node2","note":"x\\\"${UINT64_MAX}\\","${UINT64_MAX}":"${TWO_53_PLUS_1}","type"`);
    expect(digitsInStrings).not.toBe(block);
    expect(digitsInStrings).toContain(String.raw`"note":"x\\\"18446744073709551615\\"`); // x\"<digits>\ as a JSON string
    expectSameAsReference(digitsInStrings);
    expect(JSON.stringify(parseJsonLossless(digitsInStrings), (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).toContain(
      `"k8s-pod-network.${UINT64_MAX}${TWO_53_PLUS_1}6a7d4c5b`,
    );
    expect(stringifyJsonLossless(parseJsonLossless(block))).toBe(block);
  });

  it.each([
    ['integers around 2^53 and 2^64', `[${TWO_53_PLUS_1}, -${TWO_53_PLUS_1}, ${UINT64_MAX}, 99999999999999999999999, 9007199254740991, -9007199254740991, 1234567890123456]`],
    ['long literals that are not integers', '[12345678901234567890.5, 1.12345678901234567890, 12345678901234567890e2, 1e12345678901234567, 1E-12345678901234567, 12345678901234567890E+2, -0.00000000000000001]'],
    ['zero and negative zero', '[0, -0, 0.0, -0.0, 0e5]'],
    ['a long integer as the whole document', UINT64_MAX],
    ['a long negative integer as the whole document', `-${UINT64_MAX}`],
    ['a long integer in whitespace', ` \n\t${UINT64_MAX}\r\n`],
    ['numbers next to strings and structure', String.raw`{"a":[${UINT64_MAX},"${UINT64_MAX}",{"b":${UINT64_MAX}}],"c":"\\","d":${UINT64_MAX},"e":"\\\"${UINT64_MAX}"}`],
    ['escaped backslashes and quotes before a long integer', String.raw`["\\\\", ${UINT64_MAX}, "\\\"", ${UINT64_MAX}]`],
    ['a "__proto__" key holding a long integer', `{"__proto__":${UINT64_MAX},"x":{"__proto__":[${UINT64_MAX}]}}`],
    ['duplicate keys, the last wins', `{"a":${UINT64_MAX},"a":1,"b":1,"b":${TWO_53_PLUS_1}}`],
    ['the DEL character the fast path marks with, escaped and raw', String.raw`{"a":"\u007f${UINT64_MAX}","b":"` + '\x7f' + String.raw`","c":${UINT64_MAX}}`],
    ['unicode around long integers', `{"日本":${UINT64_MAX},"😀":"${UINT64_MAX}"}`],
  ])('agrees on %s', (_, text) => {
    expectSameAsReference(text);
    expect(outcome(parseJsonLossless, text)).toHaveProperty('value'); // all valid JSON
  });

  it.each([
    ['a long integer as an object key', `{${UINT64_MAX}:1}`],
    ['a long integer with a leading zero', `[0${UINT64_MAX}]`],
    ['a negative long integer with a leading zero', `[-0${UINT64_MAX}]`],
    ['an unterminated string before a long integer', `["abc ${UINT64_MAX}]`],
    ['a backslash before a long integer in an unterminated string', `["abc \\${UINT64_MAX}]`],
    ['a long integer glued to a string', `["a"${UINT64_MAX}]`],
    ['a long integer glued to a literal', `[true${UINT64_MAX}]`],
    ['two signs', `[--${UINT64_MAX}]`],
    ['a long integer after a closed document', `{} ${UINT64_MAX}`],
    ['a trailing comma', `[${UINT64_MAX},]`],
    ['a dot without fraction digits', `[${UINT64_MAX}.]`],
  ])('fails the same way on %s', (_, text) => {
    expect(() => parseJsonLosslessReference(text)).toThrow(JsonParseError);
    expectSameAsReference(text);
  });

  it('refuses nesting beyond 512 the same way, with or without long integers', () => {
    for (const inner of ['1', UINT64_MAX, '[]', '{}']) {
      for (const depth of [511, 512, 513, 600]) {
        expectSameAsReference(`${'['.repeat(depth)}${inner}${']'.repeat(depth)}`);
        expectSameAsReference(`${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`);
      }
    }
    expect(() => parseJsonLossless(`${'['.repeat(600)}1${']'.repeat(600)}`)).toThrow('nesting too deep');
  });

  it('agrees on many random documents with long integers in every position', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const atoms = [UINT64_MAX, TWO_53_PLUS_1, `-${TWO_53_PLUS_1}`, '123', '-0', '1.5e300', '12345678901234567890.25', '"12345678901234567890"', String.raw`"\\"`, String.raw`"\\\"1234567890123456789\""`, 'true', 'null', '"日本"'];
    const value = (depth: number): string => {
      const kind = random(depth > 4 ? 1 : 4);
      if (kind === 0) return atoms[random(atoms.length)]!;
      if (kind === 1) return `[${Array.from({ length: random(4) }, () => value(depth + 1)).join(',')}]`;
      const keys = ['a', '1', '0', '__proto__', '12345678901234567890', 'a'];
      return `{${Array.from({ length: random(4) }, () => `"${keys[random(keys.length)]}": ${value(depth + 1)}`).join(' , ')}}`;
    };
    for (let i = 0; i < 2_000; i++) {
      const text = value(0);
      expectSameAsReference(text);
      // and a damaged copy: a character dropped
      const at = random(text.length);
      expectSameAsReference(text.slice(0, at) + text.slice(at + 1));
    }
  });
});
