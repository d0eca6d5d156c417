/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef TORTIE_COUNTERS_H
#define TORTIE_COUNTERS_H

#include "maps.h"

/* Per-CPU slot, so a plain increment is race free. */
TT_INLINE void tt_count(enum tt_reason reason)
{
	__u32 key = reason;
	__u64 *slot = bpf_map_lookup_elem(&tt_counters, &key);

	if (slot)
		*slot += 1;
}

#endif
