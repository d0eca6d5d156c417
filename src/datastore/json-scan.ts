// A JSON scanner over the UTF-8 bytes of an etcd value, for reading a few fields without JSON.parse:
// parsing all of a value builds every object and string in it, which for 100,000 WorkloadEndpoints is
// most of a full list's time. The scanner checks the whole value against JSON's grammar as it goes
// (what it accepts, JSON.parse accepts, and the reverse), but makes nothing except what its caller asks
// for. Any doubt (a string with escapes where the caller wants its text, nesting beyond MAX_DEPTH) is
// for the caller to settle the slow way.
//
// Bytes, not a decoded string: every byte of a multi-byte UTF-8 character is >= 0x80, so none can be
// taken for a quote, a backslash or a control character, and invalid UTF-8, which decoding turns into
// U+FFFD, is as acceptable inside a string as that character is.
import { latin1Text, utf8Text } from './buffer-text.js';

const TEN_TO_15 = 10n ** 15n;
const UINT64_MAX = (1n << 64n) - 1n;

const EMPTY = Buffer.alloc(0);

/** How many values recentValue() remembers. */
const RECENT_VALUES = 8;

/** Deeper values are not scanned (skipValue returns false); no Calico value comes close. */
export const MAX_DEPTH = 64;

/**
 * Per byte inside a string: 0 plain ASCII, 1 the closing quote, 2 a backslash, 3 a control character
 * (invalid), 4 part of a multi-byte character (fine, but the text is then not simply the bytes).
 */
const IN_STRING = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) IN_STRING[c] = 3;
IN_STRING[0x22] = 1;
IN_STRING[0x5c] = 2;
for (let c = 0x80; c < 0x100; c++) IN_STRING[c] = 4;

/** Per byte: 1 for the characters allowed after a backslash, other than 'u'. */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;

/** Per byte: 1 for hex digits. */
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

export const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * A cursor over `bytes[pos, end)`. Methods return false where the JSON is invalid (or too deep); the
 * position is then meaningless. One instance can be reused for value after value (reset).
 */
export class JsonScanner {
  bytes: Buffer = EMPTY;
  pos = 0;
  end = 0;
  /** The last string read by string(): its contents are bytes[stringStart, stringEnd). */
  stringStart = 0;
  stringEnd = 0;
  /** Whether that string holds an escape (its text is then not simply its bytes). */
  stringEscaped = false;
  /** Whether it is all ASCII (else it holds multi-byte characters). */
  stringAscii = true;

  reset(bytes: Buffer, start: number, end: number): void {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  /** Lets go of the bytes (a whole list page, as often as not), so that they can be freed. */
  release(): void {
    this.bytes = EMPTY;
    this.pos = 0;
    this.end = 0;
  }

  /** Skips whitespace; the next byte, or -1 at the end. */
  peek(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    while (pos < this.end) {
      const c = bytes[pos]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
        this.pos = pos;
        return c;
      }
      pos++;
    }
    this.pos = pos;
    return -1;
  }

