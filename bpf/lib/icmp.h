/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ICMP "fragmentation needed" built from a packet too big to encapsulate, so that path MTU
 * discovery works: the sender learns the MTU left after the tunnel overhead. */
#ifndef TORTIE_ICMP_H
#define TORTIE_ICMP_H

#include "csum.h"
#include "ipv4.h"
#include "redirect.h"

#define TT_IPPROTO_ICMP 1
#define TT_ICMP_DEST_UNREACH 3
#define TT_ICMP_FRAG_NEEDED 4
#define TT_IP_OFFSET_MASK 0x1fff
#define TT_IP_MF 0x2000 /* more fragments follow */
/* RFC 792: the original IP header and the first 8 bytes of its payload. */
#define TT_ICMP_QUOTE (20 + 8)
#define TT_ICMP_HDR 8
#define TT_ICMP_LEN (TT_ICMP_HDR + TT_ICMP_QUOTE)

struct tt_icmp_frag {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 unused;
	__be16 mtu;
};

/* Never answer an ICMP error with an ICMP error, nor a non-first fragment (RFC 1122 3.2.2). */
TT_INLINE int tt_icmp_may_reply(struct __sk_buff *skb, struct iphdr *ip)
{
	__u8 *icmp_type = (void *)(ip + 1);

	if (ip->ihl != 5 || (ip->frag_off & bpf_htons(TT_IP_OFFSET_MASK)))
		return 0;
	if (ip->protocol != TT_IPPROTO_ICMP)
		return 1;
	if ((void *)(icmp_type + 1) > TT_DATA_END(skb))
		return 0;
	return *icmp_type == 0 || *icmp_type == 8; /* echo reply / request */
}

/*
 * Rewrites the skb into "ICMP dest unreachable, frag needed, next-hop MTU `mtu`" addressed to the
 * original sender, and redirects it to `ifindex` with `flags`. `eth_dst`/`eth_src` are its MACs.
 */
TT_INLINE int tt_icmp_frag_needed(struct __sk_buff *skb, __u32 mtu, const __u8 *eth_dst, const __u8 *eth_src,
				  __u32 ifindex, __u64 flags)
{
	__u8 dst_mac[ETH_ALEN], src_mac[ETH_ALEN];
	struct tt_icmp_frag *icmp;
	struct ethhdr *eth;
	struct iphdr *ip;
	__be32 sender;

	ip = TT_DATA(skb) + ETH_HLEN;
	if ((void *)ip + TT_ICMP_QUOTE > TT_DATA_END(skb) || !tt_icmp_may_reply(skb, ip))
		return TC_ACT_SHOT;
	sender = ip->saddr;
	__builtin_memcpy(dst_mac, eth_dst, ETH_ALEN);
	__builtin_memcpy(src_mac, eth_src, ETH_ALEN);

	/* Keep the quote, then open room for the new IPv4 + ICMP headers in front of it. */
	if (bpf_skb_change_tail(skb, ETH_HLEN + TT_ICMP_QUOTE, 0))
		return TC_ACT_SHOT;
	if (bpf_skb_adjust_room(skb, sizeof(struct iphdr) + TT_ICMP_HDR, BPF_ADJ_ROOM_MAC, 0))
		return TC_ACT_SHOT;

	eth = TT_DATA(skb);
	ip = (void *)(eth + 1);
	icmp = (void *)(ip + 1);
	if ((void *)icmp + TT_ICMP_LEN > TT_DATA_END(skb))
		return TC_ACT_SHOT;
	__builtin_memcpy(eth->h_dest, dst_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, src_mac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);

	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0xc0; /* internetwork control, as the kernel's own ICMP */
	ip->tot_len = bpf_htons(sizeof(*ip) + TT_ICMP_LEN);
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = 64;
	ip->protocol = TT_IPPROTO_ICMP;
	ip->check = 0;
	/* From this node; 169.254.1.1 (the pods' gateway) when it has no address of its own. */
	ip->saddr = TT_CONFIG.host_ip ? TT_CONFIG.host_ip : bpf_htonl(0xa9fe0101);
	ip->daddr = sender;
	ip->check = tt_ipv4_csum(ip);

	icmp->type = TT_ICMP_DEST_UNREACH;
	icmp->code = TT_ICMP_FRAG_NEEDED;
	icmp->checksum = 0;
	icmp->unused = 0;
	icmp->mtu = bpf_htons(mtu);
	icmp->checksum = (__sum16)tt_csum_fold(tt_csum_words((const __u16 *)icmp, TT_ICMP_LEN / 2));
	return tt_redirect(ifindex, flags);
}

#endif
