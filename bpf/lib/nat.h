/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * 1:1 NAT for floating IPs (WorkloadEndpoint ipNATs). Addresses only, ports are kept, so no
 * translation state is needed except tt_nat_ct, which remembers which floating IP a peer used so
 * that replies to peers inside a pool leave with it too. The IPv4, TCP and UDP checksums follow
 * through the kernel's csum helpers (they keep CHECKSUM_PARTIAL packets right); ICMP errors have
 * the header they quote translated as well.
 */
#ifndef TORTIE_NAT_H
#define TORTIE_NAT_H

#include "csum.h"
#include "icmp.h"
#include "maps.h"
#include "parse.h"

#define TT_IPPROTO_ICMP 1
#define TT_IPPROTO_TCP 6
#ifndef TT_IPPROTO_UDP
#define TT_IPPROTO_UDP 17
#endif
#define TT_IP_CHECK 10 /* offsets inside an IPv4 header */
#define TT_IP_SADDR 12
#define TT_IP_DADDR 16

/* What NAT needs to know of a packet, read with bpf_skb_load_bytes (works on non-linear skbs). */
struct tt_flow {
	__be32 saddr;
	__be32 daddr;
	__be16 sport; /* TCP/UDP ports; ICMP echo: the id, in both */
	__be16 dport;
	__u32 l4_off; /* from the start of the frame */
	__u8 proto;
	__u8 first_frag; /* the L4 header (and checksum) is in this packet */
	__u8 icmp_error; /* destination unreachable, time exceeded, ... quoting a packet */
	__u8 fragmented; /* one fragment of a datagram (more follow, or an offset) */
	__be16 ip_id;    /* NBO */
	__u16 _pad;
};

