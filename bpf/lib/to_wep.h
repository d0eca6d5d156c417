/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Traffic the kernel sends to a pod (tc egress of its cali). Only one case needs BPF here: the
 * host reaching a floating IP of a pod on this node, which its kernel route sends to the pod's
 * cali; the pod must see its own address. Pod-to-pod traffic never comes this way. */
#ifndef TORTIE_TO_WEP_H
#define TORTIE_TO_WEP_H

#include "counters.h"
#include "endpoints.h"
#include "ipv4.h"
#include "nat.h"

TT_INLINE struct tt_verdict tt_to_wep_ipv4(struct __sk_buff *skb)
{
	struct iphdr *ip = tt_ipv4_header(skb);
	struct tt_nat_value *nat;
	struct tt_flow f;

	if (!ip)
		return tt_pass(TT_R_TO_WEP_PASSED); /* the host's own packet: not ours to judge */
	nat = tt_nat_lookup(TT_NAT_DNAT, ip->daddr);
	if (!nat) {
		struct tt_ep_value *ep = tt_ep_lookup(ip->daddr);

		if (ep && (ep->flags & TT_EP_F_NAT))
			tt_nat_note_direct(skb, ip->daddr);
		return tt_pass(TT_R_TO_WEP_PASSED);
	}
	if (tt_flow_of(skb, &f) || tt_dnat(skb, &f, ip->daddr, nat->addr))
		return tt_drop(TT_R_DROP_MALFORMED);
	return tt_pass(f.icmp_error ? TT_R_NAT_ICMP_ERROR : TT_R_NAT_DNAT);
}

TT_INLINE int tt_to_wep_main(struct __sk_buff *skb)
{
	struct ethhdr *eth = tt_eth(skb);
	struct tt_verdict v;

	if (eth && eth->h_proto == bpf_htons(ETH_P_IP))
		v = tt_to_wep_ipv4(skb);
	else
		v = tt_pass(TT_R_TO_WEP_PASSED);
	tt_count(v.reason);
	return v.action;
}

#endif
