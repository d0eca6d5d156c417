/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Traffic arriving at the node on its uplink (tc ingress). For now only counted and handed to the
 * kernel; decapsulation and delivery to pods build on this hook. */
#ifndef TORTIE_FROM_HEP_H
#define TORTIE_FROM_HEP_H

#include "counters.h"

TT_INLINE int tt_from_hep_main(struct __sk_buff *skb)
{
	tt_count(TT_R_HEP_PASSED);
	return TC_ACT_UNSPEC;
}

#endif
