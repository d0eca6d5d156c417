// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Fixture for test/native: a program the verifier must reject (packet read without a bounds check). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int bad_prog(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;

	return *(__u32 *)data;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
