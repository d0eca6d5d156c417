/**
 * Pure: the routing state of this node from cluster resources, as Felix computes it from IPAM blocks
 * (calico-formats.md §5.2, §5.3): a route per pool, a route per affine block (blackholed locally,
 * via the owning node remotely), /32s for borrowed IPs, per-pool encapsulation (Always / CrossSubnet /
 * Never), a host route per node, the VTEP MACs VXLAN needs, and the kernel routes the host itself uses
 * to reach remote pods. No BGP is involved: block affinities say where every pod CIDR lives. IPv4 only.
 */
import { RouteFlags, RouteType, type RouteTypeName } from '../dataplane/abi.js';
import { cidrContains, formatCidr, parseCidr, parseIP, type ParsedCidr } from '../model/ip.js';
import type { IPPool } from '../model/ippool.js';
import { ipv4Allocations } from '../model/ipam-block.js';
import { vtepMacForNode, type CalicoNode } from '../model/node.js';
import type { Resource } from '../model/resources.js';
import { routeOrder } from './route-format.js';
import { splitResources, type SplitResources } from './split.js';
import { byText, collectRouteInputs, nodeAddr, type BlockInfo, type NodeInfo, type PoolInfo } from './route-inputs.js';
import { memo } from './memo.js';
import { collectFloatingIps, collectUnmanagedIps, type FloatingIp } from './workload-ips.js';

export interface RouteEntry {
  /** 'a.b.c.d/len' */
  cidr: string;
  type: RouteTypeName;
  /** RouteFlags bits */
  flags: number;
  /** the owning node's IP, or '0.0.0.0' */
  nextHop: string;
}

export interface VtepEntry {
  node: string;
  nodeIp: string;
  mac: string;
}

export interface KernelRoute {
  cidr: string;
  /** the owning node's IP */
  via: string;
  mtu: number;
  encap: 'ipip' | 'vxlan' | 'none';
}

/** The host's route to a floating IP of a pod on this node: through the pod's cali to the pod's own IP. */
export interface LocalNatKernelRoute {
  cidr: string;
  via: string;
  dev: string;
}

export interface ClusterRoutes {
  routes: RouteEntry[];
  vteps: VtepEntry[];
  kernelRoutes: KernelRoute[];
  localNatKernelRoutes: LocalNatKernelRoute[];
  /** every floating IP once (the NAT table of the owning node is made from the same list) */
  floatingIps: FloatingIp[];
  warnings: string[];
}

export interface Self {
  nodeName: string;
  uplinkMtu: number;
}

type Encap = KernelRoute['encap'];

const NO_HOP = '0.0.0.0';
/** Outer headers each encapsulation adds: IPv4 (20), or IPv4 + UDP + VXLAN + inner Ethernet (50). */
const OVERHEAD: Record<Encap, number> = { ipip: 20, vxlan: 50, none: 0 };

/** A route plus who asked for it: a node name, or `pool <name>` for a pool's own route. */
interface Candidate {
  entry: RouteEntry;
  owner: string;
  /** routeOrder of the CIDR, once it was needed (candidates are kept from pass to pass) */
  order?: number;
}

/** The most specific pool containing the CIDR; pools are pre-sorted, so ties go to the first name. */
function poolOf(pools: readonly PoolInfo[], cidr: ParsedCidr): PoolInfo | undefined {
  let best: PoolInfo | undefined;
  for (const p of pools) {
    if (p.cidr.prefixLen > cidr.prefixLen) continue;
    if (!cidrContains(p.cidr, { family: 4, value: cidr.addr })) continue;
    if (!best || p.cidr.prefixLen > best.cidr.prefixLen) best = p;
  }
  return best;
}

function poolOfIp(pools: readonly PoolInfo[], ip: string): PoolInfo | undefined {
  return poolOf(pools, parseCidr(`${ip}/32`)!);
}

