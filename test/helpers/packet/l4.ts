/** TCP, UDP and ICMP builders; TCP/UDP checksums cover the IPv4 pseudo-header of the enclosing ipv4(). */
import { concat, csum16, onesComplementSum, payloadBytes, put16, put32, type PayloadInput } from './bytes.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, type EncodeContext, type Layer } from './build.js';
import { applyOverrides, ICMP_ECHO_LAYOUT, ICMP_ERROR_LAYOUT, ICMP_FRAG_NEEDED_LAYOUT, TCP_LAYOUT, UDP_LAYOUT, type FieldSpec, type FieldValue, type Overrides } from './layout.js';

function pseudoHeaderSum(ctx: EncodeContext, proto: number, length: number, who: string): number {
  if (!ctx.ip) throw new Error(`${who}: the checksum needs an enclosing ipv4() layer (or pass checksum: 'zero' / a number)`);
  const pseudo = new Uint8Array(12);
  pseudo.set(ctx.ip.src, 0);
  pseudo.set(ctx.ip.dst, 4);
  pseudo[9] = proto;
  put16(pseudo, 10, length);
  return onesComplementSum(pseudo);
}

export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;
export type TcpFlagName = keyof typeof TCP_FLAGS;

/** 'SYN|ACK' (any case, separated by | , or space) or a number. */
export function tcpFlags(flags: number | string): number {
  if (typeof flags === 'number') return flags;
  let bits = 0;
  for (const name of flags.split(/[|,\s]+/).filter(Boolean)) {
    const bit = TCP_FLAGS[name.toUpperCase() as TcpFlagName];
    if (bit === undefined) throw new Error(`unknown TCP flag '${name}'`);
    bits |= bit;
  }
  return bits;
}

export function tcpFlagNames(bits: number): string {
  return (Object.keys(TCP_FLAGS) as TcpFlagName[]).filter((n) => bits & TCP_FLAGS[n]).join('|') || 'none';
}

/** Common TCP options, to concatenate into tcp({ options: [...] }). */
export const tcpOpt = {
  eol: (): Uint8Array => Uint8Array.of(0),
  nop: (): Uint8Array => Uint8Array.of(1),
  mss: (mss: number): Uint8Array => Uint8Array.of(2, 4, mss >>> 8, mss & 0xff),
  wscale: (shift: number): Uint8Array => Uint8Array.of(3, 3, shift),
  sackOk: (): Uint8Array => Uint8Array.of(4, 2),
  timestamps: (value: number, echo: number): Uint8Array => {
    const b = Uint8Array.of(8, 10, 0, 0, 0, 0, 0, 0, 0, 0);
    put32(b, 2, value);
    put32(b, 6, echo);
    return b;
  },
};

export interface TcpOptions {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags: number | string;
  window?: number;
  urgent?: number;
  /** option bytes (or a list of tcpOpt.* pieces), zero-padded to a multiple of 4; data offset follows */
  options?: PayloadInput | readonly Uint8Array[];
  payload?: PayloadInput;
  /** a number is written as is instead of the computed checksum */
  checksum?: 'compute' | number;
  override?: Overrides<typeof TCP_LAYOUT>;
}

export function tcp(o: TcpOptions): Layer {
  const opts = Array.isArray(o.options) && o.options[0] instanceof Uint8Array
    ? concat(...(o.options as Uint8Array[]))
    : payloadBytes(o.options as PayloadInput | undefined);
  const optLen = Math.ceil(opts.length / 4) * 4;
  if (optLen > 40) throw new Error(`tcp: options are ${opts.length} bytes, at most 40 fit`);
  return {
    kind: 'tcp',
    ipProto: IPPROTO_TCP,
    encode(inner, ctx) {
      const hdrLen = 20 + optLen;
      const seg = concat(new Uint8Array(hdrLen), payloadBytes(o.payload), inner);
      put16(seg, 0, o.sport);
      put16(seg, 2, o.dport);
      put32(seg, 4, o.seq ?? 0);
      put32(seg, 8, o.ack ?? 0);
      seg[12] = (hdrLen / 4) << 4;
      seg[13] = tcpFlags(o.flags);
      put16(seg, 14, o.window ?? 65535);
      put16(seg, 18, o.urgent ?? 0);
      seg.set(opts, 20);
      const sum = o.checksum === undefined || o.checksum === 'compute'
        ? csum16(seg, pseudoHeaderSum(ctx, IPPROTO_TCP, seg.length, 'tcp'))
        : o.checksum;
      put16(seg, 16, sum);
      applyOverrides(seg, 0, TCP_LAYOUT, o.override);
      return seg;
    },
  };
}

