/**
 * Pure: the workload addresses that block routes do not cover, from WorkloadEndpoints — floating IPs
 * (`ipNATs`, the pod annotation cni.projectcalico.org/floatingIPs) and addresses outside every IPAM
 * block (`ipAddrsNoIpam`). Calico routes neither beyond the owning node; Tortie gives each a /32
 * route on every node. IPv4 only.
 */
import { parseIPv4, type ParsedCidr } from '../model/ip.js';
import { quickAddress } from './ipv4.js';
import { memo } from './memo.js';
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

/**
 * The WorkloadEndpoints `keep` selects, in namespace/name order. A cluster has ~100,000 and few of them
 * matter here, so they are selected before sorting, and each key is built once, not per comparison.
 */
function workloadEndpoints(resources: readonly Resource[], keep: (wep: WorkloadEndpoint) => boolean): WorkloadEndpoint[] {
  const selected: Array<{ wep: WorkloadEndpoint; key: string }> = [];
  for (const r of resources) if (r.kind === 'WorkloadEndpoint' && keep(r)) selected.push({ wep: r, key: endpointKey(r) });
  return selected.sort((a, b) => byText(a.key, b.key)).map((s) => s.wep);
}

const hasFloatingIps = (wep: WorkloadEndpoint) => (wep.spec.ipNATs?.length ?? 0) > 0;

/** The IPv4 address of an ipNetworks entry ('a.b.c.d' or 'a.b.c.d/len') as a number; undefined when not IPv4. */
export function ipv4Of(net: string): number | undefined {
  const quick = quickAddress(net);
  if (quick !== undefined) return quick;
  const ip = addressOf(net);
  return isV4(ip) ? parseIPv4(ip) : undefined;
}

/**
 * IPv4 block networks, asked whether an address is inside one of them: one set lookup per distinct
 * block size, rather than a comparison with every block (5,000 blocks × 100,000 endpoints). Kept up to
 * date one block at a time by the daemon's ClusterIndex.
 */
export class BlockNetworks {
  /** block size (addresses) → networks of that size */
  private readonly bySize = new Map<number, Map<number, number>>();

  constructor(blocks: ReadonlyArray<Pick<BlockInfo, 'parsed'>> = []) {
    for (const b of blocks) this.add(b.parsed);
  }

  /** Counted: a network added twice stays until removed twice. */
  add(cidr: ParsedCidr): void {
    if (cidr.family !== 4) return;
    const size = 2 ** (32 - cidr.prefixLen);
    let nets = this.bySize.get(size);
    if (!nets) this.bySize.set(size, (nets = new Map()));
    const net = Number(cidr.addr); // a network: host bits are clear
    nets.set(net, (nets.get(net) ?? 0) + 1);
  }

  /** Whether the network is gone now (it was added once more than removed). */
  remove(cidr: ParsedCidr): boolean {
    const size = 2 ** (32 - cidr.prefixLen);
    const nets = this.bySize.get(size);
    const net = Number(cidr.addr);
    const count = nets?.get(net);
    if (cidr.family !== 4 || !nets || count === undefined) return false;
    if (count > 1) return void nets.set(net, count - 1), false;
    nets.delete(net);
    if (nets.size === 0) this.bySize.delete(size);
    return true;
  }

  /** Whether the IPv4 address (a number; undefined: not IPv4) is inside one of the networks. */
  has(value: number | undefined): boolean {
    if (value === undefined) return false;
    for (const [size, nets] of this.bySize) if (nets.has(value - (value % size))) return true;
    return false;
  }
}

/**
 * Every IPv4 floating IP once, in endpoint order: an external IP claimed twice stays with the first
 * endpoint (as Calico resolves duplicate NAT mappings), and the clash is reported.
 */
export function collectFloatingIps(resources: readonly Resource[], warnings: string[]): FloatingIp[] {
  const seen = new Map<string, string>();
  const out: FloatingIp[] = [];
  for (const wep of workloadEndpoints(resources, hasFloatingIps)) {
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

/** One per list of blocks (collectRouteInputs hands out the same list while the blocks stay the same). */
const networksOf = memo((blocks: readonly BlockInfo[]) => new BlockNetworks(blocks));

/** Whether any IPv4 address of the endpoint is inside none of the blocks. */
export function hasUnmanagedIp(wep: WorkloadEndpoint, blocks: BlockNetworks): boolean {
  for (const net of wep.spec.ipNetworks) if (!blocks.has(ipv4Of(net)) && isV4(net)) return true;
  return false;
}

/** Endpoint IPv4 addresses inside no known IPAM block. */
export function collectUnmanagedIps(resources: readonly Resource[], blocks: readonly BlockInfo[]): UnmanagedIp[] {
  if (resources.length === 0) return []; // the daemon's usual case: its ClusterIndex lists only candidates
  const networks = networksOf(blocks);
  const out: UnmanagedIp[] = [];
  for (const wep of workloadEndpoints(resources, (w) => hasUnmanagedIp(w, networks))) {
    const ips = wep.spec.ipNetworks.map(addressOf).filter(isV4);
    for (const ip of ips) {
      if (networks.has(ipv4Of(ip))) continue;
      out.push({ ip, node: wep.spec.node, endpoint: endpointKey(wep), siblings: ips.filter((other) => other !== ip) });
    }
  }
  return out;
}
