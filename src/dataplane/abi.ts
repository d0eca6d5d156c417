/**
 * TypeScript mirror of bpf/include/abi.h. test/bpf/abi-layout.test.ts checks every struct here
 * against the BTF of the compiled object, so keep field order and padding exactly as in C.
 */
import { be16, cstring, ipv4, mac, pad, struct, u16, u32, u64, u8, type StructValue } from './codec.js';

export const HOST_MAC = 'ee:ee:ee:ee:ee:ee';

// struct tt_ep_key { __be32 addr; }
export const EpKey = struct({ addr: ipv4 });

export const EpFlags = {
  LearnMac: 0x1,
  /** the IP has floating IPs: its packets may need SNAT */
  Nat: 0x2,
  /** in a natOutgoing pool: flows from outside every pool go through the kernel (conntrack) */
  NatOut: 0x4,
} as const;

// struct tt_ep_value { __u32 ifindex; __u32 flags; __u8 mac[6]; __u8 _pad[2]; }
export const EpValue = struct({ ifindex: u32, flags: u32, mac, _pad: pad(2) });

export const IfFlags = {
  Workload: 0x1,
  Uplink: 0x2,
  Tcx: 0x4,
  Tc: 0x8,
} as const;

// struct tt_ifstate { __u32 flags; char name[16]; }
export const IfState = struct({ flags: u32, name: cstring(16) });

// struct tt_config (.rodata)
export const Config = struct({
  flags: u32,
  hostIp: ipv4,
  uplinkIfindex: u32,
  uplinkMtu: u32,
  uplinkMac: mac,
  vtepMac: mac,
  vxlanVni: u32,
  vxlanPort: u16,
  _pad: pad(2),
});

// struct tt_route_key { __u32 prefix_len; __be32 addr; }
export const RouteKey = struct({ prefixLen: u32, addr: ipv4 });

/** enum tt_route_type */
export const RouteType = {
  Unknown: 0,
  Pool: 1,
  LocalBlock: 2,
  RemoteBlock: 3,
  RemoteWorkload: 4,
  LocalHost: 5,
  RemoteHost: 6,
  LocalNat: 7,
} as const;
export type RouteTypeName = keyof typeof RouteType;

/** enum tt_route_flags */
export const RouteFlags = {
  InPool: 0x1,
  NatOut: 0x2,
  Ipip: 0x4,
  Vxlan: 0x8,
  SameSubnet: 0x10,
} as const;

// struct tt_route { __u32 type; __u32 flags; __be32 next_hop; __u32 ifindex; }
export const Route = struct({ type: u32, flags: u32, nextHop: ipv4, ifindex: u32 });

/** The neighbours map holds remote VTEP MACs under this pseudo-ifindex. */
export const NEIGH_VTEP_IFINDEX = 0;

// struct tt_neigh_key { __u32 ifindex; __be32 addr; }
export const NeighKey = struct({ ifindex: u32, addr: ipv4 });

/** Kernel NUD_* states, named as `ip neigh` prints them. */
export const NudState = {
  INCOMPLETE: 0x01,
  REACHABLE: 0x02,
  STALE: 0x04,
  DELAY: 0x08,
  PROBE: 0x10,
  FAILED: 0x20,
  NOARP: 0x40,
  PERMANENT: 0x80,
} as const;

// struct tt_neigh { __u8 mac[6]; __u16 state; }
export const Neigh = struct({ mac, state: u16 });

/** enum tt_nat_dir */
export const NatDir = { Dnat: 0, Snat: 1 } as const;

// struct tt_nat_key { __u32 dir; __be32 addr; }
export const NatKey = struct({ dir: u32, addr: ipv4 });

// struct tt_nat_value { __be32 addr; __u32 _pad; }
export const NatValue = struct({ addr: ipv4, _pad: pad(4) });

// struct tt_nat_ct_key { __be32 int_addr; __be32 peer_addr; __be16 int_port; __be16 peer_port; __u8 proto; __u8 _pad[3]; }
export const NatCtKey = struct({ intAddr: ipv4, peerAddr: ipv4, intPort: be16, peerPort: be16, proto: u8, _pad: pad(3) });

// struct tt_nat_ct_value { __be32 ext_addr; __u32 _pad; }
export const NatCtValue = struct({ extAddr: ipv4, _pad: pad(4) });
/** In a NatCtKey's proto: an entry for a datagram the pod sent in fragments (intPort is its IP id), TT_CT_FRAGMENTS in abi.h. */
export const NAT_CT_FRAGMENTS = 0x80;

// struct tt_fwd_key { __be32 addr; }
export const FwdKey = struct({ addr: ipv4 });

// struct tt_fwd_entry { __u64 epoch; __u32 flags; __be32 next_hop; __u8 nh_mac[6]; __u8 vtep_mac[6]; __u8 _pad[4]; }
export const FwdEntry = struct({ epoch: u64, flags: u32, nextHop: ipv4, nhMac: mac, vtepMac: mac, _pad: pad(4) });

// struct tt_test_rec (test build only)
export const TestRec = struct({ kind: u32, ifindex: u32, flags: u64 });

export const RedirectKind = { None: 0, Plain: 1, Peer: 2, Neigh: 3 } as const;

