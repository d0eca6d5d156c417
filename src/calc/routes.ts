/**
 * Pure: the routing state of this node from cluster resources, as Felix computes it in VXLAN mode
 * (calico-formats.md §5.2): remote block routes from IPAM block affinities (no BGP), /32s for
 * borrowed IPs, per-pool encapsulation (Always / CrossSubnet / Never), host routes for every node,
 * VTEP MACs, and the kernel routes the host needs to reach remote pods. IPv4 only.
 */
import type { RouteTypeName } from '../dataplane/abi.js';
import { RouteFlags } from '../dataplane/abi.js';
import { blockFromIPAMBlock, ipv4Allocations, type Block } from '../model/ipam-block.js';
import { cidrContains, parseCidr, parseIP, type ParsedCidr } from '../model/ip.js';
import type { IPPool } from '../model/ippool.js';
import { nodeIPv4, vtepMacForNode, type CalicoNode } from '../model/node.js';
import type { Resource } from '../model/resources.js';

export interface RouteEntry {
  cidr: string;
  type: RouteTypeName;
  flags: number;
  nextHop: string;
}

export interface VtepEntry {
  node: string;
  nodeIp: string;
  mac: string;
}

export interface KernelRoute {
  cidr: string;
  via: string;
  mtu: number;
  encap: 'ipip' | 'vxlan' | 'none';
}

export interface ClusterRoutes {
  routes: RouteEntry[];
  vteps: VtepEntry[];
  kernelRoutes: KernelRoute[];
  warnings: string[];
}

export interface Self {
  nodeName: string;
  uplinkMtu: number;
}

const NO_HOP = '0.0.0.0';
const OVERHEAD = { ipip: 20, vxlan: 50, none: 0 } as const;

interface NodeAddr {
  ip: string;
  subnet: ParsedCidr;
}

function v4Cidr(text: string): ParsedCidr | undefined {
  const c = parseCidr(text);
  return c?.family === 4 ? c : undefined;
}

/** The most specific pool containing the block. */
function poolOf(pools: readonly IPPool[], block: ParsedCidr): IPPool | undefined {
  let best: { pool: IPPool; len: number } | undefined;
  for (const pool of pools) {
    const c = v4Cidr(pool.spec.cidr);
    if (!c || c.prefixLen > block.prefixLen) continue;
    if (!cidrContains(c, { family: 4, value: block.addr })) continue;
    if (!best || c.prefixLen > best.len) best = { pool, len: c.prefixLen };
  }
  return best?.pool;
}

/** Which encapsulation the pool asks for towards `peer`, given this node's subnet. */
function encapFor(pool: IPPool, self: NodeAddr | undefined, peer: NodeAddr): { flags: number; encap: KernelRoute['encap'] } {
  const { ipipMode, vxlanMode } = pool.spec;
  const tunnel = ipipMode !== 'Never' ? 'ipip' : vxlanMode !== 'Never' ? 'vxlan' : 'none';
  if (tunnel === 'none') return { flags: 0, encap: 'none' };
  const crossSubnet = (tunnel === 'ipip' ? ipipMode : vxlanMode) === 'CrossSubnet';
  if (crossSubnet && self && cidrContains(self.subnet, parseIP(peer.ip)!)) return { flags: RouteFlags.SameSubnet, encap: 'none' };
  return { flags: tunnel === 'ipip' ? RouteFlags.Ipip : RouteFlags.Vxlan, encap: tunnel };
}

function poolFlags(pool: IPPool): number {
  return RouteFlags.InPool | (pool.spec.natOutgoing ? RouteFlags.NatOut : 0);
}

function sortKey(cidr: string): [number, number] {
  const c = v4Cidr(cidr)!;
  return [Number(c.addr), c.prefixLen];
}

