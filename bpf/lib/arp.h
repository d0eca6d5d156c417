/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The ARP responder that replaces proxy_arp on cali interfaces. */
#ifndef TORTIE_ARP_H
#define TORTIE_ARP_H

#include "endpoints.h"
#include "parse.h"
#include "redirect.h"

#define TT_ARPHRD_ETHER 1
#define TT_ARPOP_REQUEST 1
#define TT_ARPOP_REPLY 2

/* Ethernet/IPv4 ARP body (RFC 826); the IPv4 fields are unaligned, hence packed. */
struct tt_arp {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__be32 spa;
	__u8 tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));

/* Turns the request in place into the reply "tpa is at ee:ee:ee:ee:ee:ee" addressed to the sender. */
TT_INLINE void tt_arp_make_reply(struct ethhdr *eth, struct tt_arp *arp)
{
	__be32 asked = arp->tpa;

	__builtin_memcpy(eth->h_dest, arp->sha, ETH_ALEN);
	tt_set_host_mac(eth->h_source);
	arp->op = bpf_htons(TT_ARPOP_REPLY);
	__builtin_memcpy(arp->tha, arp->sha, ETH_ALEN);
	arp->tpa = arp->spa;
	tt_set_host_mac(arp->sha);
	arp->spa = asked;
}

/* ARP from a pod: answer for every address but the pod's own, as proxy_arp would. */
TT_INLINE struct tt_verdict tt_wep_arp(struct __sk_buff *skb)
{
	struct ethhdr *eth;
	struct tt_arp *arp;

	if (!tt_linear(skb, ETH_HLEN + sizeof(*arp)))
		return tt_drop(TT_R_DROP_MALFORMED);
	eth = TT_DATA(skb);
	arp = (void *)(eth + 1);
	if ((void *)(arp + 1) > TT_DATA_END(skb))
		return tt_drop(TT_R_DROP_MALFORMED);
	if (arp->htype != bpf_htons(TT_ARPHRD_ETHER) || arp->ptype != bpf_htons(ETH_P_IP) ||
	    arp->hlen != ETH_ALEN || arp->plen != 4)
		return tt_drop(TT_R_DROP_MALFORMED);

	/* An address probe (RFC 5227) claims nothing: let the kernel see it, answer nothing. */
	if (arp->spa == 0)
		return tt_pass(TT_R_PASSED_ARP);
	if (!tt_ep_owned_by(arp->spa, skb->ifindex))
		return tt_drop(TT_R_DROP_SPOOF_ARP);
	if (arp->op != bpf_htons(TT_ARPOP_REQUEST))
		return tt_pass(TT_R_PASSED_ARP);
	/* Gratuitous ARP, or a question about one of its own addresses: nothing to answer. */
	if (arp->tpa == arp->spa || tt_ep_owned_by(arp->tpa, skb->ifindex))
		return tt_pass(TT_R_PASSED_ARP);

	tt_arp_make_reply(eth, arp);
	return (struct tt_verdict){ .action = tt_redirect(skb->ifindex, 0), .reason = TT_R_ARP_REPLIED };
}

#endif
