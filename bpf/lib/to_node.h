/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Sending a pod's packet to the node that hosts its destination: IPIP, VXLAN or plain. */
#ifndef TORTIE_TO_NODE_H
#define TORTIE_TO_NODE_H

#include "encap.h"
#include "fwd_cache.h"
#include "icmp.h"
#include "ipv4.h"
#include "neigh.h"
#include "redirect.h"
#include "routes.h"

#ifndef AF_INET
#define AF_INET 2
#endif

TT_INLINE __u32 tt_route_overhead(__u32 flags)
{
	if (flags & TT_RF_IPIP)
		return TT_IPIP_OVERHEAD;
	if (flags & TT_RF_VXLAN)
		return TT_VXLAN_OVERHEAD;
	return 0;
}

/* Only non-GSO packets can be too big: GSO segments shrink by the overhead on encapsulation. */
TT_INLINE int tt_too_big(struct __sk_buff *skb, __u32 overhead)
{
	return skb->gso_size == 0 && skb->len - ETH_HLEN + overhead > TT_CONFIG.uplink_mtu;
}

TT_INLINE int tt_set_macs(struct __sk_buff *skb, const __u8 *dst, const __u8 *src)
{
	struct ethhdr *eth = TT_DATA(skb);

	if ((void *)(eth + 1) > TT_DATA_END(skb))
		return -1;
	__builtin_memcpy(eth->h_dest, dst, ETH_ALEN);
	__builtin_memcpy(eth->h_source, src, ETH_ALEN);
	return 0;
}

/* Out of the uplink with MACs already known (a fresh neighbour entry or the forwarding cache). */
TT_INLINE struct tt_verdict tt_out_with_mac(struct __sk_buff *skb, const __u8 *nh_mac, enum tt_reason reason)
{
	__u8 own[ETH_ALEN];

	TT_CONFIG_MAC(own, uplink_mac);
	if (tt_set_macs(skb, nh_mac, own))
		return tt_drop(TT_R_DROP_MALFORMED);
	return (struct tt_verdict){ .action = tt_redirect(TT_CONFIG.uplink_ifindex, 0), .reason = reason };
}

/*
 * Out of the uplink towards `next_hop` when the mirror had no fresh MAC: the FIB (which also
 * covers next hops behind a router), else the kernel's neighbour resolution (bpf_redirect_neigh),
 * which then refreshes the mirror.
 */
TT_INLINE struct tt_verdict tt_out_resolving(struct __sk_buff *skb, __be32 next_hop, enum tt_reason reason)
{
	struct bpf_fib_lookup fib = {};
	long rc;

	fib.family = AF_INET;
	fib.ipv4_src = TT_CONFIG.host_ip;
	fib.ipv4_dst = next_hop;
	fib.ifindex = TT_CONFIG.uplink_ifindex;
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		if (tt_set_macs(skb, fib.dmac, fib.smac))
			return tt_drop(TT_R_DROP_MALFORMED);
		return (struct tt_verdict){ .action = tt_redirect(fib.ifindex, 0), .reason = reason };
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		struct bpf_redir_neigh nh = { .nh_family = AF_INET, .ipv4_nh = fib.ipv4_dst };

		tt_record(TT_REDIR_NEIGH, fib.ifindex, 0);
		return (struct tt_verdict){ .action = bpf_redirect_neigh(fib.ifindex, &nh, sizeof(nh), 0), .reason = reason };
	}
	return tt_drop(TT_R_DROP_NO_ROUTE);
}

/* A route's next hop as the encapsulation needs it, with the VTEP MAC for VXLAN (required).
 * 0, or the reason to drop the packet. */
TT_INLINE enum tt_reason tt_next_hop_of(const struct tt_route *rt, struct tt_fwd_entry *nh)
{
	struct tt_neigh *vtep;

	nh->flags = rt->flags;
	nh->next_hop = rt->next_hop;
	if (!(rt->flags & TT_RF_VXLAN))
		return 0;
	vtep = tt_vtep_lookup(nh->next_hop);
	if (!vtep)
		return TT_R_DROP_NO_VTEP;
	__builtin_memcpy(nh->vtep_mac, vtep->mac, ETH_ALEN);
	return 0;
}

