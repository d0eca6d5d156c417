/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Traffic arriving at the node on its uplink (tc ingress): tunnel packets from other nodes are
 * decapsulated and delivered straight to the pod; plain packets for local pods too. */
#ifndef TORTIE_FROM_HEP_H
#define TORTIE_FROM_HEP_H

#include "counters.h"
#include "encap.h"
#include "endpoints.h"
#include "from_wep.h"
#include "routes.h"

/* A workload of another node, reached through this one (a floating IP or a non-IPAM address
 * the outside routes here): sent on in BPF, unless the kernel must answer with an ICMP error. */
TT_INLINE struct tt_verdict tt_transit(struct __sk_buff *skb, struct iphdr *ip, const struct tt_route *rt, __u64 epoch)
{
	if (ip->ttl <= 1 || tt_too_big(skb, tt_route_overhead(rt->flags)))
		return tt_pass(TT_R_HEP_PASSED);
	return tt_route_to_remote_node(skb, ip, rt, epoch, TT_R_FWD_TRANSIT);
}

/* A floating IP of a pod here: translated, then delivered like any packet for that pod. One whose
 * TTL would expire goes to the kernel untranslated, so its time exceeded quotes the floating IP the
 * sender used, not the pod's own address. */
TT_INLINE struct tt_verdict tt_hep_dnat(struct __sk_buff *skb, struct iphdr *ip, __be32 int_addr, enum tt_reason delivered)
{
	__be32 ext = ip->daddr;
	struct tt_ep_value *ep;
	struct ethhdr *eth;
	struct tt_flow f;

	if (ip->ttl <= 1)
		return tt_pass(TT_R_PASSED_TTL);
	if (tt_flow_of(skb, &f) || tt_dnat(skb, &f, ext, int_addr))
		return tt_drop(TT_R_DROP_MALFORMED);
	tt_count(f.icmp_error ? TT_R_NAT_ICMP_ERROR : TT_R_NAT_DNAT);
	ep = tt_ep_lookup(int_addr);
	if (!ep)
		return tt_drop(TT_R_DROP_NAT_NO_EP);
	ip = tt_ipv4_header(skb);
	eth = TT_DATA(skb);
	if (!ip || (void *)(eth + 1) > TT_DATA_END(skb))
		return tt_drop(TT_R_DROP_MALFORMED);
	return tt_deliver_local(eth, ip, ep, delivered);
}

/* The IPv4 packet at ETH_HLEN (plain, or just decapsulated) for a local pod, a floating IP, a
 * workload elsewhere, or the host. */
TT_INLINE struct tt_verdict tt_hep_deliver(struct __sk_buff *skb, enum tt_reason delivered)
{
	struct iphdr *ip = tt_ipv4_header(skb);
	struct ethhdr *eth = TT_DATA(skb);
	struct tt_nat_value *nat;
	struct tt_ep_value *ep;
	struct tt_route *rt;
	__u64 epoch;

	if (!ip || (void *)(eth + 1) > TT_DATA_END(skb))
		return tt_drop(TT_R_DROP_MALFORMED);
	ep = tt_ep_lookup(ip->daddr);
	if (ep) {
		/* natOutgoing is the kernel's masquerade: a flow it never saw the start of would look new
		 * at the pod's first reply, and be masqueraded. So the kernel delivers these. */
		if ((ep->flags & TT_EP_F_NAT_OUT) && !tt_in_pool(ip->saddr))
			return tt_pass(TT_R_PASSED_CONNTRACK);
		if (ep->flags & TT_EP_F_NAT)
			tt_nat_note_direct(skb, ip->daddr);
		return tt_deliver_local(eth, ip, ep, delivered);
	}
	nat = tt_nat_lookup(TT_NAT_DNAT, ip->daddr);
	if (nat)
		return tt_hep_dnat(skb, ip, nat->addr, delivered);
	epoch = tt_epoch_now(); /* before the route lookup a cached next hop would be built from */
	rt = tt_route_lookup(ip->daddr);
	if (rt && tt_route_is_remote_workload(rt))
		return tt_transit(skb, ip, rt, epoch);
	return tt_pass(TT_R_HEP_PASSED); /* for the host itself: the kernel takes it from here */
}