function poolFlags(pool: IPPool): number {
  return RouteFlags.InPool | (pool.spec.natOutgoing ? RouteFlags.NatOut : 0);
}

/**
 * How to reach `peerIp` for a pool. CrossSubnet skips the tunnel only when the peer is inside this
 * node's own subnet; without our own address that cannot be judged, so it tunnels (always safe).
 */
function encapFlags(pool: IPPool, me: NodeInfo['addr'], peerIp: string): number {
  const { ipipMode, vxlanMode } = pool.spec;
  // The pool schema rejects both modes enabled at once, so at most one of these is not Never.
  const [mode, tunnel] = ipipMode !== 'Never' ? [ipipMode, RouteFlags.Ipip] : [vxlanMode, RouteFlags.Vxlan];
  if (mode === 'Never') return 0;
  if (mode === 'CrossSubnet' && me && cidrContains(me.subnet, parseIP(peerIp)!)) return RouteFlags.SameSubnet;
  return tunnel;
}

function encapOf(flags: number): Encap {
  return flags & RouteFlags.Ipip ? 'ipip' : flags & RouteFlags.Vxlan ? 'vxlan' : 'none';
}

/**
 * Which of two routes for one CIDR stays. A pool route yields to anything more specific about the
 * same CIDR (a block as big as its pool carries the pool's flags anyway). Otherwise the owner whose
 * name sorts first wins, so the outcome never depends on input order.
 */
function settle(prev: Candidate, next: Candidate): { keep: Candidate; warn: boolean } {
  const [prevPool, nextPool] = [prev.entry.type === 'Pool', next.entry.type === 'Pool'];
  if (prevPool !== nextPool) return { keep: prevPool ? next : prev, warn: false };
  if (prev.owner === next.owner && JSON.stringify(prev.entry) === JSON.stringify(next.entry)) return { keep: prev, warn: false };
  const order = byText(prev.owner, next.owner) || RouteType[prev.entry.type] - RouteType[next.entry.type];
  return { keep: order <= 0 ? prev : next, warn: true };
}

export function calcClusterRoutes(resources: readonly Resource[], self: Self): ClusterRoutes {
  return calcClusterRoutesOf(self, splitResources(resources, self.nodeName));
}

// Route entries made once per pool or node address, not on every pass: the reconciler skips the
// entries that are the same objects as last time (dataplane/followed-table.ts).
const poolRoute = memo((p: PoolInfo): Candidate => ({
  entry: { cidr: formatCidr(p.cidr), type: 'Pool', flags: poolFlags(p.pool), nextHop: NO_HOP },
  owner: `pool ${p.name}`,
}));
/** Only for a node with an IPv4 address. */
const hostRoutes = memo((node: CalicoNode): Record<'LocalHost' | 'RemoteHost', Candidate> => {
  const { ip } = nodeAddr(node)!;
  const [cidr, owner] = [`${ip}/32`, node.metadata.name];
  return {
    LocalHost: { entry: { cidr, type: 'LocalHost', flags: 0, nextHop: ip }, owner },
    RemoteHost: { entry: { cidr, type: 'RemoteHost', flags: 0, nextHop: ip }, owner },
  };
});
const vtepOf = memo((node: CalicoNode): VtepEntry => ({ node: node.metadata.name, nodeIp: nodeAddr(node)!.ip, mac: vtepMacForNode(node) }));

/** The host's route for a remote route entry, made once per entry object (and uplink MTU). */
const kernelRouteCache = new WeakMap<RouteEntry, KernelRoute>();
function kernelRouteOf(entry: RouteEntry, uplinkMtu: number): KernelRoute {
  const encap = encapOf(entry.flags);
  const mtu = uplinkMtu - OVERHEAD[encap];
  let route = kernelRouteCache.get(entry);
  if (route?.mtu !== mtu) kernelRouteCache.set(entry, (route = { cidr: entry.cidr, via: entry.nextHop, mtu, encap }));
  return route;
}

