/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef TORTIE_ROUTES_H
#define TORTIE_ROUTES_H

#include "maps.h"

TT_INLINE struct tt_route *tt_route_lookup(__be32 addr)
{
	struct tt_route_key key = { .prefix_len = 32, .addr = addr };

	return bpf_map_lookup_elem(&tt_routes, &key);
}

TT_INLINE int tt_route_is_remote_workload(const struct tt_route *rt)
{
	return rt->type == TT_RT_REMOTE_BLOCK || rt->type == TT_RT_REMOTE_WORKLOAD;
}

/* Inside some IP pool (pod addresses, as opposed to hosts and the outside world). */
TT_INLINE int tt_in_pool(__be32 addr)
{
	struct tt_route *rt = tt_route_lookup(addr);

	return rt && (rt->flags & TT_RF_IN_POOL);
}

/* Tunnel packets are only accepted from the cluster's own nodes (as Calico's all-hosts set). */
TT_INLINE int tt_is_remote_node(__be32 addr)
{
	struct tt_route *rt = tt_route_lookup(addr);

	return rt && rt->type == TT_RT_REMOTE_HOST;
}

#endif
