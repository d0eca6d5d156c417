/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef TORTIE_IPV4_H
#define TORTIE_IPV4_H

#include "parse.h"

/* Validates the IPv4 header at offset ETH_HLEN and returns it, or 0 for a malformed one:
 * too short, wrong version, IHL below 5, or a total length the frame does not hold. */
TT_INLINE struct iphdr *tt_ipv4_header(struct __sk_buff *skb)
{
	struct iphdr *ip;
	__u32 tot_len;

	if (!tt_linear(skb, ETH_HLEN + sizeof(*ip)))
		return 0;
	ip = TT_DATA(skb) + ETH_HLEN;
	if ((void *)(ip + 1) > TT_DATA_END(skb))
		return 0;
	if (ip->version != 4 || ip->ihl < 5)
		return 0;
	tot_len = bpf_ntohs(ip->tot_len);
	if (tot_len < ip->ihl * 4u || tot_len > skb->len - ETH_HLEN)
		return 0;
	return ip;
}

/* TTL - 1 with the incremental header checksum update of RFC 1624 (as the kernel's ip_decrease_ttl). */
TT_INLINE void tt_ipv4_dec_ttl(struct iphdr *ip)
{
	__u32 check = ip->check;

	check += bpf_htons(0x0100);
	ip->check = (__sum16)(check + (check >= 0xFFFF));
	ip->ttl--;
}

#endif
