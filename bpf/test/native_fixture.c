// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fixture for test/native: one map of each kind the native layer must handle, a .rodata config,
 * and programs whose return value proves the config was set and the maps are the ones we wrote.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

/* Set by the loader before load; the test reads it back through the program's verdict. */
struct nf_config {
	__u32 magic;   /* key looked up in nf_hash */
	__u32 add;     /* added to the verdict */
	__u8 mac[6];   /* mac[0] is written over the first packet byte */
	__u16 port;
	__be32 addr;   /* looked up in nf_lpm as a /32 */
};

const volatile struct nf_config NF_CONFIG = {};

struct nf_lpm_key {
	__u32 prefixlen;
	__be32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} nf_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32); /* 4 bytes: the kernel pads each CPU's slot to 8 */
} nf_percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16);
	__type(key, struct nf_lpm_key);
	__type(value, __u32);
} nf_lpm SEC(".maps");

/* verdict = config.add + nf_hash[config.magic] + nf_lpm[config.addr/32]; counts runs in nf_percpu[0] */
SEC("tc")
int nf_prog(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct nf_lpm_key lk = { .prefixlen = 32, .addr = NF_CONFIG.addr };
	__u32 key = NF_CONFIG.magic, zero = 0;
	__u32 ret = NF_CONFIG.add;
	__u64 *hv;
	__u32 *lv, *cnt;

	hv = bpf_map_lookup_elem(&nf_hash, &key);
	if (hv)
		ret += (__u32)*hv;
	lv = bpf_map_lookup_elem(&nf_lpm, &lk);
	if (lv)
		ret += *lv;
	cnt = bpf_map_lookup_elem(&nf_percpu, &zero);
	if (cnt)
		(*cnt)++;
	if (data + 1 <= end)
		*(__u8 *)data = NF_CONFIG.mac[0];
	return ret;
}

/* A second program, to swap in with link update / filter replace. */
SEC("tc")
int nf_other(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
