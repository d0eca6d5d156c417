/** Pure: which pools masquerade traffic leaving them (natOutgoing), and the set of every pool. IPv4. */
import { formatCidr, networkOf, parseCidr } from '../model/ip.js';
import type { Resource } from '../model/resources.js';

export interface NatOutgoing {
  /** sources to masquerade: pools with natOutgoing */
  masqueradeFrom: string[];
  /** destinations that keep the pod's address: every pool */
  pools: string[];
}

export function calcNatOutgoing(resources: readonly Resource[]): NatOutgoing {
  const masqueradeFrom: string[] = [];
  const pools: string[] = [];
  for (const r of resources) {
    if (r.kind !== 'IPPool') continue;
    const cidr = parseCidr(r.spec.cidr);
    if (cidr?.family !== 4) continue;
    const text = formatCidr(networkOf(cidr));
    pools.push(text);
    if (r.spec.natOutgoing) masqueradeFrom.push(text);
  }
  return { masqueradeFrom: [...new Set(masqueradeFrom)].sort(), pools: [...new Set(pools)].sort() };
}
