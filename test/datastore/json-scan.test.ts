// The byte-level JSON scanner: it accepts exactly what JSON.parse accepts, and reads strings and
// integers as JSON.parse would.
import { describe, expect, it } from 'vitest';
import { JsonScanner, MAX_DEPTH } from '../../src/datastore/json-scan.js';
import { mutate, random } from './fuzz.js';

/** Whether the scanner takes all of `text` as one JSON value. */
function scans(text: string | Buffer): boolean {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const s = new JsonScanner();
  // inside a bigger buffer, as values are in a list page: nothing outside [start, end) may be read
  const page = Buffer.concat([Buffer.from('"{[1'), bytes, Buffer.from('1]}"')]);
  s.reset(page, 4, 4 + bytes.length);
  return s.skipValue(0) && s.atEnd();
}

function parses(text: string | Buffer): boolean {
  try {
    JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

const VALID = [
  '0', '-0', '1.5', '-12.5e+3', '1E5', '0.0e-0', '123456789012345678901234567890', 'true', 'false', 'null',
  '""', '"a"', '"\\"\\\\\\/\\b\\f\\n\\r\\t"', '"\\u00e9\\uD83D\\uDE00"', '"é ü 漢字"', '"\\u0000"',
  '[]', '{}', ' [ 1 , 2 ] ', '\t{\n"a" :\r[ {} , [] , "x" ]}\n', '{"a":1,"a":2}', '{"__proto__":1}',
  '[[[[[[[[[[]]]]]]]]]]', '{"a":{"b":{"c":[null,true,false,-1.0e10]}}}',
];
const INVALID = [
  '', ' ', '01', '-', '1.', '.5', '1e', '1e+', '+1', '0x10', 'NaN', 'Infinity', 'tru', 'nul', 'True', 'undefined',
  '"', '"abc', '"\\x"', '"\\u12"', '"\\u12g4"', '"a\nb"', '"\t"', '"\u0001"', "'a'",
  '[', ']', '[1,]', '[,1]', '[1 2]', '{', '{"a"}', '{"a":}', '{"a":1,}', '{a:1}', '{"a" 1}', '{,}', '{"a":1}}',
  '1 2', '{} {}', '\ufeff{}', '"a"x', '[1]]',
];

describe('JsonScanner', () => {
  it('accepts what JSON.parse accepts and refuses the rest', () => {
    for (const text of VALID) expect([text, scans(text)]).toEqual([text, true]);
    for (const text of INVALID) expect([text, scans(text)]).toEqual([text, parses(text)]);
  });

  it('agrees with JSON.parse on thousands of random edits of real values', () => {
    const seeds = [
      '{"kind":"WorkloadEndpoint","apiVersion":"projectcalico.org/v3","metadata":{"name":"n","labels":{"a/b":"c"}},"spec":{"ports":[{"port":8080,"hostPort":0}],"x":[1.5e3,-2,true,false,null]}}',
      '{"cidr":"10.0.0.0/26","allocations":[0,null,1],"sequenceNumber":1714558830123456789,"attributes":[{"handle_id":"h\\u00e9","secondary":{"node":"n"}}]}',
    ];
    const next = random(1);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = seeds[i % seeds.length]!;
      for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) text = mutate(text, next);
      const expected = parses(text);
      if (scans(text) !== expected) throw new Error(`scanner and JSON.parse disagree on ${JSON.stringify(text)}`);
      if (expected) accepted++;
    }
    expect(accepted).toBeGreaterThan(1_000); // the edits hit both sides
  });

  it('refuses bytes JSON.parse would see as control characters, and takes any other byte in strings', () => {
    expect(scans(Buffer.from([0x22, 0x1f, 0x22]))).toBe(false);
    // invalid UTF-8 decodes to U+FFFD, which a string may hold: the scanner and JSON.parse agree
    const invalidUtf8 = Buffer.from([0x22, 0xff, 0xc3, 0x22]);
    expect([scans(invalidUtf8), parses(invalidUtf8)]).toEqual([true, true]);
  });

  it('leaves values nested deeper than MAX_DEPTH to the caller', () => {
    expect(scans('['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH))).toBe(true);
    expect(scans('['.repeat(MAX_DEPTH + 1) + ']'.repeat(MAX_DEPTH + 1))).toBe(false);
  });

  it('reads strings as JSON.parse does', () => {
    const s = new JsonScanner();
    for (const literal of ['"plain"', '"é漢"', '"a\\"b\\\\c\\u00e9\\n"', '""']) {
      const bytes = Buffer.from(literal);
      s.reset(bytes, 0, bytes.length);
      expect(s.string()).toBe(true);
      expect(s.stringValue()).toBe(JSON.parse(literal));
      expect(s.text()).toBe(/[\\\u0080-\uffff]/.test(literal) ? undefined : JSON.parse(literal));
    }
  });

  it('reads plain integers, and leaves other numbers alone', () => {
    const s = new JsonScanner();
    const read = (text: string, how: 'small' | 'uint64') => {
      const bytes = Buffer.from(text);
      s.reset(bytes, 0, bytes.length);
      const value = how === 'small' ? s.smallUint() : s.uint64();
      return [value, s.pos];
    };
    expect(read(' 42,', 'small')).toEqual([42, 3]);
    expect(read('999999999999999', 'small')).toEqual([999999999999999, 15]);
    expect(read('1000000000000000', 'small')).toEqual([-1, 0]); // 16 digits: not for smallUint
    for (const other of ['-1', '1.5', '1e3', '01', 'x', '']) expect(read(other, 'small')).toEqual([-1, 0]);
    expect(read('1714558830123456789}', 'uint64')).toEqual([1714558830123456789n, 19]);
    expect(read('18446744073709551615', 'uint64')).toEqual([18446744073709551615n, 20]);
    expect(read('18446744073709551616', 'uint64')).toEqual([undefined, 0]); // 2^64
    expect(read('0', 'uint64')).toEqual([0n, 1]);
    for (const other of ['-1', '1.0', '2e3', '00']) expect(read(other, 'uint64')).toEqual([undefined, 0]);
  });
});
