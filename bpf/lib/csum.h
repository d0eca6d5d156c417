/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef TORTIE_CSUM_H
#define TORTIE_CSUM_H

#include "tt.h"

TT_INLINE __u16 tt_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* One's complement sum of `words` 16-bit words already bounds-checked by the caller. */
TT_INLINE __u32 tt_csum_words(const __u16 *p, int words)
{
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < words; i++)
		sum += p[i];
	return sum;
}

/* Header checksum of a 20-byte IPv4 header (its check field must be 0). */
TT_INLINE __sum16 tt_ipv4_csum(struct iphdr *ip)
{
	return (__sum16)tt_csum_fold(tt_csum_words((const __u16 *)ip, sizeof(*ip) / 2));
}

#endif
