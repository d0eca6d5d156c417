/**
 * Lenient layered parser: never throws on malformed input, records what is wrong in `problems`,
 * and remembers where every field sits (`fields`) so hexDiff and setField can name and find them.
 */
import { get16, get32, type PayloadInput } from './bytes.js';
import { ETH_P_ARP, ETH_P_IP, IPPROTO_ICMP, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP } from './build.js';
import { VXLAN_PORT } from './encap.js';
import { tcpFlagNames } from './l4.js';
import {
  ARP_LAYOUT, ETH_LAYOUT, ICMP_ECHO_LAYOUT, ICMP_ERROR_LAYOUT, ICMP_FRAG_NEEDED_LAYOUT, IPV4_LAYOUT,
  readField, TCP_LAYOUT, writeField, type FieldValue, UDP_LAYOUT, VXLAN_LAYOUT, type FieldFormat, type FieldSpec,
} from './layout.js';

export interface FieldLocation {
  /** e.g. 'ipv4.ttl', 'inner.tcp.dport', 'icmp.original.ipv4.dst', 'udp.payload' */
  readonly path: string;
  /** absolute offset in the parsed bytes */
  readonly offset: number;
  readonly size: number;
  readonly mask?: number;
  readonly format?: FieldFormat;
}

export interface EthInfo { dst: string; src: string; type: number }
export interface ArpInfo { htype: number; ptype: number; hlen: number; plen: number; op: number; sha: string; spa: string; tha: string; tpa: string }
export interface Ipv4Info {
  version: number; ihl: number; tos: number; totalLength: number; id: number;
  reservedFlag: number; df: boolean; mf: boolean; fragOffset: number;
  ttl: number; proto: number; checksum: number; src: string; dst: string;
  options: Uint8Array;
}
export interface TcpInfo {
  sport: number; dport: number; seq: number; ack: number; dataOffset: number; reserved: number;
  flags: number; flagNames: string; window: number; checksum: number; urgent: number; options: Uint8Array;
}
export interface UdpInfo { sport: number; dport: number; length: number; checksum: number }
export interface IcmpInfo {
  type: number; code: number; checksum: number;
  /** echo request/reply */
  id?: number; seq?: number;
  /** destination unreachable, fragmentation needed */
  mtu?: number;
  /** the 4 bytes after the checksum as a u32 */
  rest: number;
  /** errors: the quoted datagram, parsed (it is usually cut short, so no problems are reported for it) */
  original?: ParsedLayers;
}
export interface VxlanInfo { flags: number; reserved1: number; vni: number; reserved2: number }

export interface ParsedLayers {
  eth?: EthInfo;
  arp?: ArpInfo;
  ipv4?: Ipv4Info;
  tcp?: TcpInfo;
  udp?: UdpInfo;
  icmp?: IcmpInfo;
  vxlan?: VxlanInfo;
  /** IPIP: the inner packet (starts at ipv4); VXLAN: the inner frame (starts at eth) */
  inner?: ParsedLayers;
  /** bytes after the last header understood (L4 data, or everything after an unknown/broken header) */
  payload: Uint8Array;
  /** bytes after IPv4 total length (Ethernet padding or junk) */
  trailer?: Uint8Array;
  /** absolute offsets of the headers found at this level */
  offsets: Partial<Record<'eth' | 'arp' | 'ipv4' | 'tcp' | 'udp' | 'icmp' | 'vxlan' | 'payload', number>>;
}

export interface ParsedFrame extends ParsedLayers {
  length: number;
  /** every located field, all levels, in offset order */
  fields: FieldLocation[];
  /** malformed or truncated headers, e.g. 'ipv4.totalLength 2000 > 46 bytes present' */
  problems: string[];
}

export interface ParseOptions {
  /** UDP destination ports decoded as VXLAN; default [4789] */
  vxlanPorts?: readonly number[];
}

type Obj<T extends readonly FieldSpec[]> = Record<T[number]['name'], number | string>;

class Walker {
  readonly fields: FieldLocation[] = [];
  readonly problems: string[] = [];
  private quiet = 0;

  constructor(readonly b: Uint8Array, readonly vxlanPorts: readonly number[]) {}

  problem(text: string): void {
    if (this.quiet === 0) this.problems.push(text);
  }

  header<T extends readonly FieldSpec[]>(prefix: string, layer: string, at: number, layout: T): Obj<T> {
    const out: Record<string, number | string> = {};
    for (const spec of layout) {
      this.fields.push({ path: `${prefix}${layer}.${spec.name}`, offset: at + spec.offset, size: spec.size, mask: spec.mask, format: spec.format });
      out[spec.name] = readField(this.b, at, spec);
    }
    return out as Obj<T>;
  }

  region(path: string, from: number, to: number): Uint8Array {
    if (to > from) this.fields.push({ path, offset: from, size: to - from, format: 'bytes' });
    return this.b.slice(from, Math.max(from, to));
  }

  rest(into: ParsedLayers, prefix: string, from: number, to: number, name = 'payload'): ParsedLayers {
    into.payload = this.region(`${prefix}${name}`, from, to);
    into.offsets.payload = from;
    return into;
  }

