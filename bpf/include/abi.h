/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every struct, enum and flag shared between the BPF programs and TypeScript.
 * TypeScript mirrors this file in src/dataplane/abi.ts; test/bpf/abi-layout.test.ts
 * compares both against the BTF of bpf/build/tortie.o, so a drift fails in CI.
 *
 * Rules: explicit padding, no bitfields, network byte order marked NBO.
 * Reason numbers are never reused: retire one as TT_R_UNUSEDn.
 */
#ifndef TORTIE_ABI_H
#define TORTIE_ABI_H

#include <linux/types.h>

/* MAC of every cali interface, as Calico's CNI sets it. */
#define TT_HOST_MAC_BYTE 0xee

/* ---- endpoints: local workload IP -> where the pod is ---------------------- */
struct tt_ep_key {
	__be32 addr; /* NBO */
};

enum tt_ep_flags {
	TT_EP_F_LEARN_MAC = 0x1, /* pod MAC unknown: learn it from the pod's own frames */
	TT_EP_F_NAT = 0x2,       /* this IP has floating IPs: its packets may need SNAT */
	TT_EP_F_NAT_OUT = 0x4,   /* in a natOutgoing pool: the kernel's conntrack must see flows from outside */
};

struct tt_ep_value {
	__u32 ifindex; /* host-side cali interface */
	__u32 flags;   /* enum tt_ep_flags */
	__u8 mac[6];   /* pod eth0 MAC */
	__u8 _pad[2];
};

/* ---- ifstate: interfaces Tortie manages ------------------------------------ */
enum tt_if_flags {
	TT_IF_F_WORKLOAD = 0x1, /* a cali* interface: tt_from_wep on ingress */
	TT_IF_F_UPLINK = 0x2,   /* the node's uplink: tt_from_hep on ingress */
	TT_IF_F_TCX = 0x4,      /* attached with a tcx link */
	TT_IF_F_TC = 0x8,       /* attached with clsact + cls_bpf */
};

struct tt_ifstate {
	__u32 flags; /* enum tt_if_flags */
	char name[16];
};

/* ---- routes: LPM trie of everything Tortie routes --------------------------- */
struct tt_route_key {
	__u32 prefix_len; /* LPM: bits of addr that count */
	__be32 addr;     /* NBO */
};

enum tt_route_type {
	TT_RT_UNKNOWN = 0,
	TT_RT_POOL = 1,            /* an IP pool's CIDR: in-pool and NAT flags only */
	TT_RT_LOCAL_BLOCK = 2,     /* a block affine to this node: no endpoint => blackhole */
	TT_RT_REMOTE_BLOCK = 3,    /* a block affine to another node: next_hop is that node */
	TT_RT_REMOTE_WORKLOAD = 4, /* a /32 borrowed from a block, living on another node */
	TT_RT_LOCAL_HOST = 5,      /* this node's own IP */
	TT_RT_REMOTE_HOST = 6,     /* another node's IP: a legitimate tunnel source */
	TT_RT_LOCAL_NAT = 7,       /* a floating IP of a pod on this node: DNAT through tt_nat */
};

enum tt_route_flags {
	TT_RF_IN_POOL = 0x1,
	TT_RF_NAT_OUT = 0x2,
	TT_RF_IPIP = 0x4,        /* reach next_hop through IPIP */
	TT_RF_VXLAN = 0x8,       /* reach next_hop through VXLAN */
	TT_RF_SAME_SUBNET = 0x10, /* next_hop is in the uplink's subnet (CrossSubnet sent it unencapsulated) */
};

struct tt_route {
	__u32 type;      /* enum tt_route_type */
	__u32 flags;     /* enum tt_route_flags */
	__be32 next_hop; /* NBO; the node that owns the destination */
	__u32 ifindex;   /* local workloads: their cali; 0 otherwise */
};

/* ---- neighbours: the uplink's kernel neighbour table, plus static VTEP MACs -- */
#define TT_NEIGH_VTEP_IFINDEX 0 /* {0, remote node IP} -> that node's VXLAN tunnel MAC */

