/** Byte-level utilities shared by the packet builders, parsers and diff. */

export type MacInput = string | Uint8Array;
/** Dotted quad, 4 bytes, or a host-order u32. */
export type Ip4Input = string | Uint8Array | number;
/** Strings are UTF-8 encoded; number arrays are taken as bytes. */
export type PayloadInput = Uint8Array | string | readonly number[];

export function mac(text: string): Uint8Array {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new Error(`bad MAC address '${text}'`);
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

export function macToString(bytes: Uint8Array, offset = 0): string {
  return Array.from(bytes.subarray(offset, offset + 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function ip4(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`bad IPv4 address '${text}'`);
  return Uint8Array.from(parts, Number);
}

export function ip4ToString(bytes: Uint8Array, offset = 0): string {
  return Array.from(bytes.subarray(offset, offset + 4)).join('.');
}

export function ip4ToU32(ip: string | Uint8Array): number {
  const b = typeof ip === 'string' ? ip4(ip) : ip;
  if (b.length !== 4) throw new Error(`IPv4 address needs 4 bytes, got ${b.length}`);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

export function u32ToIp4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

export function toMacBytes(m: MacInput): Uint8Array {
  if (typeof m === 'string') return mac(m);
  if (m.length !== 6) throw new Error(`MAC address needs 6 bytes, got ${m.length}`);
  return m;
}

export function toIp4Bytes(ip: Ip4Input): Uint8Array {
  if (typeof ip === 'string') return ip4(ip);
  if (typeof ip === 'number') return ip4(u32ToIp4(ip >>> 0));
  if (ip.length !== 4) throw new Error(`IPv4 address needs 4 bytes, got ${ip.length}`);
  return ip;
}

export function payloadBytes(p: PayloadInput | undefined): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  if (typeof p === 'string') return new TextEncoder().encode(p);
  return Uint8Array.from(p);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function get16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

export function get32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

export function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** RFC 1071 one's-complement sum of 16-bit big-endian words (odd tail padded with zero), folded, not inverted. */
export function onesComplementSum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length % 2 === 1) sum += bytes[bytes.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** Internet checksum: one's complement of the one's-complement sum (what goes in the header field). */
export function csum16(bytes: Uint8Array, initialSum = 0): number {
  return ~onesComplementSum(bytes, initialSum) & 0xffff;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Parses hex as printed by tcpdump -xx or hex(); whitespace and ':' are ignored. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new Error(`bad hex string '${text.slice(0, 40)}...'`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
