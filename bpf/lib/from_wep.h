/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Traffic leaving a pod (tc ingress of its cali interface). */
#ifndef TORTIE_FROM_WEP_H
#define TORTIE_FROM_WEP_H

#include "arp.h"
#include "counters.h"
#include "endpoints.h"
#include "ipv4.h"
#include "nat.h"
#include "to_node.h"

/* Deliver to a pod on this node: the frame goes straight into its eth0. */
TT_INLINE struct tt_verdict tt_deliver_local(struct ethhdr *eth, struct iphdr *ip, struct tt_ep_value *dst,
					     enum tt_reason reason)
{
	/* Let the kernel forward it, so it sends the ICMP time exceeded. */
	if (ip->ttl <= 1)
		return tt_pass(TT_R_PASSED_TTL);
	/* No MAC known yet: the kernel's /32 route and neighbour resolution deliver it. */
	if (dst->flags & TT_EP_F_LEARN_MAC)
		return tt_pass(TT_R_PASSED);
	tt_ipv4_dec_ttl(ip);
	/* redirect_peer skips eth_type_trans: a stale destination MAC would not be caught, so always write it. */
	__builtin_memcpy(eth->h_dest, dst->mac, ETH_ALEN);
	tt_set_host_mac(eth->h_source);
	return (struct tt_verdict){ .action = tt_redirect_peer(dst->ifindex, 0), .reason = reason };
}

/* A destination that is no local pod, by its route. */
TT_INLINE struct tt_verdict tt_wep_by_route(struct __sk_buff *skb, struct iphdr *ip, const struct tt_route *rt, __u64 epoch)
{
	if (rt && tt_route_is_remote_workload(rt))
		return tt_route_to_remote_node(skb, ip, rt, epoch, tt_sent_reason(rt->flags));
	if (rt && rt->type == TT_RT_LOCAL_BLOCK)
		return tt_drop(TT_R_DROP_BLACKHOLE);
	/* The host, other nodes, the outside world: the kernel routes those. */
	return tt_pass(TT_R_PASSED);
}

/* Where a (possibly translated) packet goes once its addresses are final. */
TT_INLINE struct tt_verdict tt_wep_forward(struct __sk_buff *skb, __be32 daddr, const struct tt_route *rt, __u64 epoch)
{
	struct iphdr *ip = tt_ipv4_header(skb);
	struct ethhdr *eth = TT_DATA(skb);
	struct tt_ep_value *dst;

	if (!ip || (void *)(eth + 1) > TT_DATA_END(skb))
		return tt_drop(TT_R_DROP_MALFORMED);
	dst = tt_ep_lookup(daddr);
	if (dst)
		return tt_deliver_local(eth, ip, dst, TT_R_FWD_LOCAL);
	return tt_wep_by_route(skb, ip, rt, epoch);
}

/*
 * Packets of pods with floating IPs, and any pod's packets to a floating IP of this node: DNAT to
 * the pod behind the floating IP, SNAT to the floating IP a reply or an outside destination needs
 * (both for a pod reaching itself), then forward. `rt` is the route of the original destination.
 */
TT_INLINE struct tt_verdict tt_wep_nat(struct __sk_buff *skb, __u32 src_flags, const struct tt_route *rt, __u64 epoch)
{
	int outside_pools = !rt || !(rt->flags & TT_RF_IN_POOL);
	enum tt_reason reason = 0;
	__be32 snat_to = 0;
	struct tt_flow f;

	if (tt_flow_of(skb, &f))
		return tt_drop(TT_R_DROP_MALFORMED);
	if (rt && rt->type == TT_RT_LOCAL_NAT) {
		struct tt_nat_value *n = tt_nat_lookup(TT_NAT_DNAT, f.daddr);
		__be32 ext = f.daddr;

		if (!n)
			return tt_drop(TT_R_DROP_NAT_NO_EP);
		if (tt_dnat(skb, &f, ext, n->addr))
			return tt_drop(TT_R_DROP_MALFORMED);
		reason = TT_R_NAT_DNAT;
		rt = 0; /* the destination is now a local pod */
		if (f.saddr == f.daddr) { /* hairpin: the pod must not see its own address as the source */
			snat_to = ext;
			reason = TT_R_NAT_HAIRPIN;
		}
	}
	if (!snat_to && (src_flags & TT_EP_F_NAT))
		snat_to = tt_snat_addr_fragments(skb, &f, outside_pools);
	if (snat_to) {
		if (tt_snat(skb, &f, snat_to))
			return tt_drop(TT_R_DROP_MALFORMED);
		if (!reason)
			reason = TT_R_NAT_SNAT;
	}
	if (reason)
		tt_count(f.icmp_error ? TT_R_NAT_ICMP_ERROR : reason);
	return tt_wep_forward(skb, f.daddr, rt, epoch);
}

TT_INLINE struct tt_verdict tt_wep_ipv4(struct __sk_buff *skb)
{
	struct tt_ep_value *src, *dst;
	struct tt_fwd_entry cached;
	struct tt_route *rt;
	struct ethhdr *eth;
	struct iphdr *ip = tt_ipv4_header(skb);
	__u32 src_flags;
	__u64 epoch;

	if (!ip)
		return tt_drop(TT_R_DROP_MALFORMED);
	eth = TT_DATA(skb);
	if ((void *)(eth + 1) > TT_DATA_END(skb))
		return tt_drop(TT_R_DROP_MALFORMED);

	src = tt_ep_owned_by(ip->saddr, skb->ifindex);
	if (!src)
		return tt_drop(TT_R_DROP_SPOOF_IP);
	if (src->flags & TT_EP_F_LEARN_MAC) {
		__builtin_memcpy(src->mac, eth->h_source, ETH_ALEN);
		src->flags &= ~TT_EP_F_LEARN_MAC;
	}
	src_flags = src->flags;

	if (!(src_flags & TT_EP_F_NAT)) {
		dst = tt_ep_lookup(ip->daddr);
		if (dst)
			return tt_deliver_local(eth, ip, dst, TT_R_FWD_LOCAL);
	}
	/* Before the route lookup: an entry of the cache is only as fresh as the epoch read before it. */
	epoch = tt_epoch_now();
	if (!(src_flags & TT_EP_F_NAT) && tt_fwd_lookup(ip->daddr, epoch, &cached))
		return tt_to_remote_node(skb, ip, &cached, 1, tt_sent_reason(cached.flags));
	rt = tt_route_lookup(ip->daddr);
	/* A floating IP's packet expiring here goes to the kernel untranslated: its time exceeded must
	 * quote the floating IP the pod sent to, not the address behind it. */
	if (rt && rt->type == TT_RT_LOCAL_NAT && ip->ttl <= 1)
		return tt_pass(TT_R_PASSED_TTL);
	if ((src_flags & TT_EP_F_NAT) || (rt && rt->type == TT_RT_LOCAL_NAT))
		return tt_wep_nat(skb, src_flags, rt, epoch);
	return tt_wep_by_route(skb, ip, rt, epoch);
}

TT_INLINE int tt_from_wep_main(struct __sk_buff *skb)
{
	struct ethhdr *eth = tt_eth(skb);
	struct tt_verdict v;

	if (!eth)
		v = tt_drop(TT_R_DROP_MALFORMED);
	else if (eth->h_proto == bpf_htons(ETH_P_IP))
		v = tt_wep_ipv4(skb);
	else if (eth->h_proto == bpf_htons(ETH_P_ARP))
		v = tt_wep_arp(skb);
	else
		v = tt_pass(TT_R_PASSED_NON_IP);
	tt_count(v.reason);
	return v.action;
}

#endif