/** What a route calculation reads besides the resource at hand. */
interface RouteContext {
  nodeName: string;
  nodes: ReadonlyMap<string, NodeInfo>;
  pools: readonly PoolInfo[];
  me: NodeInfo['addr'];
}

/** A route asked for, or why it cannot be (a warning). */
type Ask = Candidate | string;

/**
 * A route to a workload CIDR living on another node, encapsulated as `pool` says (unencapsulated
 * without one); the pool's own flags only when the CIDR is inside it.
 */
function remoteRoute(ctx: RouteContext, cidr: string, type: 'RemoteBlock' | 'RemoteWorkload', pool: IPPool | undefined, node: string, inPool = true): Ask {
  const info = ctx.nodes.get(node);
  if (!info?.addr) return `${cidr}: node ${node} ${info ? 'has no IPv4 address' : 'is unknown'}; not routed`;
  const flags = pool ? (inPool ? poolFlags(pool) : 0) | encapFlags(pool, ctx.me, info.addr.ip) : 0;
  return { entry: { cidr, type, flags, nextHop: info.addr.ip }, owner: node };
}

/** The block's own route, and /32s for addresses in it that other nodes borrowed. */
function blockRoutes(ctx: RouteContext, b: BlockInfo): Ask[] {
  const pool = poolOf(ctx.pools, b.parsed)?.pool;
  if (!pool) return [`block ${b.cidr} is in no IPv4 IP pool; not routed`];
  const asks: Ask[] = [];
  const host = b.block.affinityHost;
  if (host === ctx.nodeName) asks.push({ entry: { cidr: b.cidr, type: 'LocalBlock', flags: poolFlags(pool), nextHop: NO_HOP }, owner: host });
  else if (host !== null) asks.push(remoteRoute(ctx, b.cidr, 'RemoteBlock', pool, host));
  // Borrowed IPs: in use on a node other than the block's (Calico's NonAffineAllocations). In a block
  // with no host affinity every attributed IP counts, as in Felix. Our own are local endpoints.
  const borrowed = (user: string | undefined): user is string => !!user && user !== host && user !== ctx.nodeName;
  if (!b.block.attributes.some((a) => borrowed(a.secondary?.['node']))) return asks; // most blocks: no address to list
  for (const alloc of ipv4Allocations(b.block)) {
    const user = alloc.attribute?.secondary?.['node'];
    if (borrowed(user)) asks.push(remoteRoute(ctx, `${alloc.ip}/32`, 'RemoteWorkload', pool, user));
  }
  return asks;
}

/**
 * blockRoutes of each block, remembered while the pools, the nodes and this node's name stay the
 * same objects (collectRouteInputs keeps them so): after a change to one block of 5,000, only that
 * block is asked again. The asks are shared between passes; the result copies what it lists.
 */
let remembered: { ctx: RouteContext; byBlock: WeakMap<BlockInfo['block'], Ask[]> } | undefined;
function rememberedBlockRoutes(ctx: RouteContext): (b: BlockInfo) => Ask[] {
  const last = remembered?.ctx;
  if (!last || last.pools !== ctx.pools || last.nodes !== ctx.nodes || last.nodeName !== ctx.nodeName) {
    remembered = { ctx, byBlock: new WeakMap() };
  }
  const byBlock = remembered!.byBlock;
  return (b) => {
    let asks = byBlock.get(b.block);
    if (!asks) byBlock.set(b.block, (asks = blockRoutes(ctx, b)));
    return asks;
  };
}