  eth(prefix: string, at: number, end: number): ParsedLayers {
    const out: ParsedLayers = { payload: new Uint8Array(0), offsets: {} };
    if (end - at < 14) {
      this.problem(`${prefix}eth: truncated, ${end - at} of 14 bytes`);
      return this.rest(out, prefix, at, end);
    }
    out.offsets.eth = at;
    out.eth = this.header(prefix, 'eth', at, ETH_LAYOUT) as EthInfo;
    const type = out.eth.type;
    if (type === ETH_P_IP) return this.ipv4(prefix, at + 14, end, out);
    if (type === ETH_P_ARP) return this.arp(prefix, at + 14, end, out);
    return this.rest(out, prefix, at + 14, end);
  }

  arp(prefix: string, at: number, end: number, out: ParsedLayers): ParsedLayers {
    if (end - at < 28) {
      this.problem(`${prefix}arp: truncated, ${end - at} of 28 bytes`);
      return this.rest(out, prefix, at, end);
    }
    out.offsets.arp = at;
    out.arp = this.header(prefix, 'arp', at, ARP_LAYOUT) as ArpInfo;
    return this.rest(out, prefix, at + 28, end, 'trailer');
  }

  ipv4(prefix: string, at: number, end: number, out: ParsedLayers = { payload: new Uint8Array(0), offsets: {} }): ParsedLayers {
    const avail = end - at;
    if (avail < 20) {
      this.problem(`${prefix}ipv4: truncated, ${avail} of 20 bytes`);
      return this.rest(out, prefix, at, end);
    }
    out.offsets.ipv4 = at;
    const h = this.header(prefix, 'ipv4', at, IPV4_LAYOUT);
    const hdrLen = (h.ihl as number) * 4;
    const info: Ipv4Info = { ...(h as Omit<Ipv4Info, 'df' | 'mf' | 'options'>), df: h.df === 1, mf: h.mf === 1, options: new Uint8Array(0) };
    out.ipv4 = info;
    if (info.version !== 4) {
      this.problem(`${prefix}ipv4.version is ${info.version}, not 4`);
      return this.rest(out, prefix, at + 20, end);
    }
    if (hdrLen < 20) {
      this.problem(`${prefix}ipv4.ihl is ${info.ihl}, below 5`);
      return this.rest(out, prefix, at + 20, end);
    }
    if (hdrLen > avail) {
      this.problem(`${prefix}ipv4.ihl says ${hdrLen} header bytes, ${avail} present`);
      return this.rest(out, prefix, at + 20, end);
    }
    info.options = this.region(`${prefix}ipv4.options`, at + 20, at + hdrLen);
    let l3end = at + info.totalLength;
    if (info.totalLength < hdrLen) {
      this.problem(`${prefix}ipv4.totalLength ${info.totalLength} < header length ${hdrLen}`);
      l3end = end;
    } else if (l3end > end) {
      this.problem(`${prefix}ipv4.totalLength ${info.totalLength} > ${avail} bytes present`);
      l3end = end;
    } else if (l3end < end) {
      out.trailer = this.region(`${prefix}trailer`, l3end, end);
    }
    const l4 = at + hdrLen;
    if (info.fragOffset !== 0) return this.rest(out, prefix, l4, l3end);
    switch (info.proto) {
      case IPPROTO_TCP: return this.tcp(prefix, l4, l3end, out);
      case IPPROTO_UDP: return this.udp(prefix, l4, l3end, out);
      case IPPROTO_ICMP: return this.icmp(prefix, l4, l3end, out);
      case IPPROTO_IPIP:
        out.inner = this.ipv4(`${prefix}inner.`, l4, l3end);
        return out;
      default: return this.rest(out, prefix, l4, l3end);
    }
  }

  tcp(prefix: string, at: number, end: number, out: ParsedLayers): ParsedLayers {
    if (end - at < 20) {
      this.problem(`${prefix}tcp: truncated, ${end - at} of 20 bytes`);
      return this.rest(out, prefix, at, end);
    }
    out.offsets.tcp = at;
    const h = this.header(prefix, 'tcp', at, TCP_LAYOUT);
    const info: TcpInfo = { ...(h as Omit<TcpInfo, 'flagNames' | 'options'>), flagNames: tcpFlagNames(h.flags as number), options: new Uint8Array(0) };
    out.tcp = info;
    const hdrLen = info.dataOffset * 4;
    if (hdrLen < 20 || hdrLen > end - at) {
      this.problem(`${prefix}tcp.dataOffset is ${info.dataOffset} (${hdrLen} bytes), ${end - at} bytes present`);
      return this.rest(out, `${prefix}tcp.`, at + 20, end);
    }
    info.options = this.region(`${prefix}tcp.options`, at + 20, at + hdrLen);
    return this.rest(out, `${prefix}tcp.`, at + hdrLen, end);
  }