/** enum tt_reason; numbers are never reused. */
export const Reason = {
  Passed: 0,
  FwdLocal: 1,
  ArpReplied: 2,
  DropSpoofIp: 3,
  DropSpoofArp: 4,
  DropMalformed: 5,
  PassedTtl: 6,
  PassedNonIp: 7,
  PassedArp: 8,
  HepPassed: 9,
  EncapIpip: 10,
  EncapVxlan: 11,
  FwdRemote: 12,
  DecapIpip: 13,
  DecapVxlan: 14,
  FwdFromRemote: 15,
  FragNeeded: 16,
  DropNoRoute: 17,
  DropBlackhole: 18,
  DropTunnelSrc: 19,
  DropNoVtep: 20,
  DropEncap: 21,
  HepEncapIpip: 22,
  HepEncapVxlan: 23,
  ToHepPassed: 24,
  NatDnat: 25,
  NatSnat: 26,
  NatHairpin: 27,
  NatIcmpError: 28,
  FwdTransit: 29,
  DropNatNoEp: 30,
  ToWepPassed: 31,
  PassedConntrack: 32,
} as const;
export type ReasonName = keyof typeof Reason;
export const REASON_SLOTS = 64; // TT_R_MAX

export interface ReasonInfo {
  /** Nat: a translation, counted besides the packet's own verdict (so not part of packet totals). */
  category: 'Accepted' | 'Dropped' | 'Redirect' | 'Passed' | 'Nat';
  caption: string;
}

/** How the CLI and metrics describe each reason. */
export const REASON_INFO: Record<ReasonName, ReasonInfo> = {
  Passed: { category: 'Passed', caption: 'to the kernel stack' },
  FwdLocal: { category: 'Redirect', caption: 'to a local pod (peer)' },
  ArpReplied: { category: 'Redirect', caption: 'ARP replies sent' },
  DropSpoofIp: { category: 'Dropped', caption: 'spoofed source IP' },
  DropSpoofArp: { category: 'Dropped', caption: 'spoofed ARP sender' },
  DropMalformed: { category: 'Dropped', caption: 'malformed or truncated' },
  PassedTtl: { category: 'Passed', caption: 'TTL expiring (kernel sends ICMP)' },
  PassedNonIp: { category: 'Passed', caption: 'not IPv4 or ARP' },
  PassedArp: { category: 'Passed', caption: 'ARP for the kernel' },
  HepPassed: { category: 'Passed', caption: 'arrived on the uplink' },
  EncapIpip: { category: 'Redirect', caption: 'to another node in IPIP' },
  EncapVxlan: { category: 'Redirect', caption: 'to another node in VXLAN' },
  FwdRemote: { category: 'Redirect', caption: 'to another node, unencapsulated' },
  DecapIpip: { category: 'Redirect', caption: 'from another node in IPIP, to a pod' },
  DecapVxlan: { category: 'Redirect', caption: 'from another node in VXLAN, to a pod' },
  FwdFromRemote: { category: 'Redirect', caption: 'from another node, unencapsulated, to a pod' },
  FragNeeded: { category: 'Dropped', caption: 'too big to encapsulate (ICMP frag-needed sent)' },
  DropNoRoute: { category: 'Dropped', caption: 'no path to the next hop' },
  DropBlackhole: { category: 'Dropped', caption: 'to a local block with no such endpoint' },
  DropTunnelSrc: { category: 'Dropped', caption: 'tunnel packet from an unknown host' },
  DropNoVtep: { category: 'Dropped', caption: 'VXLAN peer with no known VTEP MAC' },
  DropEncap: { category: 'Dropped', caption: 'encapsulation helper failed' },
  HepEncapIpip: { category: 'Redirect', caption: 'host to another node in IPIP' },
  HepEncapVxlan: { category: 'Redirect', caption: 'host to another node in VXLAN' },
  ToHepPassed: { category: 'Passed', caption: 'leaving on the uplink' },
  NatDnat: { category: 'Nat', caption: 'floating IP -> pod (DNAT)' },
  NatSnat: { category: 'Nat', caption: 'pod -> its floating IP (SNAT)' },
  NatHairpin: { category: 'Nat', caption: 'pod to its own floating IP (both)' },
  NatIcmpError: { category: 'Nat', caption: 'ICMP error, outer and quoted headers' },
  FwdTransit: { category: 'Redirect', caption: 'from the uplink on to another node' },
  DropNatNoEp: { category: 'Dropped', caption: 'floating IP whose pod is not here' },
  ToWepPassed: { category: 'Passed', caption: 'kernel to a pod, untouched' },
  PassedConntrack: { category: 'Passed', caption: 'outside to a natOutgoing pod, via conntrack' },
};


export type EndpointKey = StructValue<(typeof EpKey)['fields']>;
export type Endpoint = StructValue<(typeof EpValue)['fields']>;
export type IfStateValue = StructValue<(typeof IfState)['fields']>;
export type DataplaneConfig = StructValue<(typeof Config)['fields']>;
export type TestRecValue = StructValue<(typeof TestRec)['fields']>;
export type RouteKeyValue = StructValue<(typeof RouteKey)['fields']>;
export type RouteValue = StructValue<(typeof Route)['fields']>;
export type NeighKeyValue = StructValue<(typeof NeighKey)['fields']>;
export type NeighValue = StructValue<(typeof Neigh)['fields']>;
export type NatKeyValue = StructValue<(typeof NatKey)['fields']>;
export type NatValueValue = StructValue<(typeof NatValue)['fields']>;
export type NatCtKeyValue = StructValue<(typeof NatCtKey)['fields']>;
export type NatCtValueValue = StructValue<(typeof NatCtValue)['fields']>;
export type FwdKeyValue = StructValue<(typeof FwdKey)['fields']>;
export type FwdEntryValue = StructValue<(typeof FwdEntry)['fields']>;
