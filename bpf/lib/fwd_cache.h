/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The forwarding cache: one hash lookup instead of route (LPM) + neighbour + VTEP lookups for a
 * destination on another node. Entries of an older epoch are ignored, so the controller never
 * has to find and delete the entries a route or neighbour change made stale. */
#ifndef TORTIE_FWD_CACHE_H
#define TORTIE_FWD_CACHE_H

#include "maps.h"

/* Read before the lookups an entry is built from: a change that lands after it bumps the epoch
 * and so outdates the entry. */
TT_INLINE __u64 tt_epoch_now(void)
{
	__u32 key = 0;
	__u64 *epoch = bpf_map_lookup_elem(&tt_epoch, &key);

	return epoch ? *epoch : 0;
}

/* Copies a current entry for `addr` into `out`; 0 when there is none. */
TT_INLINE int tt_fwd_lookup(__be32 addr, __u64 epoch, struct tt_fwd_entry *out)
{
	struct tt_fwd_key key = { .addr = addr };
	struct tt_fwd_entry *e = bpf_map_lookup_elem(&tt_fwd_cache, &key);

	if (!e || e->epoch != epoch)
		return 0;
	*out = *e;
	return 1;
}

TT_INLINE void tt_fwd_store(__be32 addr, const struct tt_fwd_entry *e)
{
	struct tt_fwd_key key = { .addr = addr };

	bpf_map_update_elem(&tt_fwd_cache, &key, e, BPF_ANY);
}

#endif
