// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Entry points of the Tortie dataplane. Each is a thin dispatcher; the logic lives in lib/. */
#include "tt.h"
#include "from_wep.h"
#include "from_hep.h"
#include "to_hep.h"
#include "to_wep.h"

/* tc ingress of every cali* interface: traffic leaving a pod. */
SEC("tc")
int tt_from_wep(struct __sk_buff *skb)
{
	return tt_from_wep_main(skb);
}

/* tc ingress of the uplink: traffic arriving at the node. */
SEC("tc")
int tt_from_hep(struct __sk_buff *skb)
{
	return tt_from_hep_main(skb);
}

/* tc egress of the uplink: the host's own traffic to pods on other nodes gets its tunnel header. */
SEC("tc")
int tt_to_hep(struct __sk_buff *skb)
{
	return tt_to_hep_main(skb);
}

/* tc egress of every cali*: the host's packets to a floating IP of the pod get its own address. */
SEC("tc")
int tt_to_wep(struct __sk_buff *skb)
{
	return tt_to_wep_main(skb);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