  /** After whitespace, `c` (one of the structural characters), which is then passed. */
  expect(c: number): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }

  /** The text of the last string, if it is ASCII without escapes (undefined otherwise). */
  text(): string | undefined {
    if (this.stringEscaped || !this.stringAscii) return undefined;
    return latin1Text(this.bytes, this.stringStart, this.stringEnd);
  }

  /** The value of the last string, exactly as JSON.parse gives it. */
  stringValue(): string {
    const bytes = this.bytes;
    if (!this.stringEscaped) return (this.stringAscii ? latin1Text : utf8Text)(bytes, this.stringStart, this.stringEnd);
    return JSON.parse(utf8Text(bytes, this.stringStart - 1, this.stringEnd + 1)) as string;
  }

  /**
   * stringValue(), or an equal string from `recent` if there is one there, so that a value that repeats
   * is one string rather than a copy per place (and costs no new string to read). `recent` keeps the
   * last few values asked for, the latest first.
   */
  recentValue(recent: string[]): string {
    const length = this.stringEnd - this.stringStart;
    if (!this.stringEscaped && this.stringAscii) {
      for (let i = 0; i < recent.length; i++) {
        const known = recent[i]!;
        if (known.length === length && this.textIs(known)) {
          if (i > 0) {
            recent[i] = recent[0]!;
            recent[0] = known;
          }
          return known;
        }
      }
    }
    const value = this.stringValue();
    for (let i = Math.min(recent.length, RECENT_VALUES - 1); i > 0; i--) recent[i] = recent[i - 1]!;
    recent[0] = value;
    return value;
  }

  /** The length in bytes of the last string (as written: escapes count as they are written). */
  stringLength(): number {
    return this.stringEnd - this.stringStart;
  }

  /**
   * Whether the last string is `text.slice(from, from + length)`: all ASCII without escapes, and those
   * characters (false for any other string, even an equal one).
   */
  textIs(text: string, from = 0, length = text.length - from): boolean {
    if (this.stringEscaped || !this.stringAscii || this.stringEnd - this.stringStart !== length) return false;
    const bytes = this.bytes;
    const start = this.stringStart - from;
    for (let i = from; i < from + length; i++) if (bytes[start + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  /** Whether the last string's bytes are exactly `expected`, without escapes. */
  bytesAre(expected: Uint8Array): boolean {
    const length = this.stringEnd - this.stringStart;
    if (this.stringEscaped || length !== expected.length) return false;
    const bytes = this.bytes;
    const start = this.stringStart;
    for (let i = 0; i < length; i++) if (bytes[start + i] !== expected[i]) return false;
    return true;
  }

  /** Reads the string at pos (after whitespace), recording where its contents are. */
  string(): boolean {
    if (this.peek() !== QUOTE) return false;
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos + 1;
    const start = pos;
    let escaped = false;
    let ascii = true;
    for (;;) {
      if (pos >= end) return false;
      const kind = IN_STRING[bytes[pos]!]!;
      if (kind === 0) {
        pos++;
      } else if (kind === 1) {
        break;
      } else if (kind === 4) {
        ascii = false;
        pos++;
      } else if (kind === 2) {
        escaped = true;
        if (pos + 1 >= end) return false;
        const e = bytes[pos + 1]!;
        if (SIMPLE_ESCAPE[e] === 1) {
          pos += 2;
        } else if (e === 0x75 && pos + 5 < end && HEX[bytes[pos + 2]!] === 1 && HEX[bytes[pos + 3]!] === 1 && HEX[bytes[pos + 4]!] === 1 && HEX[bytes[pos + 5]!] === 1) {
          pos += 6;
        } else {
          return false;
        }
      } else {
        return false;
      }
    }
    this.stringStart = start;
    this.stringEnd = pos;
    this.stringEscaped = escaped;
    this.stringAscii = ascii;
    this.pos = pos + 1;
    return true;
  }

  /** Passes over any value at pos (after whitespace), checking it; `depth` is the nesting it is at. */
  skipValue(depth: number): boolean {
    const c = this.peek();
    switch (c) {
      case QUOTE:
        return this.string();
      case OPEN_BRACE:
        return this.skipObject(depth);
      case OPEN_BRACKET:
        return this.skipArray(depth);
      case 0x74:
        return this.literal(TRUE);
      case 0x66:
        return this.literal(FALSE);
      case 0x6e:
        return this.literal(NULL);
      default:
        return this.number();
    }
  }

  /** Passes over the object at pos (on its '{'). */
  skipObject(depth: number): boolean {
    if (depth >= MAX_DEPTH) return false;
    this.pos++;
    if (this.peek() === CLOSE_BRACE) {
      this.pos++;
      return true;
    }
    for (;;) {
      if (!this.string() || !this.expect(COLON) || !this.skipValue(depth + 1)) return false;
      const c = this.peek();
      this.pos++;
      if (c === CLOSE_BRACE) return true;
      if (c !== COMMA) return false;
    }
  }

  /** Passes over the array at pos (on its '['). */
  skipArray(depth: number): boolean {
    if (depth >= MAX_DEPTH) return false;
    this.pos++;
    if (this.peek() === CLOSE_BRACKET) {
      this.pos++;
      return true;
    }
    for (;;) {
      if (!this.skipValue(depth + 1)) return false;
      const c = this.peek();
      this.pos++;
      if (c === CLOSE_BRACKET) return true;
      if (c !== COMMA) return false;
    }
  }

  /**
   * Steps through the members of the object at pos (after whitespace): the first call passes the '{',
   * each call then reads one member's key (see stringStart/stringEnd) and the ':' and returns 1; the
   * caller reads or skips the value. 0: the object has ended (its '}' passed); -1: invalid JSON.
   */
  nextMember(first: boolean): number {
    let c = this.peek();
    if (first) {
      if (c !== OPEN_BRACE) return -1;
      this.pos++;
      c = this.peek();
      if (c === CLOSE_BRACE) {
        this.pos++;
        return 0;
      }
    } else {
      this.pos++;
      if (c === CLOSE_BRACE) return 0;
      if (c !== COMMA) return -1;
    }
    return this.string() && this.expect(COLON) ? 1 : -1;
  }

  /**
   * The same for the items of the array at pos: 1 when an item follows (the caller reads or skips it),
   * 0 when the array has ended, -1 for invalid JSON.
   */
  nextItem(first: boolean): number {
    const c = this.peek();
    if (first) {
      if (c !== OPEN_BRACKET) return -1;
      this.pos++;
      if (this.peek() === CLOSE_BRACKET) {
        this.pos++;
        return 0;
      }
      return 1;
    }
    this.pos++;
    if (c === CLOSE_BRACKET) return 0;
    return c === COMMA ? 1 : -1;
  }

  /** Passes a `null` at pos (after whitespace) and returns true; false (nothing passed) if there is none. */
  skipNull(): boolean {
    return this.peek() === 0x6e && this.literal(NULL);
  }

  /** The `true` or `false` at pos (after whitespace); undefined if there is neither. */
  boolean(): boolean | undefined {
    const c = this.peek();
    if (c === 0x74) return this.literal(TRUE) ? true : undefined;
    if (c === 0x66) return this.literal(FALSE) ? false : undefined;
    return undefined;
  }

  /**
   * The integer literal at pos (after whitespace) if it is a plain one of up to 15 digits (below 2^53),
   * passed; else -1 and nothing passed (a sign, fraction, exponent or more digits: not for this method).
   */
  smallUint(): number {
    const end = this.integerEnd();
    if (end < 0 || end - this.pos > 15) return -1;
    const bytes = this.bytes;
    let value = 0;
    for (let i = this.pos; i < end; i++) value = value * 10 + (bytes[i]! - 0x30);
    this.pos = end;
    return value;
  }

  /**
   * The plain integer literal at pos (after whitespace; digits only, as Go writes a uint64) as a bigint,
   * passed; undefined (nothing passed) if there is none or it is above 2^64 - 1.
   */
  uint64(): bigint | undefined {
    const end = this.integerEnd();
    const length = end - this.pos;
    if (end < 0 || length > 20) return undefined;
    const bytes = this.bytes;
    // in two parts below 2^53 each: faster than BigInt() of the text, which would have to be made first
    const split = Math.max(this.pos, end - 15);
    let high = 0;
    for (let i = this.pos; i < split; i++) high = high * 10 + (bytes[i]! - 0x30);
    let low = 0;
    for (let i = split; i < end; i++) low = low * 10 + (bytes[i]! - 0x30);
    const value = high === 0 ? BigInt(low) : BigInt(high) * TEN_TO_15 + BigInt(low);
    if (value > UINT64_MAX) return undefined;
    this.pos = end;
    return value;
  }

  /** The text of the last string if it is digits only (no escapes), else undefined. */
  digitsText(): string | undefined {
    if (this.stringEscaped || this.stringEnd === this.stringStart) return undefined;
    const bytes = this.bytes;
    for (let i = this.stringStart; i < this.stringEnd; i++) {
      const c = bytes[i]!;
      if (c < 0x30 || c > 0x39) return undefined;
    }
    return latin1Text(bytes, this.stringStart, this.stringEnd);
  }

  /** Where the plain integer literal at pos (after whitespace) ends, or -1 if there is none. */
  private integerEnd(): number {
    const c = this.peek();
    if (c < 0x30 || c > 0x39) return -1;
    const bytes = this.bytes;
    const end = c === 0x30 ? this.pos + 1 : digits(bytes, this.pos + 1, this.end);
    if (end < this.end) {
      const next = bytes[end]!;
      if ((next >= 0x30 && next <= 0x39) || next === 0x2e || next === 0x65 || next === 0x45) return -1;
    }
    return end;
  }

  /** Whether only whitespace is left. */
  atEnd(): boolean {
    return this.peek() === -1;
  }

  private literal(word: readonly number[]): boolean {
    const bytes = this.bytes;
    const pos = this.pos;
    if (pos + word.length > this.end) return false;
    for (let i = 0; i < word.length; i++) if (bytes[pos + i] !== word[i]) return false;
    this.pos = pos + word.length;
    return true;
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  private number(): boolean {
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos;
    if (pos < end && bytes[pos] === 0x2d) pos++;
    if (pos >= end) return false;
    const first = bytes[pos]!;
    if (first === 0x30) pos++;
    else if (first >= 0x31 && first <= 0x39) pos = digits(bytes, pos + 1, end);
    else return false;
    if (pos < end && bytes[pos] === 0x2e) {
      const from = pos + 1;
      pos = digits(bytes, from, end);
      if (pos === from) return false;
    }
    if (pos < end && (bytes[pos] === 0x65 || bytes[pos] === 0x45)) {
      pos++;
      if (pos < end && (bytes[pos] === 0x2b || bytes[pos] === 0x2d)) pos++;
      const from = pos;
      pos = digits(bytes, from, end);
      if (pos === from) return false;
    }
    this.pos = pos;
    return true;
  }
}

/** The position after the run of decimal digits at `pos`. */
function digits(bytes: Buffer, pos: number, end: number): number {
  while (pos < end) {
    const c = bytes[pos]!;
    if (c < 0x30 || c > 0x39) break;
    pos++;
  }
  return pos;
}