export interface UdpOptions {
  sport: number;
  dport: number;
  payload?: PayloadInput;
  /** 'zero' means no checksum (allowed over IPv4, as VXLAN senders do); a number is written as is */
  checksum?: 'compute' | 'zero' | number;
  override?: Overrides<typeof UDP_LAYOUT>;
}

export function udp(o: UdpOptions): Layer {
  return {
    kind: 'udp',
    ipProto: IPPROTO_UDP,
    encode(inner, ctx) {
      const dgram = concat(new Uint8Array(8), payloadBytes(o.payload), inner);
      put16(dgram, 0, o.sport);
      put16(dgram, 2, o.dport);
      put16(dgram, 4, dgram.length);
      const mode = o.checksum ?? 'compute';
      let sum = 0;
      if (mode === 'compute') {
        // A computed 0 is sent as 0xffff: 0 on the wire means "no checksum".
        sum = csum16(dgram, pseudoHeaderSum(ctx, IPPROTO_UDP, dgram.length, 'udp')) || 0xffff;
      } else if (typeof mode === 'number') sum = mode;
      put16(dgram, 6, sum);
      applyOverrides(dgram, 0, UDP_LAYOUT, o.override);
      return dgram;
    },
  };
}

/** ICMP message: 8-byte header (type, code, checksum, 4 type-specific bytes), then body and inner layers. */
function icmpMessage(head: Uint8Array, body: Uint8Array, layout: readonly FieldSpec[], override: Record<string, FieldValue | undefined> | undefined, checksum: 'compute' | number | undefined): Layer {
  return {
    kind: 'icmp',
    ipProto: IPPROTO_ICMP,
    encode(inner) {
      const msg = concat(head, body, inner);
      put16(msg, 2, checksum === undefined || checksum === 'compute' ? csum16(msg) : checksum);
      applyOverrides(msg, 0, layout, override);
      return msg;
    },
  };
}

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_FRAG_NEEDED_CODE = 4;

export interface IcmpEchoOptions {
  type: 8 | 0;
  code?: number;
  id: number;
  seq: number;
  payload?: PayloadInput;
  checksum?: 'compute' | number;
  override?: Overrides<typeof ICMP_ECHO_LAYOUT>;
}

export function icmpEcho(o: IcmpEchoOptions): Layer {
  const head = new Uint8Array(8);
  head[0] = o.type;
  head[1] = o.code ?? 0;
  put16(head, 4, o.id);
  put16(head, 6, o.seq);
  return icmpMessage(head, payloadBytes(o.payload), ICMP_ECHO_LAYOUT, o.override, o.checksum);
}

export interface IcmpErrorOptions {
  /** 3 destination unreachable, 11 time exceeded, 12 parameter problem, ... */
  type: number;
  code: number;
  /** next-hop MTU for type 3 code 4 (fragmentation needed), in the low 16 bits of the 4 spare bytes */
  mtu?: number;
  /** the 4 spare bytes as a u32 (pointer, gateway, ...); default 0 */
  rest?: number;
  /** quoted datagram: the offending IPv4 header plus at least 8 bytes of its payload */
  original: Uint8Array;
  checksum?: 'compute' | number;
  override?: Overrides<typeof ICMP_ERROR_LAYOUT> & Overrides<typeof ICMP_FRAG_NEEDED_LAYOUT>;
}

export function icmpError(o: IcmpErrorOptions): Layer {
  const fragNeeded = o.type === ICMP_DEST_UNREACH && o.code === ICMP_FRAG_NEEDED_CODE;
  if (o.mtu !== undefined && !fragNeeded) throw new Error('icmpError: mtu only applies to type 3 code 4');
  const head = new Uint8Array(8);
  head[0] = o.type;
  head[1] = o.code;
  put32(head, 4, o.rest ?? 0);
  if (o.mtu !== undefined) put16(head, 6, o.mtu);
  const layout = fragNeeded ? [...ICMP_FRAG_NEEDED_LAYOUT, ...ICMP_ERROR_LAYOUT.slice(3)] : ICMP_ERROR_LAYOUT;
  return icmpMessage(head, o.original, layout, o.override, o.checksum);
}
