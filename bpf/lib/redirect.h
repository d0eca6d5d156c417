/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Every way a packet leaves a program goes through these wrappers. The test build (-DTT_TEST)
 * records the target in tt_test_rec, since BPF_PROG_TEST_RUN only reports TC_ACT_REDIRECT. */
#ifndef TORTIE_REDIRECT_H
#define TORTIE_REDIRECT_H

#include "tt.h"

#ifdef TT_TEST
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tt_test_rec);
} tt_test_rec SEC(".maps");

TT_INLINE void tt_record(enum tt_redirect_kind kind, __u32 ifindex, __u64 flags)
{
	__u32 key = 0;
	struct tt_test_rec *rec = bpf_map_lookup_elem(&tt_test_rec, &key);

	if (rec) {
		rec->kind = kind;
		rec->ifindex = ifindex;
		rec->flags = flags;
	}
}
#else
#define tt_record(kind, ifindex, flags) do { } while (0)
#endif

TT_INLINE int tt_redirect(__u32 ifindex, __u64 flags)
{
	tt_record(TT_REDIR_PLAIN, ifindex, flags);
	return bpf_redirect(ifindex, flags);
}

/* Straight into the peer of a veth (the pod's eth0), skipping the host-side egress and backlog. */
TT_INLINE int tt_redirect_peer(__u32 ifindex, __u64 flags)
{
	tt_record(TT_REDIR_PEER, ifindex, flags);
	return bpf_redirect_peer(ifindex, flags);
}

#endif
