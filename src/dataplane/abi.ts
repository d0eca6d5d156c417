/**
 * TypeScript mirror of bpf/include/abi.h. test/bpf/abi-layout.test.ts checks every struct here
 * against the BTF of the compiled object, so keep field order and padding exactly as in C.
 */
import { cstring, ipv4, mac, pad, struct, u32, u64, type StructValue } from './codec.js';

export const HOST_MAC = 'ee:ee:ee:ee:ee:ee';

// struct tt_ep_key { __be32 addr; }
export const EpKey = struct({ addr: ipv4 });

export const EpFlags = {
  LearnMac: 0x1,
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
export const Config = struct({ flags: u32, hostIp: ipv4, uplinkIfindex: u32, _pad: pad(4) });

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
} as const;
export type ReasonName = keyof typeof Reason;
export const REASON_SLOTS = 64; // TT_R_MAX

export interface ReasonInfo {
  category: 'Accepted' | 'Dropped' | 'Redirect' | 'Passed';
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
};


export type EndpointKey = StructValue<(typeof EpKey)['fields']>;
export type Endpoint = StructValue<(typeof EpValue)['fields']>;
export type IfStateValue = StructValue<(typeof IfState)['fields']>;
export type DataplaneConfig = StructValue<(typeof Config)['fields']>;
export type TestRecValue = StructValue<(typeof TestRec)['fields']>;
