/**
 * Pure: the workload addresses that block routes do not cover, from WorkloadEndpoints — floating IPs
 * (`ipNATs`, the pod annotation cni.projectcalico.org/floatingIPs) and addresses outside every IPAM
 * block (`ipAddrsNoIpam`). Calico routes neither beyond the owning node; Tortie gives each a /32
 * route on every node. IPv4 only.
 */
import { cidrContains, parseIP } from '../model/ip.js';
import type { Resource } from '../model/resources.js';
import type { WorkloadEndpoint } from '../model/workload-endpoint.js';
import { endpointKey } from './endpoints.js';
import { byText, type BlockInfo } from './route-inputs.js';

export interface FloatingIp {
  external: string;
  internal: string;
  node: string;
  /** namespace/name of the WorkloadEndpoint */
  endpoint: string;
  ifname: string;
}

export interface UnmanagedIp {
  ip: string;
  node: string;
  endpoint: string;
  /** the endpoint's other IPv4 addresses (their pool decides the encapsulation when this one has none) */
  siblings: string[];
}

const isV4 = (ip: string) => !ip.includes(':');
const addressOf = (net: string) => net.split('/')[0]!;

function workloadEndpoints(resources: readonly Resource[]): WorkloadEndpoint[] {
  return resources
    .filter((r): r is WorkloadEndpoint => r.kind === 'WorkloadEndpoint')
    .sort((a, b) => byText(endpointKey(a), endpointKey(b)));
}

/**
 * Every IPv4 floating IP once, in endpoint order: an external IP claimed twice stays with the first
 * endpoint (as Calico resolves duplicate NAT mappings), and the clash is reported.
 */
export function collectFloatingIps(resources: readonly Resource[], warnings: string[]): FloatingIp[] {
  const seen = new Map<string, string>();
  const out: FloatingIp[] = [];
  for (const wep of workloadEndpoints(resources)) {
    const endpoint = endpointKey(wep);
    for (const nat of wep.spec.ipNATs ?? []) {
      if (!isV4(nat.externalIP) || !isV4(nat.internalIP)) continue;
      const first = seen.get(nat.externalIP);
      if (first !== undefined) {
        if (first !== endpoint) warnings.push(`floating IP ${nat.externalIP} is claimed by ${first} and ${endpoint}; using ${first}`);
        continue;
      }
      seen.set(nat.externalIP, endpoint);
      out.push({ external: nat.externalIP, internal: nat.internalIP, node: wep.spec.node, endpoint, ifname: wep.spec.interfaceName });
    }
  }
  return out;
}

/** Endpoint IPv4 addresses inside no known IPAM block. */
export function collectUnmanagedIps(resources: readonly Resource[], blocks: readonly BlockInfo[]): UnmanagedIp[] {
  const out: UnmanagedIp[] = [];
  for (const wep of workloadEndpoints(resources)) {
    const ips = wep.spec.ipNetworks.map(addressOf).filter(isV4);
    for (const ip of ips) {
      const parsed = parseIP(ip)!;
      if (blocks.some((b) => cidrContains(b.parsed, parsed))) continue;
      out.push({ ip, node: wep.spec.node, endpoint: endpointKey(wep), siblings: ips.filter((other) => other !== ip) });
    }
  }
  return out;
}
