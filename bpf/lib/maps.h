/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Map definitions shared by all programs of the object. Pinned by the TS loader (not by libbpf),
 * under <pin dir>/<name>_v<layout version>; see src/dataplane/maps/. */
#ifndef TORTIE_MAPS_H
#define TORTIE_MAPS_H

#include "tt.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tt_ep_key);
	__type(value, struct tt_ep_value);
} tt_endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* ifindex */
	__type(value, struct tt_ifstate);
} tt_ifstate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TT_R_MAX);
	__type(key, __u32); /* enum tt_reason */
	__type(value, __u64);
} tt_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 262144);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tt_route_key);
	__type(value, struct tt_route);
} tt_routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tt_neigh_key);
	__type(value, struct tt_neigh);
} tt_neigh SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tt_nat_key);
	__type(value, struct tt_nat_value);
} tt_nat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tt_nat_ct_key);
	__type(value, struct tt_nat_ct_value);
} tt_nat_ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tt_fwd_key);
	__type(value, struct tt_fwd_entry);
} tt_fwd_cache SEC(".maps");

/* The epoch of tt_fwd_cache, renewed by the controller after changing routes or neighbours. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} tt_epoch SEC(".maps");

#endif
