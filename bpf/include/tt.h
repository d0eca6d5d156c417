/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Common includes and small definitions for every Tortie BPF program. */
#ifndef TORTIE_TT_H
#define TORTIE_TT_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "abi.h"

#ifndef TC_ACT_UNSPEC
#define TC_ACT_UNSPEC (-1)
#endif

#define TT_INLINE static __always_inline

/* Configuration written by the loader into .rodata before load. */
const volatile struct tt_config TT_CONFIG = {};

_Static_assert(sizeof(struct tt_config) == 36, "tt_config layout is mirrored in TS");
_Static_assert(sizeof(struct tt_ep_value) == 16, "tt_ep_value layout is mirrored in TS");
_Static_assert(sizeof(struct tt_ifstate) == 20, "tt_ifstate layout is mirrored in TS");

/* Reads a MAC out of TT_CONFIG byte by byte: a plain memcpy would cast the volatile away and let
 * the compiler fold the all-zero initializer into the program. */
#define TT_CONFIG_MAC(dst, field)                              \
	do {                                                   \
		for (int __i = 0; __i < 6; __i++)              \
			(dst)[__i] = TT_CONFIG.field[__i];     \
	} while (0)

/* What a packet handler decided: a tc verdict plus the reason it is counted under. */
struct tt_verdict {
	int action;
	enum tt_reason reason;
};

TT_INLINE struct tt_verdict tt_pass(enum tt_reason reason)
{
	return (struct tt_verdict){ .action = TC_ACT_UNSPEC, .reason = reason };
}

TT_INLINE struct tt_verdict tt_drop(enum tt_reason reason)
{
	return (struct tt_verdict){ .action = TC_ACT_SHOT, .reason = reason };
}

#endif
