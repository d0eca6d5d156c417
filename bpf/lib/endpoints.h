/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef TORTIE_ENDPOINTS_H
#define TORTIE_ENDPOINTS_H

#include "maps.h"

TT_INLINE struct tt_ep_value *tt_ep_lookup(__be32 addr)
{
	struct tt_ep_key key = { .addr = addr };

	return bpf_map_lookup_elem(&tt_endpoints, &key);
}

/* The anti-spoofing test: is `addr` one of the IPs of the pod behind `ifindex`? */
TT_INLINE struct tt_ep_value *tt_ep_owned_by(__be32 addr, __u32 ifindex)
{
	struct tt_ep_value *ep = tt_ep_lookup(addr);

	if (!ep || ep->ifindex != ifindex)
		return 0;
	return ep;
}

#endif
