/**
 * Pure: the IPv4 nodes, pools and IPAM blocks that route calculation works from, indexed and put in a
 * fixed order so the result never depends on the order resources were listed in. Duplicates (the same
 * Node or block twice, e.g. from two files or a half-finished migration) are settled here, with a warning.
 * IPv6 pools, blocks and addresses are dropped silently: Tortie routes IPv4 only.
 */
import { blockFromIPAMBlock, type Block, type IPAMBlock } from '../model/ipam-block.js';
import { formatCidr, networkOf, parseCidr, type ParsedCidr } from '../model/ip.js';
import type { IPPool } from '../model/ippool.js';
import { nodeIPv4, type CalicoNode } from '../model/node.js';
import type { SplitResources } from './split.js';
import { memo } from './memo.js';

export interface NodeInfo {
  node: CalicoNode;
  /** The node's IPv4 address and subnet; undefined for a node with no IPv4 address. */
  addr: { ip: string; subnet: ParsedCidr } | undefined;
}

export interface PoolInfo {
  name: string;
  cidr: ParsedCidr;
  pool: IPPool;
}

export interface BlockInfo {
  cidr: string;
  parsed: ParsedCidr;
  block: Block;
  /** network address, then prefix length, as one number (the order blocks are listed in) */
  order: number;
}

export interface RouteInputs {
  nodes: Map<string, NodeInfo>;
  /** By address, then prefix length, then name. */
  pools: PoolInfo[];
  /** One per CIDR, by address then prefix length. */
  blocks: BlockInfo[];
}

/** Code-point order: unlike localeCompare it cannot vary with the host's locale. */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const byPrefix = (a: ParsedCidr, b: ParsedCidr): number =>
  a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : a.prefixLen - b.prefixLen;

export function v4Network(text: string): ParsedCidr | undefined {
  const c = parseCidr(text);
  return c?.family === 4 ? networkOf(c) : undefined;
}

/**
 * From the split lists. Each list's result is remembered for that array: the daemon hands in the same
 * array while nothing of its kind changed (a new block leaves the 5,000 nodes' result as it was).
 * Warnings are replayed with the remembered result.
 */
export function collectRouteInputs(split: Pick<SplitResources, 'nodes' | 'pools' | 'blocks'>, warnings: string[]): RouteInputs {
  const nodes = nodesOf(split.nodes);
  const blocks = blocksOf(split.blocks);
  warnings.push(...nodes.warnings, ...blocks.warnings);
  return { nodes: nodes.result, pools: poolsOf(split.pools), blocks: blocks.result };
}

const withWarnings = <T, R>(collect: (items: T, warnings: string[]) => R) => (items: T) => {
  const warnings: string[] = [];
  return { result: collect(items, warnings), warnings };
};
const nodesOf = memo(withWarnings(collectNodes));
const blocksOf = memo(withWarnings(collectBlocks));
const poolsOf = memo(collectPools);

export const nodeAddr = memo((node: CalicoNode): NodeInfo['addr'] => {
  const a = nodeIPv4(node);
  return a && { ip: a.ip, subnet: parseCidr(`${a.ip}/${a.prefixLen}`)! };
});

function collectNodes(resources: readonly CalicoNode[], warnings: string[]): Map<string, NodeInfo> {
  const byName = new Map<string, CalicoNode[]>();
  for (const r of resources) {
    const copies = byName.get(r.metadata.name);
    if (copies) copies.push(r);
    else byName.set(r.metadata.name, [r]);
  }
  const nodes = new Map<string, NodeInfo>();
  for (const name of [...byName.keys()].sort(byText)) {
    const copies = byName.get(name)!;
    // Keep one copy by content, so which one wins does not depend on listing order.
    const node = copies.length === 1 ? copies[0]! : [...copies].sort((a, b) => byText(JSON.stringify(a.spec), JSON.stringify(b.spec)))[0]!;
    if (copies.length > 1) warnings.push(`Node ${name} is defined ${copies.length} times; using one of them`);
    nodes.set(name, { node, addr: nodeAddr(node) });
  }
  return nodes;
}

function collectPools(resources: readonly IPPool[]): PoolInfo[] {
  const pools: PoolInfo[] = [];
  for (const r of resources) {
    const cidr = v4Network(r.spec.cidr);
    if (cidr) pools.push({ name: r.metadata.name, cidr, pool: r });
  }
  return pools.sort((a, b) => byPrefix(a.cidr, b.cidr) || byText(a.name, b.name));
}

/** Host affinities first, by node name; then the rest; resource name breaks ties. */
function blockOrder(a: { name: string; block: Block }, b: { name: string; block: Block }): number {
  const [x, y] = [a.block.affinityHost, b.block.affinityHost];
  if (x !== null && y !== null && x !== y) return byText(x, y);
  if ((x === null) !== (y === null)) return x === null ? 1 : -1;
  return byText(a.block.affinity ?? '', b.block.affinity ?? '') || byText(a.name, b.name);
}

/** One per IPAMBlock resource, kept while the resource is: a new block list reuses the others' objects. */
interface NamedBlock extends BlockInfo {
  name: string;
}

const blockOf = memo((r: IPAMBlock): NamedBlock | undefined => {
  const parsed = v4Network(r.spec.cidr);
  return parsed && { cidr: formatCidr(parsed), parsed, block: blockFromIPAMBlock(r), name: r.metadata.name, order: Number(parsed.addr) * 64 + parsed.prefixLen };
});

/**
 * One block per CIDR, by address then prefix length. Made again whenever a block changes (5,000 of
 * them), so it allocates little: the per-resource objects are reused, and duplicates (rare) are
 * found as neighbours in the sorted list.
 */
function collectBlocks(resources: readonly IPAMBlock[], warnings: string[]): BlockInfo[] {
  const all: NamedBlock[] = [];
  for (const r of resources) {
    const b = blockOf(r);
    if (b) all.push(b);
  }
  all.sort((a, b) => a.order - b.order);
  const blocks: BlockInfo[] = [];
  for (let i = 0; i < all.length; ) {
    let j = i + 1;
    while (j < all.length && all[j]!.order === all[i]!.order) j++;
    blocks.push(j === i + 1 ? all[i]! : settleBlock(all.slice(i, j), warnings));
    i = j;
  }
  return blocks;
}

/** Several IPAMBlocks for one CIDR: one is kept, by blockOrder, and a disagreement on affinity is reported. */
function settleBlock(copies: readonly NamedBlock[], warnings: string[]): BlockInfo {
  const [kept, ...rest] = [...copies].sort(blockOrder);
  const affinity = (b: NamedBlock) => b.block.affinity ?? 'none';
  const others = [...new Set(rest.map(affinity))].filter((a) => a !== affinity(kept!));
  if (others.length > 0) warnings.push(`block ${kept!.cidr} has affinities ${[affinity(kept!), ...others].join(', ')}; using ${affinity(kept!)}`);
  return kept!;
}
