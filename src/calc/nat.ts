/**
 * Pure: this node's NAT table from its endpoints' floating IPs — each external IP to its pod (DNAT),
 * and each pod IP to the floating IP it leaves with (SNAT; the first when it has several).
 */
import type { Resource } from '../model/resources.js';
import { collectFloatingIps } from './workload-ips.js';

export interface NatEntry {
  dir: 'dnat' | 'snat';
  /** the key: external IP for dnat, internal IP for snat */
  from: string;
  to: string;
}

export function calcNodeNat(resources: readonly Resource[], nodeName: string, warnings: string[] = []): NatEntry[] {
  const entries: NatEntry[] = [];
  const snat = new Set<string>();
  for (const fip of collectFloatingIps(resources, warnings)) {
    if (fip.node !== nodeName) continue;
    entries.push({ dir: 'dnat', from: fip.external, to: fip.internal });
    if (snat.has(fip.internal)) continue;
    snat.add(fip.internal);
    entries.push({ dir: 'snat', from: fip.internal, to: fip.external });
  }
  return entries;
}
