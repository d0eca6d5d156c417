/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* IPIP and VXLAN encapsulation built in BPF (no tunl0, no vxlan device), as Calico's wire format. */
#ifndef TORTIE_ENCAP_H
#define TORTIE_ENCAP_H

#include <linux/udp.h>
#include "csum.h"
#include "parse.h"

#define TT_IPPROTO_IPIP 4
#define TT_IPPROTO_UDP 17
#define TT_IP_DF 0x4000
#define TT_IPIP_OVERHEAD 20
#define TT_VXLAN_OVERHEAD 50 /* outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 */
#define TT_VXLAN_FLAG_VNI 0x08000000

struct tt_vxlanhdr {
	__be32 flags;
	__be32 vni; /* VNI << 8 */
};

/* What the outer header copies from the inner one. */
struct tt_inner_info {
	__u8 tos;
	__be16 df;
};

TT_INLINE int tt_inner_info(struct __sk_buff *skb, struct tt_inner_info *info)
{
	struct iphdr *ip = TT_DATA(skb) + ETH_HLEN;

	if ((void *)(ip + 1) > TT_DATA_END(skb))
		return -1;
	info->tos = ip->tos;
	info->df = ip->frag_off & bpf_htons(TT_IP_DF);
	return 0;
}

TT_INLINE void tt_write_outer_ipv4(struct iphdr *outer, const struct tt_inner_info *info, __u32 tot_len,
				   __u8 proto, __be32 daddr)
{
	outer->version = 4;
	outer->ihl = 5;
	outer->tos = info->tos;
	outer->tot_len = bpf_htons(tot_len);
	/* DF packets need no unique ID; others may be fragmented on the way, so give them one. */
	outer->id = info->df ? 0 : (__be16)bpf_get_prandom_u32();
	outer->frag_off = info->df;
	outer->ttl = 64;
	outer->protocol = proto;
	outer->check = 0;
	outer->saddr = TT_CONFIG.host_ip;
	outer->daddr = daddr;
	outer->check = tt_ipv4_csum(outer);
}

/* Eth | IPv4 ...  =>  Eth | IPv4(proto 4, this node -> daddr) | IPv4 ... */
TT_INLINE int tt_encap_ipip(struct __sk_buff *skb, __be32 daddr)
{
	struct tt_inner_info info;
	struct iphdr *outer;

	if (tt_inner_info(skb, &info))
		return -1;
	/* Without FIXED_GSO the kernel shrinks gso_size by the overhead, so GSO segments still fit. */
	if (bpf_skb_adjust_room(skb, TT_IPIP_OVERHEAD, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4))
		return -1;
	outer = TT_DATA(skb) + ETH_HLEN;
	if ((void *)(outer + 1) > TT_DATA_END(skb))
		return -1;
	tt_write_outer_ipv4(outer, &info, skb->len - ETH_HLEN, TT_IPPROTO_IPIP, daddr);
	return 0;
}

/*
 * A flow's packets share a source port (entropy for ECMP/RSS), as the kernel's udp_flow_src_port.
 * The skb's own hash when the sender set one; else a mix of the inner addresses and ports, which
 * costs a few instructions where bpf_get_hash_recalc runs the whole flow dissector.
 */
TT_INLINE __be16 tt_vxlan_sport(struct __sk_buff *skb)
{
	struct iphdr *ip = TT_DATA(skb) + ETH_HLEN;
	__u32 hash = skb->hash;

	if (!hash && (void *)(ip + 1) + 4 <= TT_DATA_END(skb)) {
		__u32 ports = ip->ihl == 5 && (ip->protocol == 6 || ip->protocol == 17) ? *(__u32 *)(ip + 1) : 0;

		hash = (ip->saddr ^ ip->daddr ^ ports ^ ip->protocol) * 0x9e3779b1;
		hash ^= hash >> 15;
	}
	return bpf_htons(32768 + (hash ^ (hash >> 16)) % 28232);
}

/* Eth | IPv4 ...  =>  Eth | IPv4 | UDP 4789 | VXLAN VNI | Eth(remote VTEP <- own VTEP) | IPv4 ... */
TT_INLINE int tt_encap_vxlan(struct __sk_buff *skb, __be32 daddr, const __u8 *remote_vtep_mac)
{
	const __u64 flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_UDP |
			    BPF_F_ADJ_ROOM_ENCAP_L2_ETH | BPF_F_ADJ_ROOM_ENCAP_L2(ETH_HLEN);
	struct tt_inner_info info;
	struct tt_vxlanhdr *vx;
	struct ethhdr *inner_eth;
	struct udphdr *udp;
	struct iphdr *outer;
	__u8 vtep_mac[ETH_ALEN];
	__be16 sport;

	if (tt_inner_info(skb, &info))
		return -1;
	/* Copied first: the map value may not be read across the helper that resizes the packet. */
	__builtin_memcpy(vtep_mac, remote_vtep_mac, ETH_ALEN);
	sport = tt_vxlan_sport(skb);
	if (bpf_skb_adjust_room(skb, TT_VXLAN_OVERHEAD, BPF_ADJ_ROOM_MAC, flags))
		return -1;
	outer = TT_DATA(skb) + ETH_HLEN;
	udp = (void *)(outer + 1);
	vx = (void *)(udp + 1);
	inner_eth = (void *)(vx + 1);
	if ((void *)(inner_eth + 1) > TT_DATA_END(skb))
		return -1;
	tt_write_outer_ipv4(outer, &info, skb->len - ETH_HLEN, TT_IPPROTO_UDP, daddr);
	udp->source = sport;
	udp->dest = bpf_htons(TT_CONFIG.vxlan_port);
	udp->len = bpf_htons(skb->len - ETH_HLEN - sizeof(*outer));
	udp->check = 0; /* legal for UDP over IPv4, and what Calico's peers accept */
	vx->flags = bpf_htonl(TT_VXLAN_FLAG_VNI);
	vx->vni = bpf_htonl(TT_CONFIG.vxlan_vni << 8);
	__builtin_memcpy(inner_eth->h_dest, vtep_mac, ETH_ALEN);
	TT_CONFIG_MAC(inner_eth->h_source, vtep_mac);
	inner_eth->h_proto = bpf_htons(ETH_P_IP);
	return 0;
}

#endif
