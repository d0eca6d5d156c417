/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Sending a pod's packet to the node that hosts its destination: IPIP, VXLAN or plain. */
#ifndef TORTIE_TO_NODE_H
#define TORTIE_TO_NODE_H

#include "encap.h"
#include "icmp.h"
#include "ipv4.h"
#include "neigh.h"
#include "redirect.h"
#include "routes.h"

#ifndef AF_INET
#define AF_INET 2
#endif

TT_INLINE __u32 tt_route_overhead(const struct tt_route *rt)
{
	if (rt->flags & TT_RF_IPIP)
		return TT_IPIP_OVERHEAD;
	if (rt->flags & TT_RF_VXLAN)
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

/*
 * Out of the uplink towards `next_hop`: a MAC from the mirrored neighbour table when it is fresh,
 * else the FIB (which also covers next hops behind a router), else the kernel's neighbour
 * resolution (bpf_redirect_neigh), which then refreshes the mirror.
 */
TT_INLINE struct tt_verdict tt_out_to_node(struct __sk_buff *skb, __be32 next_hop, enum tt_reason reason)
{
	struct tt_neigh *n = tt_neigh_lookup(TT_CONFIG.uplink_ifindex, next_hop);
	struct bpf_fib_lookup fib = {};
	long rc;

	if (tt_neigh_usable(n)) {
		__u8 mac[ETH_ALEN], own[ETH_ALEN];

		__builtin_memcpy(mac, n->mac, ETH_ALEN);
		TT_CONFIG_MAC(own, uplink_mac);
		if (tt_set_macs(skb, mac, own))
			return tt_drop(TT_R_DROP_MALFORMED);
		return (struct tt_verdict){ .action = tt_redirect(TT_CONFIG.uplink_ifindex, 0), .reason = reason };
	}

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

/* Adds the tunnel header the route's flags ask for (none for direct routes).
 * 0 on success, else the reason to drop the packet (reasons for drops are never 0). */
TT_INLINE enum tt_reason tt_encap_for_route(struct __sk_buff *skb, __u32 flags, __be32 next_hop)
{
	struct tt_neigh *vtep;

	if (flags & TT_RF_IPIP)
		return tt_encap_ipip(skb, next_hop) ? TT_R_DROP_ENCAP : 0;
	if (!(flags & TT_RF_VXLAN))
		return 0;
	vtep = tt_vtep_lookup(next_hop);
	if (!vtep)
		return TT_R_DROP_NO_VTEP;
	/* tt_encap_vxlan copies the MAC before it resizes the packet. */
	return tt_encap_vxlan(skb, next_hop, vtep->mac) ? TT_R_DROP_ENCAP : 0;
}

/* A pod's packet for a pod on another node (route `rt`), from the pod's cali (ingress). */
TT_INLINE struct tt_verdict tt_to_remote_node(struct __sk_buff *skb, struct iphdr *ip, const struct tt_route *rt)
{
	__u32 overhead = tt_route_overhead(rt);
	__be32 next_hop = rt->next_hop;
	__u32 flags = rt->flags;
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
	drop = tt_encap_for_route(skb, flags, next_hop);
	if (drop)
		return tt_drop(drop);
	if (flags & TT_RF_IPIP)
		return tt_out_to_node(skb, next_hop, TT_R_ENCAP_IPIP);
	if (flags & TT_RF_VXLAN)
		return tt_out_to_node(skb, next_hop, TT_R_ENCAP_VXLAN);
	return tt_out_to_node(skb, next_hop, TT_R_FWD_REMOTE);
}

#endif
