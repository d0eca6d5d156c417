/**
 * Fixed-layout binary codecs mirroring C structs in bpf/include/abi.h.
 * Host-order integers are little-endian (x86_64/arm64 BPF); fields marked NBO in C use the be* / ipv4 codecs.
 * A daemon's first pass encodes ~15,000 entries, so writes avoid regexes and per-call allocations.
 */
import { parseIPv4 as parseIPv4Number } from '../model/ip.js';

export interface Codec<T> {
  readonly size: number;
  read(view: DataView, offset: number): T;
  write(view: DataView, offset: number, value: T): void;
}

export const u8: Codec<number> = {
  size: 1,
  read: (v, o) => v.getUint8(o),
  write: (v, o, x) => v.setUint8(o, x),
};
export const u16: Codec<number> = {
  size: 2,
  read: (v, o) => v.getUint16(o, true),
  write: (v, o, x) => v.setUint16(o, x, true),
};
export const be16: Codec<number> = {
  size: 2,
  read: (v, o) => v.getUint16(o, false),
  write: (v, o, x) => v.setUint16(o, x, false),
};
export const u32: Codec<number> = {
  size: 4,
  read: (v, o) => v.getUint32(o, true),
  write: (v, o, x) => v.setUint32(o, x, true),
};
export const be32: Codec<number> = {
  size: 4,
  read: (v, o) => v.getUint32(o, false),
  write: (v, o, x) => v.setUint32(o, x, false),
};
export const u64: Codec<bigint> = {
  size: 8,
  read: (v, o) => v.getBigUint64(o, true),
  write: (v, o, x) => v.setBigUint64(o, x, true),
};

/** IPv4 address in network byte order, as a dotted-quad string. */
export const ipv4: Codec<string> = {
  size: 4,
  read: (v, o) => `${v.getUint8(o)}.${v.getUint8(o + 1)}.${v.getUint8(o + 2)}.${v.getUint8(o + 3)}`,
  write: (v, o, x) => v.setUint32(o, ipv4Number(x), false),
};

/** 6-byte MAC as 'aa:bb:cc:dd:ee:ff'. */
export const mac: Codec<string> = {
  size: 6,
  read: (v, o) => {
    const out: string[] = [];
    for (let i = 0; i < 6; i++) out.push(v.getUint8(o + i).toString(16).padStart(2, '0'));
    return out.join(':');
  },
  write: (v, o, x) => {
    if (typeof x !== 'string' || x.length !== 17) throw macError(x);
    for (let i = 0; i < 6; i++) {
      const high = hexDigit(x.charCodeAt(3 * i));
      const low = hexDigit(x.charCodeAt(3 * i + 1));
      if (high < 0 || low < 0 || (i < 5 && x.charCodeAt(3 * i + 2) !== 0x3a)) throw macError(x);
      v.setUint8(o + i, high * 16 + low);
    }
  },
};

const macError = (x: unknown) => new TypeError(`Expected a MAC address like aa:bb:cc:dd:ee:ff but received ${JSON.stringify(x)}`);

/** The value of a hex digit's character code; -1 for anything else. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** NUL-padded fixed-size C string (char name[n]). */
export function cstring(size: number): Codec<string> {
  return {
    size,
    read: (v, o) => {
      let s = '';
      for (let i = 0; i < size; i++) {
        const c = v.getUint8(o + i);
        if (c === 0) break;
        s += String.fromCharCode(c);
      }
      return s;
    },
    write: (v, o, x) => {
      if (x.length >= size) throw new TypeError(`Expected at most ${size - 1} characters but received ${JSON.stringify(x)}`);
      for (let i = 0; i < size; i++) v.setUint8(o + i, i < x.length ? x.charCodeAt(i) : 0);
    },
  };
}

/** Explicit padding: written as zeros, read as nothing. */
export function pad(size: number): Codec<undefined> {
  return {
    size,
    read: () => undefined,
    write: (v, o) => {
      for (let i = 0; i < size; i++) v.setUint8(o + i, 0);
    },
  };
}

type Fields = Record<string, Codec<unknown>>;
type PadKey<F extends Fields> = { [K in keyof F]: F[K] extends Codec<undefined> ? K : never }[keyof F];
export type StructValue<F extends Fields> = {
  [K in Exclude<keyof F, PadKey<F>>]: F[K] extends Codec<infer T> ? T : never;
};

export interface StructCodec<F extends Fields> extends Codec<StructValue<F>> {
  /** byte offset of every field, for the BTF layout test */
  readonly offsets: Readonly<Record<keyof F & string, number>>;
  readonly fields: F;
}

/** Lays fields out in declaration order with no implicit padding: C padding must be spelled out with pad(). */
export function struct<F extends Fields>(fields: F): StructCodec<F> {
  const offsets: Record<string, number> = {};
  // the layout as arrays, made once: read and write run per map entry
  const names: string[] = [];
  const codecs: Array<Codec<unknown>> = [];
  const at: number[] = [];
  let size = 0;
  for (const [name, codec] of Object.entries(fields)) {
    offsets[name] = size;
    names.push(name);
    codecs.push(codec);
    at.push(size);
    size += codec.size;
  }
  return {
    size,
    offsets: offsets as Record<keyof F & string, number>,
    fields,
    read(view, offset) {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) {
        const value = codecs[i]!.read(view, offset + at[i]!);
        if (value !== undefined) out[names[i]!] = value;
      }
      return out as StructValue<F>;
    },
    write(view, offset, value) {
      const record = value as Record<string, unknown>;
      for (let i = 0; i < names.length; i++) codecs[i]!.write(view, offset + at[i]!, record[names[i]!]);
    },
  };
}

export function encode<T>(codec: Codec<T>, value: T): Uint8Array {
  const bytes = new Uint8Array(codec.size);
  codec.write(new DataView(bytes.buffer), 0, value);
  return bytes;
}

export function decode<T>(codec: Codec<T>, bytes: Uint8Array, offset = 0): T {
  return codec.read(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset);
}

export function parseIPv4(text: string): [number, number, number, number] {
  const n = ipv4Number(text);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

/** A dotted quad as a uint32 (leading zeros rejected, as everywhere else); a TypeError otherwise. */
function ipv4Number(text: string): number {
  const n = typeof text === 'string' ? parseIPv4Number(text) : undefined;
  if (n === undefined) throw new TypeError(`Expected an IPv4 address like 10.0.0.1 but received ${JSON.stringify(text)}`);
  return n;
}