TT_INLINE int tt_icmp_is_error(__u8 type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* 0, or -1 for a packet too short for its own headers. */
TT_INLINE int tt_flow_of(struct __sk_buff *skb, struct tt_flow *f)
{
	struct iphdr ip;
	__u8 icmp[8];

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
		return -1;
	f->saddr = ip.saddr;
	f->daddr = ip.daddr;
	f->proto = ip.protocol;
	f->l4_off = ETH_HLEN + ip.ihl * 4;
	f->first_frag = !(ip.frag_off & bpf_htons(TT_IP_OFFSET_MASK));
	f->fragmented = !!(ip.frag_off & bpf_htons(TT_IP_OFFSET_MASK | TT_IP_MF));
	f->ip_id = ip.id;
	f->icmp_error = 0;
	f->sport = 0;
	f->dport = 0;
	if (!f->first_frag)
		return 0;
	if (ip.protocol == TT_IPPROTO_TCP || ip.protocol == TT_IPPROTO_UDP) {
		__be16 ports[2];

		if (bpf_skb_load_bytes(skb, f->l4_off, ports, sizeof(ports)))
			return -1;
		f->sport = ports[0];
		f->dport = ports[1];
	} else if (ip.protocol == TT_IPPROTO_ICMP) {
		if (bpf_skb_load_bytes(skb, f->l4_off, icmp, sizeof(icmp)))
			return -1;
		f->icmp_error = tt_icmp_is_error(icmp[0]);
		if (icmp[0] == 0 || icmp[0] == 8) { /* echo reply / request */
			f->sport = *(__be16 *)&icmp[4];
			f->dport = f->sport;
		}
	}
	return 0;
}

TT_INLINE struct tt_nat_value *tt_nat_lookup(enum tt_nat_dir dir, __be32 addr)
{
	struct tt_nat_key key = { .dir = dir, .addr = addr };

	return bpf_map_lookup_elem(&tt_nat, &key);
}

/* RFC 1624: a 16-bit checksum after a 32-bit word it covers went from `from` to `to`. */
TT_INLINE __u16 tt_csum_replace4(__u16 check, __be32 from, __be32 to)
{
	__u32 sum = (__u16)~check;

	sum += (~from >> 16) + (~from & 0xffff) + (to >> 16) + (to & 0xffff);
	return tt_csum_fold(sum);
}

/* Rewrites the source or destination address (`field`: TT_IP_SADDR / TT_IP_DADDR) and every checksum covering it. */
TT_INLINE int tt_nat_rewrite(struct __sk_buff *skb, const struct tt_flow *f, __u32 field, __be32 from, __be32 to)
{
	if (f->first_frag && f->proto == TT_IPPROTO_TCP &&
	    bpf_l4_csum_replace(skb, f->l4_off + 16, from, to, BPF_F_PSEUDO_HDR | 4))
		return -1;
	/* A UDP checksum of 0 means none, and must stay 0 (MARK_MANGLED_0 does both). */
	if (f->first_frag && f->proto == TT_IPPROTO_UDP &&
	    bpf_l4_csum_replace(skb, f->l4_off + 6, from, to, BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0 | 4))
		return -1;
	if (bpf_l3_csum_replace(skb, ETH_HLEN + TT_IP_CHECK, from, to, 4))
		return -1;
	return bpf_skb_store_bytes(skb, ETH_HLEN + field, &to, sizeof(to), 0) ? -1 : 0;
}

/*
 * The packet an ICMP error quotes, translated like the flow it belongs to: `field` of the quoted
 * IPv4 header goes from `from` to `to`, with the quoted header checksum and (when quoted) the TCP
 * or UDP checksum. The quoted address and its header checksum cancel out in the ICMP checksum; the
 * quoted L4 checksum does not, so the ICMP checksum follows it. 0 also when nothing matched.
 */
TT_INLINE int tt_nat_quoted(struct __sk_buff *skb, const struct tt_flow *f, __u32 field, __be32 from, __be32 to)
{
	__u32 inner = f->l4_off + 8;
	__u32 l4_check = 0;
	struct iphdr ip;
	__u16 check;

	if (bpf_skb_load_bytes(skb, inner, &ip, sizeof(ip)))
		return 0; /* nothing quoted */
	if ((field == TT_IP_SADDR ? ip.saddr : ip.daddr) != from || ip.ihl < 5)
		return 0;
	if (!(ip.frag_off & bpf_htons(TT_IP_OFFSET_MASK))) {
		if (ip.protocol == TT_IPPROTO_TCP)
			l4_check = inner + ip.ihl * 4 + 16;
		else if (ip.protocol == TT_IPPROTO_UDP)
			l4_check = inner + ip.ihl * 4 + 6;
	}
	if (l4_check && !bpf_skb_load_bytes(skb, l4_check, &check, sizeof(check)) &&
	    !(ip.protocol == TT_IPPROTO_UDP && check == 0)) {
		__u16 updated = tt_csum_replace4(check, from, to);

		if (bpf_skb_store_bytes(skb, l4_check, &updated, sizeof(updated), 0) ||
		    bpf_l4_csum_replace(skb, f->l4_off + 2, check, updated, 2))
			return -1;
	}
	check = tt_csum_replace4(ip.check, from, to);
	if (bpf_skb_store_bytes(skb, inner + TT_IP_CHECK, &check, sizeof(check), 0) ||
	    bpf_skb_store_bytes(skb, inner + field, &to, sizeof(to), 0))
		return -1;
	return 0;
}

/* Remembers that `peer` reached the pod at `int_addr` through `ext`, for the replies. */
TT_INLINE void tt_nat_ct_remember(const struct tt_flow *f, __be32 int_addr, __be32 ext)
{
	struct tt_nat_ct_key key = {
		.int_addr = int_addr, .peer_addr = f->saddr, .int_port = f->dport, .peer_port = f->sport, .proto = f->proto,
	};
	struct tt_nat_ct_value *known = bpf_map_lookup_elem(&tt_nat_ct, &key);
	struct tt_nat_ct_value value = { .ext_addr = ext };

	if (!known || known->ext_addr != ext)
		bpf_map_update_elem(&tt_nat_ct, &key, &value, BPF_ANY);
}

/*
 * A peer reached a pod that has floating IPs by its own address (the kubelet's probes, a BGP-routed
 * client): its replies must keep that address. Remembered as a connection "through" the pod IP.
 */
TT_INLINE void tt_nat_note_direct(struct __sk_buff *skb, __be32 pod)
{
	struct tt_flow f;

	if (!tt_flow_of(skb, &f) && !f.icmp_error && f.first_frag)
		tt_nat_ct_remember(&f, pod, pod);
}

/* The address a peer used to reach this pod's flow (a floating IP, or the pod's own), or 0. */
TT_INLINE __be32 tt_nat_ct_ext(__be32 int_addr, __be32 peer, __be16 int_port, __be16 peer_port, __u8 proto)
{
	struct tt_nat_ct_key key = {
		.int_addr = int_addr, .peer_addr = peer, .int_port = int_port, .peer_port = peer_port, .proto = proto,
	};
	struct tt_nat_ct_value *v = bpf_map_lookup_elem(&tt_nat_ct, &key);

	return v ? v->ext_addr : 0;
}

/* Destination `ext` (a floating IP) becomes the pod's `int_addr`; 0 or -1 (malformed). */
TT_INLINE int tt_dnat(struct __sk_buff *skb, struct tt_flow *f, __be32 ext, __be32 int_addr)
{
	/* An error about a packet the pod sent (with its floating IP as source, after SNAT). */
	if (f->icmp_error && tt_nat_quoted(skb, f, TT_IP_SADDR, ext, int_addr))
		return -1;
	if (tt_nat_rewrite(skb, f, TT_IP_DADDR, ext, int_addr))
		return -1;
	if (!f->icmp_error && f->first_frag) /* later fragments have no ports to remember */
		tt_nat_ct_remember(f, int_addr, ext);
	f->daddr = int_addr;
	return 0;
}

/* Source `int_addr` (the pod) becomes `ext`; 0 or -1 (malformed). */
TT_INLINE int tt_snat(struct __sk_buff *skb, struct tt_flow *f, __be32 ext)
{
	__be32 int_addr = f->saddr;

	/* An error about a packet the pod received (addressed to the floating IP before DNAT). */
	if (f->icmp_error && tt_nat_quoted(skb, f, TT_IP_DADDR, int_addr, ext))
		return -1;
	if (tt_nat_rewrite(skb, f, TT_IP_SADDR, int_addr, ext))
		return -1;
	f->saddr = ext;
	return 0;
}

/*
 * The address a pod's packet must leave with, or 0 to keep its own: the address its peer used (a
 * reply: a floating IP, or the pod IP itself), else its floating IP when the destination is
 * outside every pool.
 */
TT_INLINE __be32 tt_snat_addr(struct __sk_buff *skb, const struct tt_flow *f, int outside_pools)
{
	struct tt_nat_value *own;
	__be32 ext;

	if (f->icmp_error) {
		/* The quoted packet came from the peer: its ports are the other way round. */
		struct iphdr ip;
		__be16 ports[2] = {};

		if (!bpf_skb_load_bytes(skb, f->l4_off + 8, &ip, sizeof(ip)) && ip.ihl >= 5) {
			if (ip.protocol == TT_IPPROTO_TCP || ip.protocol == TT_IPPROTO_UDP)
				bpf_skb_load_bytes(skb, f->l4_off + 8 + ip.ihl * 4, ports, sizeof(ports));
			ext = tt_nat_ct_ext(ip.daddr, ip.saddr, ports[1], ports[0], ip.protocol);
			if (ext)
				return ext == f->saddr ? 0 : ext;
		}
	} else {
		ext = tt_nat_ct_ext(f->saddr, f->daddr, f->sport, f->dport, f->proto);
		if (ext)
			return ext == f->saddr ? 0 : ext;
	}
	if (!outside_pools)
		return 0;
	own = tt_nat_lookup(TT_NAT_SNAT, f->saddr);
	return own ? own->addr : 0;
}

/*
 * tt_snat_addr for every fragment of a pod's datagram: decided on the first fragment (the one with
 * the ports), remembered by IP id for the ones after it, so all of them leave with the same source.
 * A later fragment that arrives first is decided without ports, as before.
 */
TT_INLINE __be32 tt_snat_addr_fragments(struct __sk_buff *skb, const struct tt_flow *f, int outside_pools)
{
	struct tt_nat_ct_key key = {
		.int_addr = f->saddr, .peer_addr = f->daddr, .int_port = f->ip_id, .proto = f->proto | TT_CT_FRAGMENTS,
	};
	struct tt_nat_ct_value value = {};
	struct tt_nat_ct_value *first;
	__be32 ext;

	if (!f->fragmented || f->icmp_error)
		return tt_snat_addr(skb, f, outside_pools);
	if (!f->first_frag) {
		first = bpf_map_lookup_elem(&tt_nat_ct, &key);
		if (first)
			return first->ext_addr == f->saddr ? 0 : first->ext_addr;
		return tt_snat_addr(skb, f, outside_pools);
	}
	ext = tt_snat_addr(skb, f, outside_pools);
	value.ext_addr = ext ? ext : f->saddr;
	bpf_map_update_elem(&tt_nat_ct, &key, &value, BPF_ANY);
	return ext;
}

#endif