struct tt_neigh_key {
	__u32 ifindex;
	__be32 addr; /* NBO */
};

/* Kernel NUD_* bits, as `ip neigh` prints them. */
enum tt_nud {
	TT_NUD_INCOMPLETE = 0x01,
	TT_NUD_REACHABLE = 0x02,
	TT_NUD_STALE = 0x04,
	TT_NUD_DELAY = 0x08,
	TT_NUD_PROBE = 0x10,
	TT_NUD_FAILED = 0x20,
	TT_NUD_NOARP = 0x40,
	TT_NUD_PERMANENT = 0x80,
};

struct tt_neigh {
	__u8 mac[6];
	__u16 state; /* enum tt_nud */
};

/* ---- NAT: floating IPs (1:1), both directions ------------------------------ */
enum tt_nat_dir {
	TT_NAT_DNAT = 0, /* key: external (floating) IP -> value: internal (pod) IP */
	TT_NAT_SNAT = 1, /* key: internal IP -> value: the external IP it leaves with */
};

struct tt_nat_key {
	__u32 dir;   /* enum tt_nat_dir */
	__be32 addr; /* NBO */
};

struct tt_nat_value {
	__be32 addr; /* NBO */
	__u32 _pad;
};

/* ---- NAT connections: which floating IP a pod's peer talked to ------------
 * Written on every DNAT so that replies leave with the floating IP the peer used, even to peers
 * inside a pool (where a pod's own traffic keeps its pod IP). LRU: idle flows age out.
 * With TT_CT_FRAGMENTS in `proto`, an entry is a datagram of the pod's that left in fragments:
 * int_port is its IP id, peer_port 0, and ext_addr the source its first fragment left with (the
 * pod's own address if none), for the fragments after it, which carry no ports to look up. */
#define TT_CT_FRAGMENTS 0x80

struct tt_nat_ct_key {
	__be32 int_addr;  /* NBO: the pod */
	__be32 peer_addr; /* NBO */
	__be16 int_port;  /* NBO: TCP/UDP port, or ICMP echo id */
	__be16 peer_port; /* NBO: TCP/UDP port, or ICMP echo id */
	__u8 proto;
	__u8 _pad[3];
};

struct tt_nat_ct_value {
	__be32 ext_addr; /* NBO */
	__u32 _pad;
};

/* ---- forwarding cache: a pod destination on another node, fully resolved -----
 * Filled by tt_from_wep after a route + neighbour (+ VTEP) lookup, so later packets to the same
 * destination need one hash lookup. Valid only while `epoch` equals tt_epoch[0], which the
 * controller sets to a fresh random value after every change to routes or neighbours (random, not
 * incremented, so two writers can never both produce a value some old entry carries). */
struct tt_fwd_key {
	__be32 addr; /* NBO: the packet's destination */
};

struct tt_fwd_entry {
	__u64 epoch;      /* tt_epoch[0] when filled */
	__u32 flags;      /* the route's enum tt_route_flags */
	__be32 next_hop;  /* NBO */
	__u8 nh_mac[6];   /* next hop's MAC on the uplink */
	__u8 vtep_mac[6]; /* VXLAN routes: the next hop's tunnel MAC */
	__u8 _pad[4];
};

