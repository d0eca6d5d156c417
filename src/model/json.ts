// Lossless JSON. Calico writes uint64 sequence numbers (~1.7e18) that JSON.parse would round, and Node 20's
// JSON.parse reviver cannot see the source text. parseJsonLossless returns integers outside the safe range
// as bigint; everything else comes out exactly as JSON.parse would give it.
//
// Two implementations with one result: parseJsonLossless quotes the long integer literals (one scan,
// strings skipped) and lets the native JSON.parse do the rest, ~6x faster on an AllocationBlock;
// parseJsonLosslessReference is a small recursive-descent parser, the reference the fast one is tested
// against, and the one whose error messages (with line and column) every syntax error gets.

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

export class JsonParseError extends SyntaxError {
  constructor(
    message: string,
    readonly position: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${message} at line ${line}, column ${column}`);
    this.name = 'JsonParseError';
  }
}

const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/** The reference lossless parser (see the file comment); parseJsonLossless gives the same results, faster. */
export function parseJsonLosslessReference(text: string): JsonValue {
  let pos = 0;

  const fail = (message: string, at = pos): never => {
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    throw new JsonParseError(message, at, line, at - before.lastIndexOf('\n'));
  };

  const skipWhitespace = (): void => {
    WHITESPACE.lastIndex = pos;
    WHITESPACE.test(text);
    pos = WHITESPACE.lastIndex;
  };

  const describe = (at: number): string => (at >= text.length ? 'end of input' : JSON.stringify(text[at]));

  const expect = (char: string): void => {
    if (text[pos] !== char) fail(`expected '${char}' but found ${describe(pos)}`);
    pos++;
  };

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    let escaped = false;
    for (;;) {
      if (pos >= text.length) fail('unterminated string', start);
      const code = text.charCodeAt(pos);
      if (code === 0x22) break;
      if (code < 0x20) fail('control character in string');
      if (code === 0x5c) {
        escaped = true;
        pos++; // skip the escaped character; JSON.parse below validates the escape
      }
      pos++;
    }
    pos++; // closing quote
    if (!escaped) return text.slice(start + 1, pos - 1);
    try {
      return JSON.parse(text.slice(start, pos)) as string;
    } catch {
      return fail('invalid escape in string', start);
    }
  };

  const parseNumber = (): number | bigint => {
    NUMBER.lastIndex = pos;
    const match = NUMBER.exec(text);
    if (!match) return fail(`unexpected ${describe(pos)}`);
    pos = NUMBER.lastIndex;
    const literal = match[0];
    const isInteger = match[1] === undefined && match[2] === undefined;
    const asNumber = Number(literal);
    return isInteger && !Number.isSafeInteger(asNumber) ? BigInt(literal) : asNumber;
  };

  const parseLiteral = <T>(word: string, value: T): T => {
    if (!text.startsWith(word, pos)) fail(`unexpected ${describe(pos)}`);
    pos += word.length;
    return value;
  };

  const parseValue = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    skipWhitespace();
    const char = text[pos];
    switch (char) {
      case '{':
        return parseObject(depth);
      case '[':
        return parseArray(depth);
      case '"':
        return parseString();
      case 't':
        return parseLiteral('true', true);
      case 'f':
        return parseLiteral('false', false);
      case 'n':
        return parseLiteral('null', null);
      default:
        return parseNumber();
    }
  };

  const parseArray = (depth: number): JsonValue[] => {
    const result: JsonValue[] = [];
    pos++;
    skipWhitespace();
    if (text[pos] === ']') {
      pos++;
      return result;
    }
    for (;;) {
      result.push(parseValue(depth + 1));
      skipWhitespace();
      if (text[pos] === ']') {
        pos++;
        return result;
      }
      expect(',');
    }
  };

  const parseObject = (depth: number): { [key: string]: JsonValue } => {
    const result: { [key: string]: JsonValue } = {};
    pos++;
    skipWhitespace();
    if (text[pos] === '}') {
      pos++;
      return result;
    }
    for (;;) {
      skipWhitespace();
      if (text[pos] !== '"') fail(`expected a string key but found ${describe(pos)}`);
      const key = parseString();
      skipWhitespace();
      expect(':');
      const value = parseValue(depth + 1);
      // defineProperty keeps a "__proto__" key as data instead of changing the prototype, as JSON.parse does.
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      skipWhitespace();
      if (text[pos] === '}') {
        pos++;
        return result;
      }
      expect(',');
    }
  };

  const value = parseValue(0);
  skipWhitespace();
  if (pos < text.length) fail(`unexpected ${describe(pos)} after the JSON value`);
  return value;
}

/**
 * Marks an integer literal that was quoted to survive JSON.parse. The fast path is only taken when the text
 * holds no such character, raw or as an escape, so a marked string always comes from the scan. DEL: never
 * in Calico's data, and one byte (a two-byte character would make JSON.parse's input a two-byte string,
 * which it parses twice as slowly).
 */
const MARK = '\x7f';
const MARK_CODE = 0x7f;
const MARK_ESCAPE = /\\u007[fF]/;
/** Integers of fewer digits are below 10^15 < 2^53: exact as plain numbers. */
const LONG_DIGITS = 16;

/**
 * Lossless JSON.parse: integers beyond 2^53 come out as bigint, every other value exactly as JSON.parse
 * gives it. Same results as parseJsonLosslessReference (also for syntax errors, which it reports).
 */
export function parseJsonLossless(text: string): JsonValue {
  if (text.includes(MARK) || MARK_ESCAPE.test(text)) return parseJsonLosslessReference(text);
  const quoted = quoteLongIntegers(text);
  let value: JsonValue;
  try {
    value = JSON.parse(quoted) as JsonValue;
  } catch {
    return parseJsonLosslessReference(text); // throws the precise error
  }
  // Restore the quoted integers. Deep documents need the walk too: the reference refuses nesting beyond
  // MAX_DEPTH, which takes more than MAX_DEPTH brackets.
  restoreLeft = quotedCount;
  restoreChecksDepth = text.length > 2 * MAX_DEPTH && countOpeners(text) > MAX_DEPTH;
  if (restoreLeft > 0 || restoreChecksDepth) {
    if (typeof value === 'object' && value !== null && !restore(value, 0)) return parseJsonLosslessReference(text);
    if (typeof value === 'string' && value.charCodeAt(0) === MARK_CODE) return unmark(value);
  }
  return value;
}

/** '[' and '{' in `text` (in strings too: an upper bound of the nesting), counted up to MAX_DEPTH + 1. */
function countOpeners(text: string): number {
  let count = 0;
  for (const opener of ['[', '{']) {
    for (let at = text.indexOf(opener); at !== -1 && count <= MAX_DEPTH; at = text.indexOf(opener, at + 1)) count++;
  }
  return count;
}

/**
 * `text` with every integer literal of 16+ digits outside strings turned into a string `"<MARK>digits"`.
 * Whole integer literals only: not the fraction or exponent of a number, nor one with a fraction or
 * exponent (JSON.parse rounds those exactly as the reference does). Strings are skipped whole; between
 * them, a run of 16 digits is looked for by testing every 16th character. Invalid JSON stays invalid: a
 * quoted literal stands where a number stood, and only as an object key (refused by restore()) would a
 * string be valid where a number is not.
 */
function quoteLongIntegers(text: string): string {
  const n = text.length;
  quotedCount = 0;
  let out = '';
  let copied = 0;
  let from = 0; // start of the stretch outside strings
  while (from < n) {
    let quote = text.indexOf('"', from);
    if (quote === -1) quote = n;
    for (let probe = from + LONG_DIGITS - 1; probe < quote; ) {
      if (!isDigit(text.charCodeAt(probe))) {
        probe += LONG_DIGITS; // no run of LONG_DIGITS digits can include this character
        continue;
      }
      let first = probe;
      while (first > from && isDigit(text.charCodeAt(first - 1))) first--;
      let end = probe + 1;
      while (end < quote && isDigit(text.charCodeAt(end))) end++;
      probe = end + LONG_DIGITS;
      if (end - first < LONG_DIGITS || text.charCodeAt(first) === 0x30) continue; // short, or invalid (leading 0)
      const before = text.charCodeAt(first - 1);
      const after = text.charCodeAt(end);
      if (before === 0x2e || before === 0x65 || before === 0x45 || before === 0x2b) continue; // fraction, exponent
      if (after === 0x2e || after === 0x65 || after === 0x45) continue; // has a fraction or exponent
      let start = first;
      if (before === 0x2d) {
        const sign = text.charCodeAt(first - 2);
        if (sign === 0x65 || sign === 0x45) continue; // exponent
        start = first - 1; // the minus sign is part of the literal
      }
      out += `${text.slice(copied, start)}"${MARK}${text.slice(start, end)}"`;
      copied = end;
      quotedCount++;
    }
    if (quote === n) break;
    // the string's end: the next quote not escaped by an odd number of backslashes
    let close = quote;
    for (;;) {
      close = text.indexOf('"', close + 1);
      if (close === -1) return copied === 0 ? text : out + text.slice(copied); // unterminated: invalid anyway
      let b = close - 1;
      while (text.charCodeAt(b) === 0x5c) b--;
      if ((close - 1 - b) % 2 === 0) break;
    }
    from = close + 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** As the reference converts an integer literal: a number when exact, else a bigint. */
function unmark(marked: string): number | bigint {
  const literal = marked.slice(1);
  const asNumber = Number(literal);
  return Number.isSafeInteger(asNumber) ? asNumber : BigInt(literal);
}

/** Literals the last quoteLongIntegers call quoted (parseJsonLossless is synchronous: one call at a time). */
let quotedCount = 0;
/** For restore(): marked strings not found yet, and whether the nesting must be checked. */
let restoreLeft = 0;
let restoreChecksDepth = false;

/**
 * Turns the marked strings under `container` (at nesting `depth`) back into integers. False when the
 * reference parser would have refused the text: nesting beyond MAX_DEPTH, or a quoted integer used as an
 * object key (`{123…: 1}` is not JSON). Walks from the end, where Calico puts its sequence numbers, and
 * stops once every quoted literal is found (unless the nesting is to be checked); when a duplicate key
 * dropped one, it simply walks everything.
 */
function restore(container: object, depth: number): boolean {
  if (Array.isArray(container)) {
    const list = container as JsonValue[];
    if (list.length > 0 && depth + 1 > MAX_DEPTH) return false;
    for (let i = list.length - 1; i >= 0; i--) {
      const item = list[i];
      if (typeof item === 'string') {
        if (item.charCodeAt(0) === MARK_CODE) {
          list[i] = unmark(item);
          restoreLeft--;
        }
      } else if (typeof item === 'object' && item !== null && !restore(item, depth + 1)) {
        return false;
      }
      if (restoreLeft === 0 && !restoreChecksDepth) return true;
    }
    return true;
  }
  const record = container as { [key: string]: JsonValue };
  const keys = Object.keys(record);
  if (keys.length > 0 && depth + 1 > MAX_DEPTH) return false;
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i]!;
    if (key.charCodeAt(0) === MARK_CODE) return false;
    const item = record[key];
    if (typeof item === 'string') {
      if (item.charCodeAt(0) === MARK_CODE) {
        // a "__proto__" key is data, as JSON.parse made it: assigning would set the prototype
        if (key === '__proto__') Object.defineProperty(record, key, { value: unmark(item) });
        else record[key] = unmark(item);
        restoreLeft--;
      }
    } else if (typeof item === 'object' && item !== null && !restore(item, depth + 1)) {
      return false;
    }
    if (restoreLeft === 0 && !restoreChecksDepth) return true;
  }
  return true;
}

/**
 * JSON.stringify that writes bigint as a bare integer, so a parse/modify/serialize cycle keeps uint64 values
 * exact. Compact by default, like Go's json.Marshal; object keys keep their insertion order.
 */
export function stringifyJsonLossless(value: unknown, indent = 0): string {
  return write(value, indent, '') ?? 'null';
}

function write(value: unknown, indent: number, prefix: string): string | undefined {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) as string | undefined; // undefined for undefined/functions/symbols
  }
  const maybeToJSON = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof maybeToJSON === 'function') return write(maybeToJSON.call(value), indent, prefix);

  const inner = prefix + ' '.repeat(indent);
  const open = indent > 0 ? `\n${inner}` : '';
  const close = indent > 0 ? `\n${prefix}` : '';
  const separator = indent > 0 ? `,\n${inner}` : ',';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item: unknown) => write(item, indent, inner) ?? 'null');
    return `[${open}${items.join(separator)}${close}]`;
  }
  const colon = indent > 0 ? ': ' : ':';
  const members: string[] = [];
  for (const [key, member] of Object.entries(value)) {
    const written = write(member, indent, inner);
    if (written !== undefined) members.push(`${JSON.stringify(key)}${colon}${written}`);
  }
  return members.length === 0 ? '{}' : `{${open}${members.join(separator)}${close}}`;
}
