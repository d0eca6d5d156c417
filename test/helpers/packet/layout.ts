/**
 * Header field layouts: one table per header, used to apply overrides to built packets, to locate
 * fields when parsing, and to name the field at a differing offset in hexDiff.
 */
import { get16, get32, ip4ToString, macToString, put16, put32, toIp4Bytes, toMacBytes } from './bytes.js';

export type FieldFormat = 'num' | 'mac' | 'ip4' | 'bytes';

export interface FieldSpec {
  readonly name: string;
  /** byte offset from the start of the header */
  readonly offset: number;
  /** bytes in the big-endian container holding the field (1, 2 or 4 for numbers) */
  readonly size: number;
  /** bit mask within the container, for fields narrower than it (IHL, DF, VNI, ...) */
  readonly mask?: number;
  readonly format?: FieldFormat;
}

export type FieldValue = number | boolean | string | Uint8Array;

/** Keeps the literal name in the type, so overrides are checked against real field names. */
const f = <N extends string>(name: N, offset: number, size: number, mask?: number, format?: FieldFormat): FieldSpec & { readonly name: N } =>
  mask === undefined ? { name, offset, size, format } : { name, offset, size, mask, format };

export const ETH_LAYOUT = [f('dst', 0, 6, undefined, 'mac'), f('src', 6, 6, undefined, 'mac'), f('type', 12, 2)] as const;

export const ARP_LAYOUT = [
  f('htype', 0, 2), f('ptype', 2, 2), f('hlen', 4, 1), f('plen', 5, 1), f('op', 6, 2),
  f('sha', 8, 6, undefined, 'mac'), f('spa', 14, 4, undefined, 'ip4'),
  f('tha', 18, 6, undefined, 'mac'), f('tpa', 24, 4, undefined, 'ip4'),
] as const;

export const IPV4_LAYOUT = [
  f('version', 0, 1, 0xf0), f('ihl', 0, 1, 0x0f), f('tos', 1, 1), f('totalLength', 2, 2), f('id', 4, 2),
  f('reservedFlag', 6, 2, 0x8000), f('df', 6, 2, 0x4000), f('mf', 6, 2, 0x2000), f('fragOffset', 6, 2, 0x1fff),
  f('ttl', 8, 1), f('proto', 9, 1), f('checksum', 10, 2),
  f('src', 12, 4, undefined, 'ip4'), f('dst', 16, 4, undefined, 'ip4'),
] as const;

export const TCP_LAYOUT = [
  f('sport', 0, 2), f('dport', 2, 2), f('seq', 4, 4), f('ack', 8, 4),
  f('dataOffset', 12, 1, 0xf0), f('reserved', 12, 1, 0x0f), f('flags', 13, 1),
  f('window', 14, 2), f('checksum', 16, 2), f('urgent', 18, 2),
] as const;

export const UDP_LAYOUT = [f('sport', 0, 2), f('dport', 2, 2), f('length', 4, 2), f('checksum', 6, 2)] as const;

const ICMP_COMMON = [f('type', 0, 1), f('code', 1, 1), f('checksum', 2, 2)] as const;
export const ICMP_ECHO_LAYOUT = [...ICMP_COMMON, f('id', 4, 2), f('seq', 6, 2)] as const;
/** Destination unreachable, fragmentation needed (type 3 code 4): RFC 1191 next-hop MTU in the low half. */
export const ICMP_FRAG_NEEDED_LAYOUT = [...ICMP_COMMON, f('unused', 4, 2), f('mtu', 6, 2)] as const;
/** Other errors: the 4 bytes after the checksum (unused, pointer or gateway depending on type). */
export const ICMP_ERROR_LAYOUT = [...ICMP_COMMON, f('rest', 4, 4)] as const;

export const VXLAN_LAYOUT = [
  f('flags', 0, 1), f('reserved1', 0, 4, 0x00ffffff), f('vni', 4, 4, 0xffffff00), f('reserved2', 4, 4, 0x000000ff),
] as const;

type NamesOf<T extends readonly FieldSpec[]> = T[number]['name'];
export type Overrides<T extends readonly FieldSpec[]> = Partial<Record<NamesOf<T>, FieldValue>>;

function shiftOf(mask: number): number {
  let s = 0;
  while (s < 32 && ((mask >>> s) & 1) === 0) s++;
  return s;
}

function readContainer(b: Uint8Array, at: number, size: number): number {
  return size === 1 ? b[at]! : size === 2 ? get16(b, at) : get32(b, at);
}

function writeContainer(b: Uint8Array, at: number, size: number, v: number): void {
  if (size === 1) b[at] = v & 0xff;
  else if (size === 2) put16(b, at, v);
  else put32(b, at, v);
}

/** Reads a field of a header that starts at `base`; addresses come back as strings. */
export function readField(b: Uint8Array, base: number, spec: FieldSpec): number | string {
  const at = base + spec.offset;
  if (spec.format === 'mac') return macToString(b, at);
  if (spec.format === 'ip4') return ip4ToString(b, at);
  const container = readContainer(b, at, spec.size);
  return spec.mask === undefined ? container : ((container & spec.mask) >>> 0) >>> shiftOf(spec.mask);
}

/** Writes a field in place; values wider than the field are cut to its bits. */
export function writeField(b: Uint8Array, base: number, spec: FieldSpec, value: FieldValue): void {
  const at = base + spec.offset;
  if (spec.format === 'mac' && typeof value !== 'number' && typeof value !== 'boolean') {
    b.set(toMacBytes(value), at);
    return;
  }
  if (spec.format === 'ip4' && typeof value !== 'boolean') {
    b.set(toIp4Bytes(value), at);
    return;
  }
  if (typeof value === 'string' || value instanceof Uint8Array) throw new Error(`field ${spec.name} takes a number`);
  const n = typeof value === 'boolean' ? Number(value) : value;
  if (spec.mask === undefined) {
    writeContainer(b, at, spec.size, n);
    return;
  }
  const old = readContainer(b, at, spec.size);
  const updated = ((old & ~spec.mask) | ((n << shiftOf(spec.mask)) & spec.mask)) >>> 0;
  writeContainer(b, at, spec.size, updated);
}

/** Applies builder overrides after checksums were computed, so the packet stays deliberately broken. */
export function applyOverrides(b: Uint8Array, base: number, layout: readonly FieldSpec[], overrides: Record<string, FieldValue | undefined> | undefined): void {
  if (!overrides) return;
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const spec = layout.find((s) => s.name === name);
    if (!spec) throw new Error(`no field '${name}' (have ${layout.map((s) => s.name).join(', ')})`);
    writeField(b, base, spec, value);
  }
}

/** Width in hex digits of a field's value, for messages such as 'got 0x3f want 0x40'. */
export function hexDigits(spec: Pick<FieldSpec, 'size' | 'mask'>): number {
  if (spec.mask === undefined) return spec.size * 2;
  const bits = (spec.mask >>> shiftOf(spec.mask)).toString(2).length;
  return Math.ceil(bits / 4);
}
