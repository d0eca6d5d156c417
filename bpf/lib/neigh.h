/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef TORTIE_NEIGH_H
#define TORTIE_NEIGH_H

#include "maps.h"

TT_INLINE struct tt_neigh *tt_neigh_lookup(__u32 ifindex, __be32 addr)
{
	struct tt_neigh_key key = { .ifindex = ifindex, .addr = addr };

	return bpf_map_lookup_elem(&tt_neigh, &key);
}

/* A MAC we can use without asking the kernel: confirmed recently, or static. */
TT_INLINE int tt_neigh_usable(const struct tt_neigh *n)
{
	return n && (n->state & (TT_NUD_REACHABLE | TT_NUD_PERMANENT | TT_NUD_NOARP));
}

/* The VXLAN tunnel MAC of the node at `node_ip` (static entries written by the controller). */
TT_INLINE struct tt_neigh *tt_vtep_lookup(__be32 node_ip)
{
	return tt_neigh_lookup(TT_NEIGH_VTEP_IFINDEX, node_ip);
}

#endif
