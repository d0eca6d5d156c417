/**
 * Composable frame builders. Each builder returns a Layer; frame() encodes them innermost first so
 * lengths, EtherType/protocol numbers and checksums follow from what is inside:
 *
 *   frame(eth({ dst, src }), ipv4({ src, dst }), udp({ sport, dport, payload: 'hi' }))
 *
 * Overrides (`override: { ihl: 4 }`) are written after checksums, to build deliberately broken packets.
 */
import { concat, csum16, payloadBytes, put16, toIp4Bytes, toMacBytes, type Ip4Input, type MacInput, type PayloadInput } from './bytes.js';
import { applyOverrides, ARP_LAYOUT, ETH_LAYOUT, IPV4_LAYOUT, type Overrides } from './layout.js';

export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export type LayerKind = 'eth' | 'arp' | 'ipv4' | 'tcp' | 'udp' | 'icmp' | 'vxlan' | 'raw';

export interface EncodeContext {
  /** the layer right inside this one, if any */
  readonly next: Layer | undefined;
  /** addresses of the nearest enclosing IPv4 header, for the L4 pseudo-header */
  readonly ip: { readonly src: Uint8Array; readonly dst: Uint8Array } | undefined;
}

export interface Layer {
  readonly kind: LayerKind;
  /** EtherType an enclosing Ethernet header should carry */
  readonly etherType?: number;
  /** protocol number an enclosing IPv4 header should carry */
  readonly ipProto?: number;
  /** this layer's bytes wrapped around the already encoded inner bytes */
  encode(inner: Uint8Array, ctx: EncodeContext): Uint8Array;
}

/** Layers, raw bytes (already encoded inner packets or payload), or nested lists of either. */
export type LayerInput = Layer | Uint8Array | readonly LayerInput[];

function flatten(inputs: readonly LayerInput[], out: Layer[] = []): Layer[] {
  for (const input of inputs) {
    if (input instanceof Uint8Array) out.push(raw(input));
    else if (Array.isArray(input)) flatten(input as readonly LayerInput[], out);
    else out.push(input as Layer);
  }
  return out;
}

/** Encodes layers outermost first, e.g. frame(eth(...), ipv4(...), tcp(...)). */
export function frame(...layers: LayerInput[]): Uint8Array {
  const flat = flatten(layers);
  // Each L4 layer checksums against the closest IPv4 header outside it.
  const ipOf: (EncodeContext['ip'])[] = [];
  let current: EncodeContext['ip'];
  for (const layer of flat) {
    ipOf.push(current);
    if (layer instanceof Ipv4Layer) current = { src: layer.src, dst: layer.dst };
  }
  let bytes: Uint8Array = new Uint8Array(0);
  for (let i = flat.length - 1; i >= 0; i--) bytes = flat[i]!.encode(bytes, { next: flat[i + 1], ip: ipOf[i] });
  return bytes;
}

/** Same as frame(); reads better for a bare IPv4 packet, e.g. the inner packet of ipip(). */
export const packet = frame;

/** Opaque bytes: a payload, or an inner packet built earlier. */
export function raw(bytes: PayloadInput): Layer {
  const data = payloadBytes(bytes);
  return { kind: 'raw', encode: (inner) => concat(data, inner) };
}

export interface EthOptions {
  dst: MacInput;
  src: MacInput;
  /** defaults to the type of the next layer (IPv4, ARP) */
  type?: number;
  override?: Overrides<typeof ETH_LAYOUT>;
}

export function eth(o: EthOptions): Layer {
  const dst = toMacBytes(o.dst);
  const src = toMacBytes(o.src);
  return {
    kind: 'eth',
    encode(inner, ctx) {
      const type = o.type ?? ctx.next?.etherType;
      if (type === undefined) throw new Error('eth: pass type, the next layer does not imply one');
      const hdr = new Uint8Array(14);
      hdr.set(dst, 0);
      hdr.set(src, 6);
      put16(hdr, 12, type);
      const out = concat(hdr, inner);
      applyOverrides(out, 0, ETH_LAYOUT, o.override);
      return out;
    },
  };
}

