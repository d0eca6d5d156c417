/** IPIP and VXLAN encapsulation, as layer lists that frame() accepts. */
import { put32, type Ip4Input, type MacInput } from './bytes.js';
import { eth, ipv4, IPPROTO_IPIP, type Ipv4Options, type Layer, type LayerInput } from './build.js';
import { udp } from './l4.js';
import { applyOverrides, VXLAN_LAYOUT, type Overrides } from './layout.js';

export const VXLAN_PORT = 4789;

/** Outer IPv4 header (proto 4) around an inner IPv4 packet: frame(eth(...), ipip({ src, dst }, inner)). */
export function ipip(outer: Omit<Ipv4Options, 'proto'> & { proto?: number }, inner: Uint8Array): LayerInput[] {
  return [ipv4({ proto: IPPROTO_IPIP, ...outer }), inner];
}

export interface VxlanHeaderOptions {
  vni: number;
  /** 0x08: the I flag, "VNI is valid" */
  flags?: number;
  override?: Overrides<typeof VXLAN_LAYOUT>;
}

/** The 8-byte VXLAN header alone, for hand-made stacks such as VXLAN on a non-standard port. */
export function vxlanHeader(o: VxlanHeaderOptions): Layer {
  return {
    kind: 'vxlan',
    encode(inner) {
      const out = new Uint8Array(8 + inner.length);
      out[0] = o.flags ?? 0x08;
      put32(out, 4, (o.vni << 8) >>> 0);
      out.set(inner, 8);
      applyOverrides(out, 0, VXLAN_LAYOUT, o.override);
      return out;
    },
  };
}

export interface VxlanOptions {
  outerSrcMac: MacInput;
  outerDstMac: MacInput;
  outerSrc: Ip4Input;
  outerDst: Ip4Input;
  sport: number;
  dport?: number;
  vni: number;
  /** Linux sends VXLAN over IPv4 with a zero UDP checksum unless told otherwise */
  udpChecksum?: 'zero' | 'compute';
  ttl?: number;
  tos?: number;
  id?: number;
  df?: boolean;
}

/** A whole VXLAN frame around an inner Ethernet frame: frame(vxlan({...}, inner)). */
export function vxlan(o: VxlanOptions, innerFrame: Uint8Array): LayerInput[] {
  return [
    eth({ dst: o.outerDstMac, src: o.outerSrcMac }),
    ipv4({ src: o.outerSrc, dst: o.outerDst, ttl: o.ttl, tos: o.tos, id: o.id, df: o.df }),
    udp({ sport: o.sport, dport: o.dport ?? VXLAN_PORT, checksum: o.udpChecksum ?? 'zero' }),
    vxlanHeader({ vni: o.vni }),
    innerFrame,
  ];
}
