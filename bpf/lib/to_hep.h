/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Traffic leaving on the uplink (tc egress). The host's own packets to pods on other nodes are
 * routed here by the kernel routes Tortie installs; they get the tunnel header tunl0 or
 * vxlan.calico would have added. Packets already encapsulated are addressed to a node, not a pod,
 * so they pass untouched. */
#ifndef TORTIE_TO_HEP_H
#define TORTIE_TO_HEP_H

#include "counters.h"
#include "to_node.h"

TT_INLINE struct tt_verdict tt_to_hep_ipv4(struct __sk_buff *skb)
{
	struct iphdr *ip = tt_ipv4_header(skb);
	struct tt_fwd_entry nh = {};
	enum tt_reason drop;
	struct tt_route *rt;
	__u32 overhead;

	if (!ip)
		return tt_pass(TT_R_TO_HEP_PASSED); /* not ours to judge: the host sent it */
	/* Tunnel packets (ours, redirected here by tt_from_wep) need no route lookup. */
	if (ip->protocol == TT_IPPROTO_IPIP)
		return tt_pass(TT_R_TO_HEP_PASSED);
	if (ip->saddr == TT_CONFIG.host_ip && ip->protocol == TT_IPPROTO_UDP && ip->ihl == 5) {
		struct udphdr *udp = (void *)(ip + 1);
		struct tt_vxlanhdr *vx = (void *)(udp + 1);

		if ((void *)(vx + 1) <= TT_DATA_END(skb) && udp->dest == bpf_htons(TT_CONFIG.vxlan_port) &&
		    vx->vni == bpf_htonl(TT_CONFIG.vxlan_vni << 8))
			return tt_pass(TT_R_TO_HEP_PASSED);
	}
	rt = tt_route_lookup(ip->daddr);
	if (!rt || !tt_route_is_remote_workload(rt) || !(rt->flags & (TT_RF_IPIP | TT_RF_VXLAN)))
		return tt_pass(TT_R_TO_HEP_PASSED);
	overhead = tt_route_overhead(rt->flags);
	drop = tt_next_hop_of(rt, &nh);
	if (drop)
		return tt_drop(drop);
	if (tt_too_big(skb, overhead)) {
		/* Back up the host's stack, as if the next hop had said so. */
		__u8 zero[ETH_ALEN] = {}, own[ETH_ALEN];

		TT_CONFIG_MAC(own, uplink_mac);
		return (struct tt_verdict){
			.action = tt_icmp_frag_needed(skb, TT_CONFIG.uplink_mtu - overhead, own, zero,
						      TT_CONFIG.uplink_ifindex, BPF_F_INGRESS),
			.reason = TT_R_FRAG_NEEDED,
		};
	}
	/* The kernel already resolved the MAC of the route's gateway, which is also the way to next_hop. */
	drop = tt_encap_for_route(skb, &nh);
	if (drop)
		return tt_drop(drop);
	return tt_pass(nh.flags & TT_RF_IPIP ? TT_R_HEP_ENCAP_IPIP : TT_R_HEP_ENCAP_VXLAN);
}

TT_INLINE int tt_to_hep_main(struct __sk_buff *skb)
{
	struct ethhdr *eth = tt_eth(skb);
	struct tt_verdict v;

	if (eth && eth->h_proto == bpf_htons(ETH_P_IP))
		v = tt_to_hep_ipv4(skb);
	else
		v = tt_pass(TT_R_TO_HEP_PASSED); /* the host's own frames: not ours to judge */
	tt_count(v.reason);
	return v.action;
}

#endif
