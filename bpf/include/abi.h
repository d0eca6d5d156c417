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
	__u32 _pad;
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
