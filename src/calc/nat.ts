/**
 * Pure: this node's NAT table from its endpoints' floating IPs — each external IP to its pod (DNAT),
 * and each pod IP to the floating IP it leaves with (SNAT; the first when it has several).
 */
import type { FloatingIp } from './workload-ips.js';

export interface NatEntry {
  dir: 'dnat' | 'snat';
  /** the key: external IP for dnat, internal IP for snat */
  from: string;
  to: string;
}

/** @param floatingIps the cluster's, each once (collectFloatingIps) */
export function calcNodeNat(floatingIps: readonly FloatingIp[], nodeName: string): NatEntry[] {
  const entries: NatEntry[] = [];
  const snat = new Set<string>();
  for (const fip of floatingIps) {
    if (fip.node !== nodeName) continue;
    entries.push({ dir: 'dnat', from: fip.external, to: fip.internal });
    if (snat.has(fip.internal)) continue;
    snat.add(fip.internal);
    entries.push({ dir: 'snat', from: fip.internal, to: fip.external });
  }
  return entries;
}
