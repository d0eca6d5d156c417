/**
 * Pure: which workload endpoints this node's dataplane must hold, from Calico WorkloadEndpoints.
 * Only this node's endpoints, only IPv4 addresses (Tortie is IPv4-only for now).
 */
import type { DesiredEndpoint } from '../dataplane/endpoints.js';
import { cidrContains, parseCidr, parseIP } from '../model/ip.js';
import type { Resource } from '../model/resources.js';
import type { WorkloadEndpoint } from '../model/workload-endpoint.js';
import { calcNatOutgoing } from './nat-outgoing.js';

export interface EndpointConflict {
  ip: string;
  /** the endpoint that keeps the IP first, then the ones that lose it */
  endpoints: string[];
}

export interface NodeEndpoints {
  endpoints: DesiredEndpoint[];
  conflicts: EndpointConflict[];
}

type ResourceLike = { kind: string };

const isWorkloadEndpoint = (r: ResourceLike): r is WorkloadEndpoint => r.kind === 'WorkloadEndpoint';

export function endpointKey(wep: WorkloadEndpoint): string {
  return `${wep.metadata.namespace}/${wep.metadata.name}`;
}

/**
 * Endpoints are taken in namespace/name order; an IP claimed by two endpoints stays with the first
 * (as Calico resolves duplicate NAT mappings) and the clash is reported.
 */
export function calcNodeEndpoints(resources: readonly Resource[], nodeName: string): NodeEndpoints {
  const weps: WorkloadEndpoint[] = [];
  for (const r of resources) if (isWorkloadEndpoint(r) && r.spec.node === nodeName) weps.push(r); // one pass over a cluster's worth
  weps.sort((a, b) => endpointKey(a).localeCompare(endpointKey(b)));
  const masquerading = calcNatOutgoing(resources).masqueradeFrom.map((cidr) => parseCidr(cidr)!);
  const owner = new Map<string, string>();
  const conflicts = new Map<string, EndpointConflict>();
  const endpoints: DesiredEndpoint[] = [];
  for (const wep of weps) {
    const key = endpointKey(wep);
    const ips: string[] = [];
    for (const net of wep.spec.ipNetworks) {
      const ip = net.split('/')[0]!;
      if (ip.includes(':')) continue; // IPv6
      const first = owner.get(ip);
      if (first === undefined) {
        owner.set(ip, key);
        ips.push(ip);
      } else {
        const c = conflicts.get(ip) ?? { ip, endpoints: [first] };
        c.endpoints.push(key);
        conflicts.set(ip, c);
      }
    }
    const natIps = ips.filter((ip) => wep.spec.ipNATs?.some((nat) => nat.internalIP === ip));
    const natOutgoingIps = ips.filter((ip) => masquerading.some((pool) => cidrContains(pool, parseIP(ip)!)));
    endpoints.push({ name: key, ifname: wep.spec.interfaceName, ips, natIps, natOutgoingIps, mac: wep.spec.mac ?? null });
  }
  return { endpoints, conflicts: [...conflicts.values()] };
}
