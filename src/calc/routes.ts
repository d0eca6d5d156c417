/**
 * Pure: the routing state of this node from cluster resources, as Felix computes it from IPAM blocks
 * (calico-formats.md §5.2, §5.3): a route per pool, a route per affine block (blackholed locally,
 * via the owning node remotely), /32s for borrowed IPs, per-pool encapsulation (Always / CrossSubnet /
 * Never), a host route per node, the VTEP MACs VXLAN needs, and the kernel routes the host itself uses
 * to reach remote pods. No BGP is involved: block affinities say where every pod CIDR lives. IPv4 only.
 */
import { RouteFlags, type RouteTypeName } from '../dataplane/abi.js';
import { cidrContains, formatCidr, parseCidr, parseIP, type ParsedCidr } from '../model/ip.js';
import type { IPPool } from '../model/ippool.js';
import { ipv4Allocations } from '../model/ipam-block.js';
import { vtepMacForNode, type CalicoNode } from '../model/node.js';
import type { Resource } from '../model/resources.js';
import { RANK, RouteTable, type Candidate, type RouteChange } from './route-table.js';
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

/** The host's route for a remote route, made once per candidate (and uplink MTU). */
function kernelRouteOf(c: Candidate, uplinkMtu: number): KernelRoute {
  const encap = encapOf(c.entry.flags);
  const mtu = uplinkMtu - OVERHEAD[encap];
  if (c.kernel?.mtu !== mtu) c.kernel = { cidr: c.entry.cidr, via: c.entry.nextHop, mtu, encap };
  return c.kernel;
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
 * The table and what it was last built from. A pass with other pools, nodes, or another node name
 * starts a new table (rare: a new node joining); otherwise only the blocks and the endpoint addresses
 * that changed are asked again.
 */
interface Remembered {
  ctx: RouteContext;
  table: RouteTable;
  /** the blocks in the table, the asks of each, and their warnings */
  blockList: readonly BlockInfo[];
  blockAsks: Ask[][];
  blockWarnings: string[];
  /** the endpoint-address routes in the table, and what they were made from */
  endpointAsks: EndpointAsks;
  /** how many kept routes tunnel over VXLAN to each node */
  vxlanRoutes: Map<string, number>;
  vteps: { list: VtepEntry[]; warnings: string[] } | undefined;
}

/** Floating IPs and addresses outside every block: routes made on each pass their inputs change. */
interface EndpointAsks {
  from: readonly unknown[];
  candidates: Candidate[];
  localNatKernelRoutes: LocalNatKernelRoute[];
  floatingIps: FloatingIp[];
  warnings: string[];
}

const NO_ENDPOINT_ASKS: EndpointAsks = { from: [], candidates: [], localNatKernelRoutes: [], floatingIps: [], warnings: [] };

/**
 * What one stream of passes carries from pass to pass (the daemon keeps one). Callers that keep none
 * share one, which is only as good as a new table when their passes are not about one cluster.
 */
export class RouteMemory {
  remembered: Remembered | undefined;
}
const SHARED = new RouteMemory();

/** The remembered table if it was built for this context, else a new one holding the pools' and hosts' routes. */
function tableFor(memory: RouteMemory, ctx: RouteContext): Remembered {
  const last = memory.remembered?.ctx;
  if (last && last.pools === ctx.pools && last.nodes === ctx.nodes && last.nodeName === ctx.nodeName && last.me === ctx.me) return memory.remembered!;
  const table = new RouteTable();
  ctx.pools.forEach((p, i) => table.add(poolRoute(p), [RANK.pool, i, 0]));
  let i = 0;
  for (const [name, info] of ctx.nodes) {
    if (info.addr) table.add(hostRoutes(info.node)[name === ctx.nodeName ? 'LocalHost' : 'RemoteHost'], [RANK.host, i, 0]);
    i++;
  }
  memory.remembered = { ctx, table, blockList: [], blockAsks: [], blockWarnings: [], endpointAsks: NO_ENDPOINT_ASKS, vxlanRoutes: new Map(), vteps: undefined };
  return memory.remembered;
}

/**
 * Brings the table's block routes to `blocks`: asks of blocks that came are added, of those gone
 * removed. Both lists are in block order, so one walk along them finds what differs.
 */
function updateBlocks(r: Remembered, blocks: readonly BlockInfo[]): void {
  if (r.blockList === blocks) return;
  const [before, asksBefore] = [r.blockList, r.blockAsks];
  const asksNow: Ask[][] = [];
  const warnings: string[] = [];
  const drop = (i: number) => {
    for (const ask of asksBefore[i]!) if (typeof ask !== 'string') r.table.remove(ask);
  };
  let i = 0;
  for (const b of blocks) {
    while (i < before.length && before[i]!.order < b.order) drop(i++);
    let asks: Ask[];
    if (i < before.length && before[i] === b) asks = asksBefore[i++]!;
    else {
      if (i < before.length && before[i]!.order === b.order) drop(i++); // the same CIDR, changed
      asks = blockRoutes(r.ctx, b);
      asks.forEach((ask, k) => typeof ask !== 'string' && r.table.add(ask, [RANK.block, b.order, k]));
    }
    asksNow.push(asks);
    for (const ask of asks) if (typeof ask === 'string') warnings.push(ask);
  }
  while (i < before.length) drop(i++);
  Object.assign(r, { blockList: blocks, blockAsks: asksNow, blockWarnings: warnings });
}

/**
 * Brings the table's endpoint-address routes to the endpoints now: remade (they are few) when the
 * endpoints with floating IPs, the unmanaged candidates or the blocks changed.
 */
function updateEndpointAsks(r: Remembered, split: SplitResources, blocks: readonly BlockInfo[], self: Self): void {
  const from = [split.withFloatingIps, split.workloadEndpoints, blocks];
  const last = r.endpointAsks.from;
  if (last.length === from.length && last.every((x, i) => x === from[i])) return;
  const { ctx } = r;
  const asks: EndpointAsks = { from, candidates: [], localNatKernelRoutes: [], floatingIps: [], warnings: [] };
  const take = (ask: Ask) => (typeof ask === 'string' ? asks.warnings.push(ask) : asks.candidates.push(ask));
  // Floating IPs: DNAT on the owning node, a /32 to it everywhere else (encapsulated as the pool of
  // the pod's own IP); endpoint IPs outside every block (ipAddrsNoIpam) the same way.
  asks.floatingIps = collectFloatingIps(split.withFloatingIps, asks.warnings);
  for (const fip of asks.floatingIps) {
    const cidr = `${fip.external}/32`;
    if (fip.node === self.nodeName) {
      take({ entry: { cidr, type: 'LocalNat', flags: 0, nextHop: NO_HOP }, owner: fip.node });
      asks.localNatKernelRoutes.push({ cidr, via: fip.internal, dev: fip.ifname });
    } else take(remoteRoute(ctx, cidr, 'RemoteWorkload', poolOfIp(ctx.pools, fip.internal)?.pool, fip.node, false));
  }
  for (const u of collectUnmanagedIps(split.workloadEndpoints, blocks)) {
    if (u.node === self.nodeName) continue; // a local endpoint: the endpoints map has it
    const own = poolOfIp(ctx.pools, u.ip)?.pool;
    const sibling = u.siblings.map((ip) => poolOfIp(ctx.pools, ip)?.pool).find((p) => p !== undefined);
    take(remoteRoute(ctx, `${u.ip}/32`, 'RemoteWorkload', own ?? sibling, u.node, own !== undefined));
  }
  for (const c of r.endpointAsks.candidates) r.table.remove(c);
  asks.candidates.forEach((c, i) => r.table.add(c, [RANK.endpoint, i, 0]));
  r.endpointAsks = asks;
}

const isRemote = (c: Candidate | undefined): c is Candidate => c !== undefined && (c.entry.type === 'RemoteBlock' || c.entry.type === 'RemoteWorkload');

/** Counts the kept routes that tunnel over VXLAN per node; the VTEP list is made again when a node comes or goes. */
function countVxlanRoutes(r: Remembered, changes: readonly RouteChange[]): void {
  const count = (c: Candidate | undefined, by: number) => {
    if (!isRemote(c) || !(c.entry.flags & RouteFlags.Vxlan)) return;
    const n = (r.vxlanRoutes.get(c.owner) ?? 0) + by;
    if (n === 0) r.vxlanRoutes.delete(c.owner);
    else r.vxlanRoutes.set(c.owner, n);
    if (n === 0 || (by > 0 && n === 1)) r.vteps = undefined; // a node came or went
  };
  for (const [before, after] of changes) {
    count(before, -1);
    count(after, 1);
  }
}

/** Calico wants a VXLAN tunnel address before it makes a VTEP; Tortie tunnels to the node IP itself. */
function vtepsOf(r: Remembered): NonNullable<Remembered['vteps']> {
  if (r.vteps) return r.vteps;
  const warnings: string[] = [];
  const list = [...r.vxlanRoutes.keys()].sort(byText).map((name): VtepEntry => {
    const { node } = r.ctx.nodes.get(name)!;
    if (!node.spec.ipv4VXLANTunnelAddr) warnings.push(`node ${name} has no ipv4VXLANTunnelAddr (Calico needs one for its VTEP)`);
    return vtepOf(node);
  });
  return (r.vteps = { list, warnings });
}

/** The same from the resources split by splitResources (or kept split by a ClusterIndex). */
export function calcClusterRoutesOf(self: Self, split: SplitResources, memory = SHARED): ClusterRoutes {
  const warnings: string[] = [];
  const { nodes, pools, blocks } = collectRouteInputs(split, warnings);
  const me = nodes.get(self.nodeName)?.addr;
  if (!me) warnings.push(`no Node ${self.nodeName} with an IPv4 address: CrossSubnet pools will always encapsulate`);

  const r = tableFor(memory, { nodeName: self.nodeName, nodes, pools, me });
  updateBlocks(r, blocks);
  updateEndpointAsks(r, split, blocks, self);
  countVxlanRoutes(r, r.table.commit());

  const kept = r.table.routes();
  const kernelRoutes: KernelRoute[] = [];
  for (const c of kept) if (isRemote(c)) kernelRoutes.push(kernelRouteOf(c, self.uplinkMtu));
  const vteps = vtepsOf(r);
  warnings.push(...r.blockWarnings, ...r.endpointAsks.warnings, ...r.table.clashWarnings(), ...vteps.warnings);

  // Shared with later passes (see above): callers must not modify them.
  const { localNatKernelRoutes, floatingIps } = r.endpointAsks;
  return { routes: kept.map((c) => c.entry), vteps: vteps.list, kernelRoutes, localNatKernelRoutes, floatingIps, warnings };
}
