// Lossless JSON. Calico writes uint64 sequence numbers (~1.7e18) that JSON.parse would round, and Node 20's
// JSON.parse reviver cannot see the source text. This small parser returns integers outside the safe range
// as bigint; everything else comes out exactly as JSON.parse would give it.

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

export function parseJsonLossless(text: string): JsonValue {
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