/* ---- counters: per-CPU array indexed by reason ------------------------------ */
enum tt_reason {
	TT_R_PASSED = 0,            /* handed to the kernel stack (TC_ACT_UNSPEC) */
	TT_R_FWD_LOCAL = 1,         /* delivered to a pod on this node (redirect_peer) */
	TT_R_ARP_REPLIED = 2,       /* ARP request answered with ee:ee:ee:ee:ee:ee */
	TT_R_DROP_SPOOF_IP = 3,     /* IPv4 source is not the endpoint's */
	TT_R_DROP_SPOOF_ARP = 4,    /* ARP sender IP is not the endpoint's */
	TT_R_DROP_MALFORMED = 5,    /* truncated or malformed frame */
	TT_R_PASSED_TTL = 6,        /* TTL would expire: the kernel sends ICMP time exceeded */
	TT_R_PASSED_NON_IP = 7,     /* neither IPv4 nor ARP (IPv6, LLDP, ...) */
	TT_R_PASSED_ARP = 8,        /* ARP the kernel handles: replies, probes, own address */
	TT_R_HEP_PASSED = 9,        /* arrived on the uplink, for the kernel */
	TT_R_ENCAP_IPIP = 10,       /* sent to another node in IPIP */
	TT_R_ENCAP_VXLAN = 11,      /* sent to another node in VXLAN */
	TT_R_FWD_REMOTE = 12,       /* sent to another node unencapsulated (direct / same subnet) */
	TT_R_DECAP_IPIP = 13,       /* IPIP from another node, delivered */
	TT_R_DECAP_VXLAN = 14,      /* VXLAN from another node, delivered */
	TT_R_FWD_FROM_REMOTE = 15,  /* unencapsulated from another node, delivered */
	TT_R_FRAG_NEEDED = 16,      /* too big to encapsulate: ICMP frag-needed sent back */
	TT_R_DROP_NO_ROUTE = 17,    /* no path to the next hop (FIB failure) */
	TT_R_DROP_BLACKHOLE = 18,   /* in a local block but no such endpoint */
	TT_R_DROP_TUNNEL_SRC = 19,  /* tunnel packet from a host that is not a known node */
	TT_R_DROP_NO_VTEP = 20,     /* VXLAN to a node whose VTEP MAC is unknown */
	TT_R_DROP_ENCAP = 21,       /* encapsulation or decapsulation helper failed */
	TT_R_HEP_ENCAP_IPIP = 22,   /* host-originated, encapsulated on uplink egress (IPIP) */
	TT_R_HEP_ENCAP_VXLAN = 23,  /* host-originated, encapsulated on uplink egress (VXLAN) */
	TT_R_TO_HEP_PASSED = 24,    /* leaving on the uplink, untouched */
	TT_R_NAT_DNAT = 25,         /* to a floating IP: destination translated to the pod */
	TT_R_NAT_SNAT = 26,         /* from a pod with a floating IP: source translated to it */
	TT_R_NAT_HAIRPIN = 27,      /* a pod to its own floating IP: both translated */
	TT_R_NAT_ICMP_ERROR = 28,   /* an ICMP error about a NATed flow: outer and inner headers translated */
	TT_R_FWD_TRANSIT = 29,      /* arrived on the uplink for a workload of another node: sent on to it */
	TT_R_DROP_NAT_NO_EP = 30,   /* a floating IP whose pod is not on this node */
	TT_R_TO_WEP_PASSED = 31,    /* the kernel sending to a pod, untouched */
	TT_R_PASSED_CONNTRACK = 32, /* from outside every pool to a natOutgoing pod: via the kernel, so the
				     * masquerade's conntrack knows the flow and leaves its replies alone */
	TT_R_MAX = 64,
};

/* ---- per-program configuration, .rodata, set by the loader before load ------ */
enum tt_cfg_flags {
	TT_CFG_F_NONE = 0,
};

struct tt_config {
	__u32 flags;          /* enum tt_cfg_flags */
	__be32 host_ip;       /* NBO; this node's IP on the uplink */
	__u32 uplink_ifindex; /* 0 when no uplink is managed */
	__u32 uplink_mtu;
	__u8 uplink_mac[6];
	__u8 vtep_mac[6];     /* this node's VXLAN tunnel MAC (inner source MAC) */
	__u32 vxlan_vni;      /* host order; Calico default 4096 */
	__u16 vxlan_port;     /* host order; Calico default 4789 */
	__u16 _pad;
};

/* ---- test build only (-DTT_TEST): what the last redirect asked for ---------- */
enum tt_redirect_kind {
	TT_REDIR_NONE = 0,
	TT_REDIR_PLAIN = 1, /* bpf_redirect */
	TT_REDIR_PEER = 2,  /* bpf_redirect_peer */
	TT_REDIR_NEIGH = 3, /* bpf_redirect_neigh */
};

struct tt_test_rec {
	__u32 kind; /* enum tt_redirect_kind */
	__u32 ifindex;
	__u64 flags;
};

#endif /* TORTIE_ABI_H */