export interface ArpOptions {
  op: 1 | 2 | 'request' | 'reply';
  sha: MacInput;
  spa: Ip4Input;
  tha: MacInput;
  tpa: Ip4Input;
  override?: Overrides<typeof ARP_LAYOUT>;
}

/** Ethernet/IPv4 ARP, 28 bytes. */
export function arp(o: ArpOptions): Layer {
  const op = o.op === 'request' ? 1 : o.op === 'reply' ? 2 : o.op;
  return {
    kind: 'arp',
    etherType: ETH_P_ARP,
    encode(inner) {
      const b = new Uint8Array(28);
      put16(b, 0, 1); // Ethernet
      put16(b, 2, ETH_P_IP);
      b[4] = 6;
      b[5] = 4;
      put16(b, 6, op);
      b.set(toMacBytes(o.sha), 8);
      b.set(toIp4Bytes(o.spa), 14);
      b.set(toMacBytes(o.tha), 18);
      b.set(toIp4Bytes(o.tpa), 24);
      const out = concat(b, inner);
      applyOverrides(out, 0, ARP_LAYOUT, o.override);
      return out;
    },
  };
}

export interface Ipv4Options {
  src: Ip4Input;
  dst: Ip4Input;
  ttl?: number;
  tos?: number;
  id?: number;
  df?: boolean;
  mf?: boolean;
  fragOffset?: number;
  /** defaults to the protocol of the next layer (TCP, UDP, ICMP, IPv4 for IPIP) */
  proto?: number;
  /** raw option bytes, zero-padded to a multiple of 4; IHL follows */
  options?: PayloadInput;
  override?: Overrides<typeof IPV4_LAYOUT>;
}

class Ipv4Layer implements Layer {
  readonly kind = 'ipv4';
  readonly etherType = ETH_P_IP;
  readonly ipProto = IPPROTO_IPIP;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;

  constructor(private readonly o: Ipv4Options) {
    this.src = toIp4Bytes(o.src);
    this.dst = toIp4Bytes(o.dst);
  }

  encode(inner: Uint8Array, ctx: EncodeContext): Uint8Array {
    const o = this.o;
    const proto = o.proto ?? ctx.next?.ipProto;
    if (proto === undefined) throw new Error('ipv4: pass proto, the next layer does not imply one');
    const opts = payloadBytes(o.options);
    const optLen = Math.ceil(opts.length / 4) * 4;
    if (optLen > 40) throw new Error(`ipv4: options are ${opts.length} bytes, at most 40 fit`);
    const hdrLen = 20 + optLen;
    const out = new Uint8Array(hdrLen + inner.length);
    out[0] = 0x40 | (hdrLen / 4);
    out[1] = o.tos ?? 0;
    put16(out, 2, out.length);
    put16(out, 4, o.id ?? 0);
    put16(out, 6, (o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | ((o.fragOffset ?? 0) & 0x1fff));
    out[8] = o.ttl ?? 64;
    out[9] = proto;
    out.set(this.src, 12);
    out.set(this.dst, 16);
    out.set(opts, 20);
    put16(out, 10, csum16(out.subarray(0, hdrLen)));
    out.set(inner, hdrLen);
    applyOverrides(out, 0, IPV4_LAYOUT, o.override);
    return out;
  }
}

export function ipv4(o: Ipv4Options): Layer {
  return new Ipv4Layer(o);
}

/** Copy of the first n bytes, e.g. to model a packet cut short. */
export function truncate(bytes: Uint8Array, n: number): Uint8Array {
  if (n < 0 || n > bytes.length) throw new Error(`truncate: ${n} is outside 0..${bytes.length}`);
  return bytes.slice(0, n);
}