  udp(prefix: string, at: number, end: number, out: ParsedLayers): ParsedLayers {
    if (end - at < 8) {
      this.problem(`${prefix}udp: truncated, ${end - at} of 8 bytes`);
      return this.rest(out, prefix, at, end);
    }
    out.offsets.udp = at;
    const info = this.header(prefix, 'udp', at, UDP_LAYOUT) as UdpInfo;
    out.udp = info;
    let udpEnd = at + info.length;
    if (info.length < 8 || udpEnd > end) {
      this.problem(`${prefix}udp.length ${info.length} does not fit the ${end - at} bytes present`);
      udpEnd = end;
    } else if (udpEnd < end) {
      this.problem(`${prefix}udp.length ${info.length} < ${end - at} bytes of IPv4 payload`);
      this.region(`${prefix}udp.beyondLength`, udpEnd, end);
    }
    if (this.vxlanPorts.includes(info.dport) && udpEnd - (at + 8) >= 8) {
      out.offsets.vxlan = at + 8;
      out.vxlan = this.header(prefix, 'vxlan', at + 8, VXLAN_LAYOUT) as VxlanInfo;
      out.inner = this.eth(`${prefix}inner.`, at + 16, udpEnd);
      return out;
    }
    return this.rest(out, `${prefix}udp.`, at + 8, udpEnd);
  }

  icmp(prefix: string, at: number, end: number, out: ParsedLayers): ParsedLayers {
    if (end - at < 8) {
      this.problem(`${prefix}icmp: truncated, ${end - at} of 8 bytes`);
      return this.rest(out, prefix, at, end);
    }
    out.offsets.icmp = at;
    const type = this.b[at]!;
    const code = this.b[at + 1]!;
    const rest = get32(this.b, at + 4);
    if (type === 0 || type === 8) {
      out.icmp = { ...(this.header(prefix, 'icmp', at, ICMP_ECHO_LAYOUT) as { type: number; code: number; checksum: number; id: number; seq: number }), rest };
      return this.rest(out, `${prefix}icmp.`, at + 8, end);
    }
    const fragNeeded = type === 3 && code === 4;
    const h = this.header(prefix, 'icmp', at, fragNeeded ? ICMP_FRAG_NEEDED_LAYOUT : ICMP_ERROR_LAYOUT);
    out.icmp = { type, code, checksum: h.checksum as number, rest, ...(fragNeeded ? { mtu: get16(this.b, at + 6) } : {}) };
    if (type === 3 || type === 11 || type === 12 || type === 5) {
      // Quoted datagrams are routinely cut short; their problems are not the outer packet's.
      this.quiet++;
      out.icmp.original = this.ipv4(`${prefix}icmp.original.`, at + 8, end);
      this.quiet--;
      return out;
    }
    return this.rest(out, `${prefix}icmp.`, at + 8, end);
  }
}

function finish(w: Walker, layers: ParsedLayers, length: number): ParsedFrame {
  const fields = [...w.fields].sort((a, b) => a.offset - b.offset);
  return { ...layers, length, fields, problems: w.problems };
}

/** Parses an Ethernet frame, recursing into IPIP, VXLAN and ICMP-quoted packets. */
export function parseFrame(bytes: Uint8Array, opts: ParseOptions = {}): ParsedFrame {
  const w = new Walker(bytes, opts.vxlanPorts ?? [VXLAN_PORT]);
  return finish(w, w.eth('', 0, bytes.length), bytes.length);
}

/** Parses a bare IPv4 packet (no Ethernet header). */
export function parsePacket(bytes: Uint8Array, opts: ParseOptions = {}): ParsedFrame {
  const w = new Walker(bytes, opts.vxlanPorts ?? [VXLAN_PORT]);
  return finish(w, w.ipv4('', 0, bytes.length), bytes.length);
}

/**
 * Copy of `bytes` with one field changed, found by its parsed path ('ipv4.ttl', 'inner.udp.checksum',
 * 'icmp.original.ipv4.dst'); checksums are left alone, so this is how to break a finished packet.
 * Pass `{ packet: true }` for a bare IPv4 packet.
 */
export function setField(bytes: Uint8Array, path: string, value: FieldValue | PayloadInput, opts: ParseOptions & { packet?: boolean } = {}): Uint8Array {
  const parsed = opts.packet ? parsePacket(bytes, opts) : parseFrame(bytes, opts);
  const loc = parsed.fields.find((f) => f.path === path);
  if (!loc) throw new Error(`setField: no field '${path}' in this packet`);
  const out = bytes.slice();
  if (loc.format === 'bytes') {
    const data = typeof value === 'number' || typeof value === 'boolean' ? Uint8Array.of(Number(value)) : typeof value === 'string' ? new TextEncoder().encode(value) : Uint8Array.from(value);
    if (data.length > loc.size) throw new Error(`setField: ${data.length} bytes do not fit ${path} (${loc.size} bytes)`);
    out.set(data, loc.offset);
    return out;
  }
  if (Array.isArray(value)) throw new Error(`setField: ${path} takes a number or address`);
  writeField(out, loc.offset, { name: path, offset: 0, size: loc.size, mask: loc.mask, format: loc.format }, value as FieldValue);
  return out;
}