/* The next hop's MAC when the neighbour mirror holds a fresh one; else 0 (the kernel resolves it). */
TT_INLINE int tt_next_hop_mac(struct tt_fwd_entry *nh)
{
	struct tt_neigh *n = tt_neigh_lookup(TT_CONFIG.uplink_ifindex, nh->next_hop);

	if (!tt_neigh_usable(n))
		return 0;
	__builtin_memcpy(nh->nh_mac, n->mac, ETH_ALEN);
	return 1;
}

/* Adds the tunnel header the route's flags ask for (none for direct routes).
 * 0 on success, else the reason to drop the packet (reasons for drops are never 0). */
TT_INLINE enum tt_reason tt_encap_for_route(struct __sk_buff *skb, const struct tt_fwd_entry *nh)
{
	if (nh->flags & TT_RF_IPIP)
		return tt_encap_ipip(skb, nh->next_hop) ? TT_R_DROP_ENCAP : 0;
	if (nh->flags & TT_RF_VXLAN)
		return tt_encap_vxlan(skb, nh->next_hop, nh->vtep_mac) ? TT_R_DROP_ENCAP : 0;
	return 0;
}

TT_INLINE enum tt_reason tt_sent_reason(__u32 flags)
{
	if (flags & TT_RF_IPIP)
		return TT_R_ENCAP_IPIP;
	if (flags & TT_RF_VXLAN)
		return TT_R_ENCAP_VXLAN;
	return TT_R_FWD_REMOTE;
}

/* A packet for a workload on another node: from a pod's cali, or passing through the uplink
 * (`reason` says which; tt_sent_reason() for pods). */
TT_INLINE struct tt_verdict tt_to_remote_node(struct __sk_buff *skb, struct iphdr *ip, const struct tt_fwd_entry *nh,
					      int have_mac, enum tt_reason reason)
{
	__u32 overhead = tt_route_overhead(nh->flags);
	enum tt_reason drop;

	if (ip->ttl <= 1)
		return tt_pass(TT_R_PASSED_TTL);
	if (tt_too_big(skb, overhead)) {
		struct ethhdr *eth = TT_DATA(skb);
		__u8 host_mac[ETH_ALEN];

		if ((void *)(eth + 1) > TT_DATA_END(skb))
			return tt_drop(TT_R_DROP_MALFORMED);
		tt_set_host_mac(host_mac);
		return (struct tt_verdict){
			.action = tt_icmp_frag_needed(skb, TT_CONFIG.uplink_mtu - overhead, eth->h_source, host_mac,
						      skb->ifindex, 0),
			.reason = TT_R_FRAG_NEEDED,
		};
	}
	tt_ipv4_dec_ttl(ip);
	drop = tt_encap_for_route(skb, nh);
	if (drop)
		return tt_drop(drop);
	if (have_mac)
		return tt_out_with_mac(skb, nh->nh_mac, reason);
	return tt_out_resolving(skb, nh->next_hop, reason);
}

/* The slow path: resolve the route's next hop, remember it when complete, send. */
TT_INLINE struct tt_verdict tt_route_to_remote_node(struct __sk_buff *skb, struct iphdr *ip, const struct tt_route *rt,
						    __u64 epoch, enum tt_reason reason)
{
	struct tt_fwd_entry nh = { .epoch = epoch };
	__be32 daddr = ip->daddr;
	enum tt_reason drop;
	int have_mac;

	drop = tt_next_hop_of(rt, &nh);
	if (drop)
		return tt_drop(drop);
	have_mac = tt_next_hop_mac(&nh);
	if (have_mac)
		tt_fwd_store(daddr, &nh);
	return tt_to_remote_node(skb, ip, &nh, have_mac, reason);
}

#endif