/** The same from the resources split by splitResources (or kept split by a ClusterIndex). */
export function calcClusterRoutesOf(self: Self, split: SplitResources): ClusterRoutes {
  const warnings: string[] = [];
  const { nodes, pools, blocks } = collectRouteInputs(split, warnings);
  const me = nodes.get(self.nodeName)?.addr;
  if (!me) warnings.push(`no Node ${self.nodeName} with an IPv4 address: CrossSubnet pools will always encapsulate`);
  const ctx: RouteContext = { nodeName: self.nodeName, nodes, pools, me };

  const table = new Map<string, Candidate>();
  const addCandidate = (next: Candidate): void => {
    const { cidr } = next.entry;
    const prev = table.get(cidr);
    if (!prev) return void table.set(cidr, next);
    const { keep, warn } = settle(prev, next);
    const lost = keep === prev ? next.owner : prev.owner;
    if (warn) warnings.push(`${cidr} is claimed by ${prev.owner} and ${next.owner}; using ${keep.owner}, not ${lost}`);
    table.set(cidr, keep);
  };
  const add = (entry: RouteEntry, owner: string) => addCandidate({ entry, owner });
  const take = (ask: Ask): void => {
    if (typeof ask === 'string') warnings.push(ask);
    else addCandidate(ask);
  };
  const remote = (...args: [string, 'RemoteBlock' | 'RemoteWorkload', IPPool | undefined, string, boolean?]) => take(remoteRoute(ctx, ...args));

  for (const p of pools) addCandidate(poolRoute(p));
  const routesOfBlock = rememberedBlockRoutes(ctx);
  for (const b of blocks) for (const ask of routesOfBlock(b)) take(ask);

  // Floating IPs: DNAT on the owning node, a /32 to it everywhere else (encapsulated as the pool of
  // the pod's own IP); endpoint IPs outside every block (ipAddrsNoIpam) the same way.
  const localNatKernelRoutes: LocalNatKernelRoute[] = [];
  const floatingIps = collectFloatingIps(split.withFloatingIps, warnings);
  for (const fip of floatingIps) {
    const cidr = `${fip.external}/32`;
    if (fip.node === self.nodeName) {
      add({ cidr, type: 'LocalNat', flags: 0, nextHop: NO_HOP }, fip.node);
      localNatKernelRoutes.push({ cidr, via: fip.internal, dev: fip.ifname });
    } else remote(cidr, 'RemoteWorkload', poolOfIp(pools, fip.internal)?.pool, fip.node, false);
  }
  for (const u of collectUnmanagedIps(split.workloadEndpoints, blocks)) {
    if (u.node === self.nodeName) continue; // a local endpoint: the endpoints map has it
    const own = poolOfIp(pools, u.ip)?.pool;
    const sibling = u.siblings.map((ip) => poolOfIp(pools, ip)?.pool).find((p) => p !== undefined);
    remote(`${u.ip}/32`, 'RemoteWorkload', own ?? sibling, u.node, own !== undefined);
  }

  for (const [name, info] of nodes) {
    if (!info.addr) continue;
    addCandidate(hostRoutes(info.node)[name === self.nodeName ? 'LocalHost' : 'RemoteHost']);
  }

  const kept = [...table.values()];
  for (const c of kept) c.order ??= routeOrder(c.entry.cidr);
  kept.sort((a, b) => a.order! - b.order!);
  const remoteRoutes = kept.filter((c) => c.entry.type === 'RemoteBlock' || c.entry.type === 'RemoteWorkload');
  const kernelRoutes = remoteRoutes.map(({ entry }) => kernelRouteOf(entry, self.uplinkMtu));

  // Calico wants a VXLAN tunnel address before it makes a VTEP; Tortie tunnels to the node IP itself.
  const vtepNodes = [...new Set(remoteRoutes.filter((c) => c.entry.flags & RouteFlags.Vxlan).map((c) => c.owner))].sort(byText);
  const vteps = vtepNodes.map((name): VtepEntry => {
    const { node } = nodes.get(name)!;
    if (!node.spec.ipv4VXLANTunnelAddr) warnings.push(`node ${name} has no ipv4VXLANTunnelAddr (Calico needs one for its VTEP)`);
    return vtepOf(node);
  });

  // Shared with later passes (see above): callers must not modify them.
  return { routes: kept.map((c) => c.entry), vteps, kernelRoutes, localNatKernelRoutes, floatingIps, warnings };
}
