/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef TORTIE_PARSE_H
#define TORTIE_PARSE_H

#include "tt.h"

/*
 * skb->data and skb->data_end, loaded straight from the context each time. As plain member reads,
 * clang may keep `&skb->data_end` in a register and load through it later, which the verifier
 * rejects ("dereference of modified ctx ptr"); the asm pins the form `r = *(u32 *)(ctx + off)`.
 */
TT_INLINE void *tt_skb_ptr(struct __sk_buff *skb, const int off)
{
	void *p;

	asm volatile("%0 = *(u32 *)(%1 + %2)" : "=r"(p) : "r"(skb), "i"(off));
	return p;
}

#define TT_DATA(skb) tt_skb_ptr(skb, __builtin_offsetof(struct __sk_buff, data))
#define TT_DATA_END(skb) tt_skb_ptr(skb, __builtin_offsetof(struct __sk_buff, data_end))

/* Makes the first `len` bytes directly readable (pulling non-linear data if needed);
 * false when the frame is shorter than that. Packet pointers must be reloaded after. */
TT_INLINE int tt_linear(struct __sk_buff *skb, __u32 len)
{
	if (TT_DATA(skb) + len <= TT_DATA_END(skb))
		return 1;
	if (skb->len < len)
		return 0;
	if (bpf_skb_pull_data(skb, len))
		return 0;
	return TT_DATA(skb) + len <= TT_DATA_END(skb);
}

/* The frame's Ethernet header, or 0 when the frame is shorter than one. */
TT_INLINE struct ethhdr *tt_eth(struct __sk_buff *skb)
{
	struct ethhdr *eth;

	if (!tt_linear(skb, ETH_HLEN))
		return 0;
	eth = TT_DATA(skb);
	if ((void *)(eth + 1) > TT_DATA_END(skb))
		return 0;
	return eth;
}

TT_INLINE void tt_set_host_mac(__u8 *mac)
{
	__builtin_memset(mac, TT_HOST_MAC_BYTE, ETH_ALEN);
}

#endif