TT_INLINE struct tt_verdict tt_decap_ipip(struct __sk_buff *skb, struct iphdr *outer)
{
	if (outer->ihl != 5 || (outer->frag_off & bpf_htons(TT_IP_OFFSET_MASK | TT_IP_MF)))
		return tt_pass(TT_R_HEP_PASSED); /* options or fragments: rare, left to the kernel */
	if (!tt_is_remote_node(outer->saddr))
		return tt_drop(TT_R_DROP_TUNNEL_SRC);
	if (bpf_skb_adjust_room(skb, -TT_IPIP_OVERHEAD, BPF_ADJ_ROOM_MAC, 0))
		return tt_drop(TT_R_DROP_ENCAP);
	return tt_hep_deliver(skb, TT_R_DECAP_IPIP);
}

TT_INLINE struct tt_verdict tt_decap_vxlan(struct __sk_buff *skb, struct iphdr *outer)
{
	struct tt_vxlanhdr *vx;
	struct ethhdr *inner_eth;
	struct udphdr *udp;
	__be32 saddr = outer->saddr;

	if (outer->ihl != 5 || (outer->frag_off & bpf_htons(TT_IP_OFFSET_MASK | TT_IP_MF)))
		return tt_pass(TT_R_HEP_PASSED);
	/* Any UDP for the host comes this way: look at the port before asking for a VXLAN's length. */
	if (!tt_linear(skb, ETH_HLEN + sizeof(struct iphdr) + sizeof(*udp)))
		return tt_pass(TT_R_HEP_PASSED);
	udp = TT_DATA(skb) + ETH_HLEN + sizeof(struct iphdr);
	if ((void *)(udp + 1) > TT_DATA_END(skb) || udp->dest != bpf_htons(TT_CONFIG.vxlan_port))
		return tt_pass(TT_R_HEP_PASSED);
	if (!tt_linear(skb, ETH_HLEN + TT_VXLAN_OVERHEAD + sizeof(struct iphdr)))
		return tt_drop(TT_R_DROP_MALFORMED);
	udp = TT_DATA(skb) + ETH_HLEN + sizeof(struct iphdr);
	vx = (void *)(udp + 1);
	inner_eth = (void *)(vx + 1);
	if ((void *)(inner_eth + 1) > TT_DATA_END(skb))
		return tt_drop(TT_R_DROP_MALFORMED);
	/* Another VNI, or no VNI: not Calico's overlay, not ours. */
	if (!(vx->flags & bpf_htonl(TT_VXLAN_FLAG_VNI)) || vx->vni != bpf_htonl(TT_CONFIG.vxlan_vni << 8))
		return tt_pass(TT_R_HEP_PASSED);
	if (!tt_is_remote_node(saddr))
		return tt_drop(TT_R_DROP_TUNNEL_SRC);
	if (inner_eth->h_proto != bpf_htons(ETH_P_IP))
		return tt_drop(TT_R_DROP_MALFORMED);
	if (bpf_skb_adjust_room(skb, -TT_VXLAN_OVERHEAD, BPF_ADJ_ROOM_MAC, 0))
		return tt_drop(TT_R_DROP_ENCAP);
	return tt_hep_deliver(skb, TT_R_DECAP_VXLAN);
}

TT_INLINE struct tt_verdict tt_hep_ipv4(struct __sk_buff *skb)
{
	struct iphdr *ip = tt_ipv4_header(skb);

	if (!ip)
		return tt_drop(TT_R_DROP_MALFORMED);
	if (ip->daddr == TT_CONFIG.host_ip && TT_CONFIG.host_ip) {
		if (ip->protocol == TT_IPPROTO_IPIP)
			return tt_decap_ipip(skb, ip);
		if (ip->protocol == TT_IPPROTO_UDP)
			return tt_decap_vxlan(skb, ip);
		return tt_pass(TT_R_HEP_PASSED);
	}
	/* Unencapsulated: direct or same-subnet routing from a node, or from outside the cluster. */
	return tt_hep_deliver(skb, TT_R_FWD_FROM_REMOTE);
}

TT_INLINE int tt_from_hep_main(struct __sk_buff *skb)
{
	struct ethhdr *eth = tt_eth(skb);
	struct tt_verdict v;

	if (!eth)
		v = tt_drop(TT_R_DROP_MALFORMED);
	else if (eth->h_proto == bpf_htons(ETH_P_IP))
		v = tt_hep_ipv4(skb);
	else
		v = tt_pass(TT_R_HEP_PASSED);
	tt_count(v.reason);
	return v.action;
}

#endif