export function calcClusterRoutes(resources: readonly Resource[], self: Self): ClusterRoutes {
  const warnings: string[] = [];
  const pools = resources.filter((r): r is IPPool => r.kind === 'IPPool' && v4Cidr(r.spec.cidr) !== undefined);
  const nodes = resources.filter((r): r is CalicoNode => r.kind === 'Node');
  const blocks = resources.flatMap((r) => (r.kind === 'IPAMBlock' ? [blockFromIPAMBlock(r)] : [])).filter((b) => v4Cidr(b.cidr));

  const addrs = new Map<string, NodeAddr>();
  for (const node of nodes) {
    const a = nodeIPv4(node);
    if (a) addrs.set(node.metadata.name, { ip: a.ip, subnet: v4Cidr(`${a.ip}/${a.prefixLen}`)! });
  }
  const me = addrs.get(self.nodeName);
  if (!me) warnings.push(`no Node ${self.nodeName} with an IPv4 address: CrossSubnet pools will always encapsulate`);

  const routes = new Map<string, RouteEntry & { owner: string }>();
  const kernel: KernelRoute[] = [];
  const vtepNodes = new Set<string>();
  const add = (entry: RouteEntry, owner: string) => {
    const prev = routes.get(entry.cidr);
    if (prev && prev.owner <= owner) {
      if (prev.owner !== owner) warnings.push(`${entry.cidr} is claimed by ${prev.owner} and ${owner}: kept ${prev.owner}`);
      return;
    }
    if (prev) warnings.push(`${entry.cidr} is claimed by ${prev.owner} and ${owner}: kept ${owner}`);
    routes.set(entry.cidr, { ...entry, owner });
  };
  const remote = (cidr: string, type: 'RemoteBlock' | 'RemoteWorkload', pool: IPPool, node: string) => {
    const peer = addrs.get(node);
    if (!peer) return warnings.push(`${cidr}: node ${node} is unknown or has no IPv4 address; not routed`);
    const { flags, encap } = encapFor(pool, me, peer);
    add({ cidr, type, flags: poolFlags(pool) | flags, nextHop: peer.ip }, node);
    kernel.push({ cidr, via: peer.ip, mtu: self.uplinkMtu - OVERHEAD[encap], encap });
    if (encap === 'vxlan') vtepNodes.add(node);
  };

  for (const pool of pools) add({ cidr: pool.spec.cidr, type: 'Pool', flags: poolFlags(pool), nextHop: NO_HOP }, '');

  for (const block of blocks) routesFromBlock(block);
  function routesFromBlock(block: Block): void {
    const cidr = v4Cidr(block.cidr)!;
    const pool = poolOf(pools, cidr);
    if (!pool) return void warnings.push(`block ${block.cidr} is in no IP pool; not routed`);
    const host = block.affinityHost;
    if (host === self.nodeName) add({ cidr: block.cidr, type: 'LocalBlock', flags: poolFlags(pool), nextHop: NO_HOP }, host);
    else if (host) remote(block.cidr, 'RemoteBlock', pool, host);
    // Borrowed addresses: allocated to a workload on a node other than the block's.
    for (const alloc of ipv4Allocations(block)) {
      const owner = alloc.attribute?.secondary?.['node'];
      if (!owner || owner === host || owner === self.nodeName) continue;
      remote(`${alloc.ip}/32`, 'RemoteWorkload', pool, owner);
    }
  }

  for (const node of nodes) {
    const a = addrs.get(node.metadata.name);
    if (!a) continue;
    const local = node.metadata.name === self.nodeName;
    add({ cidr: `${a.ip}/32`, type: local ? 'LocalHost' : 'RemoteHost', flags: 0, nextHop: a.ip }, node.metadata.name);
  }

  const vteps = nodes
    .filter((n) => vtepNodes.has(n.metadata.name))
    .map((n) => {
      if (!n.spec.ipv4VXLANTunnelAddr) warnings.push(`node ${n.metadata.name} has no ipv4VXLANTunnelAddr (Calico's VTEP address)`);
      return { node: n.metadata.name, nodeIp: addrs.get(n.metadata.name)!.ip, mac: vtepMacForNode(n) };
    })
    .sort((a, b) => a.node.localeCompare(b.node));

  const byAddr = (a: { cidr: string }, b: { cidr: string }) => {
    const [x, y] = [sortKey(a.cidr), sortKey(b.cidr)];
    return x[0] - y[0] || x[1] - y[1];
  };
  const finalRoutes = [...routes.values()].map(({ owner: _owner, ...r }) => r).sort(byAddr);
  const keptKernel = kernel.filter((k) => routes.get(k.cidr)?.nextHop === k.via).sort(byAddr);
  return { routes: finalRoutes, vteps, kernelRoutes: keptKernel, warnings };
}
