/** calcClusterRoutes and its formatting helpers: Calico's routing decisions from real resource shapes, pure. */
import { describe, expect, it } from 'vitest';
import { compareRouteCidrs, formatRouteFlags, routeEntryKey } from '../../src/calc/route-format.js';
import { calcClusterRoutes, type ClusterRoutes, type RouteEntry } from '../../src/calc/routes.js';
import { RouteFlags, RouteKey } from '../../src/dataplane/abi.js';
import { encode } from '../../src/dataplane/codec.js';
import type { Resource } from '../../src/model/index.js';
import { parseResources, validateAll } from '../../src/model/load.js';

const { InPool, NatOut, Ipip, Vxlan, SameSubnet } = RouteFlags;

// ---- resource builders: YAML as calicoctl / the KDD CRDs would hold it ------------------------------

function node(name: string, ipv4: string | null, extra: Record<string, unknown> = {}): string {
  const bgp = ipv4 ? { ipv4Address: ipv4 } : {};
  return `---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: ${name} }
spec: ${JSON.stringify({ bgp, ...extra })}
`;
}

function pool(name: string, cidr: string, spec: Record<string, unknown> = {}): string {
  const blockSize = cidr.includes(':') ? 122 : 26;
  return `---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: ${name} }
spec: ${JSON.stringify({ cidr, blockSize, nodeSelector: 'all()', ...spec })}
`;
}

/** An allocation's `secondary` attributes: a pod (default), a tunnel address, or no node at all. */
type Alloc = { node?: string; type?: string };

/** An IPAMBlock CRD; `allocs` maps ordinals to who holds them. */
function block(cidr: string, affinity: string | null, allocs: Record<number, Alloc> = {}, name?: string): string {
  const [, len] = cidr.split('/');
  const size = 2 ** ((cidr.includes(':') ? 128 : 32) - Number(len));
  const ordinals = Object.keys(allocs).map(Number);
  const allocations = Array.from({ length: size }, (_, i) => (ordinals.includes(i) ? ordinals.indexOf(i) : null));
  const unallocated = Array.from({ length: size }, (_, i) => i).filter((i) => !ordinals.includes(i));
  const attributes = ordinals.map((i) => {
    const a = allocs[i]!;
    const secondary = a.type ? { node: a.node, type: a.type } : { namespace: 'default', node: a.node, pod: `pod${i}` };
    return { handle_id: `h-${i}`, secondary: JSON.parse(JSON.stringify(secondary)) as unknown };
  });
  const spec = { cidr, affinity: affinity && (affinity.includes(':') ? affinity : `host:${affinity}`), allocations, unallocated, attributes, strictAffinity: false, deleted: false };
  return `---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: { name: ${name ?? cidr.replace(/[/:]/g, '-')} }
spec: ${JSON.stringify(spec)}
`;
}

// node1 (us) and node2 share 192.168.122.0/24; node3 sits in another subnet.
const NODES =
  node('node1', '192.168.122.11/24') + node('node2', '192.168.122.12/24') + node('node3', '192.168.123.13/24');
const BLOCKS = block('10.24.1.0/26', 'node1') + block('10.24.2.0/26', 'node2') + block('10.24.3.0/26', 'node3');
const POOL = (spec: Record<string, unknown> = {}) => pool('default-ipv4-ippool', '10.24.0.0/16', spec);

function load(yaml: string): Resource[] {
  return validateAll(parseResources(yaml, 'test.yaml'));
}
function calc(yaml: string, nodeName = 'node1', uplinkMtu = 1500): ClusterRoutes {
  return calcClusterRoutes(load(yaml), { nodeName, uplinkMtu });
}
const route = (r: ClusterRoutes, cidr: string): RouteEntry | undefined => r.routes.find((x) => x.cidr === cidr);

// ---- encapsulation per pool mode --------------------------------------------------------------------

describe('calcClusterRoutes: encapsulation by pool mode', () => {
  // Towards node2 (same subnet as us) and node3 (another subnet).
  const cases = [
    { mode: 'ipipMode', value: 'Always', toNode2: Ipip, toNode3: Ipip },
    { mode: 'ipipMode', value: 'CrossSubnet', toNode2: SameSubnet, toNode3: Ipip },
    { mode: 'ipipMode', value: 'Never', toNode2: 0, toNode3: 0 },
    { mode: 'vxlanMode', value: 'Always', toNode2: Vxlan, toNode3: Vxlan },
    { mode: 'vxlanMode', value: 'CrossSubnet', toNode2: SameSubnet, toNode3: Vxlan },
    { mode: 'vxlanMode', value: 'Never', toNode2: 0, toNode3: 0 },
  ] as const;
  const encapOf = (flags: number) => (flags & Ipip ? 'ipip' : flags & Vxlan ? 'vxlan' : 'none');
  const mtuOf = { ipip: 1480, vxlan: 1450, none: 1500 };

  for (const { mode, value, toNode2, toNode3 } of cases) {
    it(`${mode} ${value}: node2 (same subnet) ${formatRouteFlags(toNode2).join(',') || 'direct'}, node3 (other subnet) ${formatRouteFlags(toNode3).join(',') || 'direct'}`, () => {
      const r = calc(POOL({ [mode]: value }) + NODES + BLOCKS);
      expect(route(r, '10.24.2.0/26')).toEqual({ cidr: '10.24.2.0/26', type: 'RemoteBlock', flags: InPool | toNode2, nextHop: '192.168.122.12' });
      expect(route(r, '10.24.3.0/26')).toEqual({ cidr: '10.24.3.0/26', type: 'RemoteBlock', flags: InPool | toNode3, nextHop: '192.168.123.13' });
      expect(r.kernelRoutes).toEqual([
        { cidr: '10.24.2.0/26', via: '192.168.122.12', mtu: mtuOf[encapOf(toNode2)], encap: encapOf(toNode2) },
        { cidr: '10.24.3.0/26', via: '192.168.123.13', mtu: mtuOf[encapOf(toNode3)], encap: encapOf(toNode3) },
      ]);
      const vxlanPeers = [['node2', toNode2], ['node3', toNode3]].filter(([, f]) => Number(f) & Vxlan).map(([n]) => n);
      expect(r.vteps.map((v) => v.node)).toEqual(vxlanPeers);
    });
  }

  it('IPIP Always: the complete table, in address order', () => {
    const r = calc(POOL({ ipipMode: 'Always' }) + NODES + BLOCKS);
    expect(r.routes).toEqual([
      { cidr: '10.24.0.0/16', type: 'Pool', flags: InPool, nextHop: '0.0.0.0' },
      { cidr: '10.24.1.0/26', type: 'LocalBlock', flags: InPool, nextHop: '0.0.0.0' },
      { cidr: '10.24.2.0/26', type: 'RemoteBlock', flags: InPool | Ipip, nextHop: '192.168.122.12' },
      { cidr: '10.24.3.0/26', type: 'RemoteBlock', flags: InPool | Ipip, nextHop: '192.168.123.13' },
      { cidr: '192.168.122.11/32', type: 'LocalHost', flags: 0, nextHop: '192.168.122.11' },
      { cidr: '192.168.122.12/32', type: 'RemoteHost', flags: 0, nextHop: '192.168.122.12' },
      { cidr: '192.168.123.13/32', type: 'RemoteHost', flags: 0, nextHop: '192.168.123.13' },
    ]);
    expect(r.vteps).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('natOutgoing adds nat-out to the pool, local and remote block routes; host routes stay flagless; disabled pools still route', () => {
    const r = calc(POOL({ natOutgoing: true, vxlanMode: 'Always' }) + pool('old', '10.99.0.0/16', { disabled: true }) + NODES + BLOCKS);
    expect(route(r, '10.24.0.0/16')?.flags).toBe(InPool | NatOut);
    expect(route(r, '10.24.1.0/26')).toEqual({ cidr: '10.24.1.0/26', type: 'LocalBlock', flags: InPool | NatOut, nextHop: '0.0.0.0' });
    expect(route(r, '10.24.3.0/26')?.flags).toBe(InPool | NatOut | Vxlan);
    expect(route(r, '192.168.123.13/32')?.flags).toBe(0);
    expect(route(r, '10.99.0.0/16')).toEqual({ cidr: '10.99.0.0/16', type: 'Pool', flags: InPool, nextHop: '0.0.0.0' });
  });

  it('a block takes the most specific pool containing it', () => {
    const r = calc(POOL({ ipipMode: 'Always' }) + pool('narrow', '10.24.2.0/24', { vxlanMode: 'Always', natOutgoing: true }) + NODES + BLOCKS);
    expect(route(r, '10.24.2.0/26')?.flags).toBe(InPool | NatOut | Vxlan);
    expect(route(r, '10.24.3.0/26')?.flags).toBe(InPool | Ipip);
  });

  it('the local block is a LocalBlock with no kernel route (local pods get their own /32s elsewhere)', () => {
    const r = calc(POOL({ ipipMode: 'Always' }) + NODES + BLOCKS, 'node3');
    expect(route(r, '10.24.3.0/26')).toEqual({ cidr: '10.24.3.0/26', type: 'LocalBlock', flags: InPool, nextHop: '0.0.0.0' });
    expect(route(r, '10.24.1.0/26')).toMatchObject({ type: 'RemoteBlock', nextHop: '192.168.122.11' });
    expect(route(r, '192.168.123.13/32')?.type).toBe('LocalHost');
    expect(r.kernelRoutes.map((k) => k.cidr)).toEqual(['10.24.1.0/26', '10.24.2.0/26']);
  });
});

// ---- MTUs and VTEPs ---------------------------------------------------------------------------------

describe('calcClusterRoutes: kernel routes and VTEPs', () => {
  it('kernel route MTU is the uplink MTU minus the encapsulation overhead (IPIP 20, VXLAN 50, none 0)', () => {
    const yaml = pool('a', '10.24.1.0/24', { ipipMode: 'Always' }) + pool('b', '10.24.2.0/24', { vxlanMode: 'Always' }) +
      pool('c', '10.24.3.0/24') + NODES + block('10.24.1.0/26', 'node2') + block('10.24.2.0/26', 'node2') + block('10.24.3.0/26', 'node2');
    expect(calc(yaml, 'node1', 9000).kernelRoutes).toEqual([
      { cidr: '10.24.1.0/26', via: '192.168.122.12', mtu: 8980, encap: 'ipip' },
      { cidr: '10.24.2.0/26', via: '192.168.122.12', mtu: 8950, encap: 'vxlan' },
      { cidr: '10.24.3.0/26', via: '192.168.122.12', mtu: 9000, encap: 'none' },
    ]);
    expect(calc(yaml, 'node1', 1500).kernelRoutes.map((k) => k.mtu)).toEqual([1480, 1450, 1500]);
  });

  it('VTEP MAC is derived from the node name (Felix’s 66:sha1[0:5]) unless the Node sets vxlanTunnelMACAddr', () => {
    const nodes = node('node1', '192.168.122.11/24') +
      node('node2', '192.168.122.12/24', { ipv4VXLANTunnelAddr: '10.24.2.0' }) +
      node('node3', '192.168.123.13/24', { ipv4VXLANTunnelAddr: '10.24.3.0', vxlanTunnelMACAddr: '66:00:00:00:00:03' });
    const r = calc(POOL({ vxlanMode: 'Always' }) + nodes + BLOCKS);
    expect(r.vteps).toEqual([
      { node: 'node2', nodeIp: '192.168.122.12', mac: '66:2d:bf:44:a6:8b' },
      { node: 'node3', nodeIp: '192.168.123.13', mac: '66:00:00:00:00:03' },
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('a VXLAN peer without ipv4VXLANTunnelAddr is still a VTEP (Tortie tunnels to the node IP), with a warning', () => {
    const r = calc(POOL({ vxlanMode: 'Always' }) + NODES + BLOCKS);
    expect(r.vteps).toEqual([
      { node: 'node2', nodeIp: '192.168.122.12', mac: '66:2d:bf:44:a6:8b' },
      { node: 'node3', nodeIp: '192.168.123.13', mac: expect.stringMatching(/^66(:[0-9a-f]{2}){5}$/) as unknown as string },
    ]);
    expect(r.warnings).toEqual([
      'node node2 has no ipv4VXLANTunnelAddr (Calico needs one for its VTEP)',
      'node node3 has no ipv4VXLANTunnelAddr (Calico needs one for its VTEP)',
    ]);
  });

  it('only peers reached over VXLAN are VTEPs (CrossSubnet: not the same-subnet one; not us)', () => {
    const r = calc(POOL({ vxlanMode: 'CrossSubnet' }) + NODES + BLOCKS);
    expect(r.vteps.map((v) => v.node)).toEqual(['node3']);
  });
});

// ---- borrowed IPs and blocks without affinity ------------------------------------------------------

describe('calcClusterRoutes: borrowed IPs', () => {
  it('a borrowed IP gets a /32 to the node using it; ours, the block owner’s and node-less ones get none', () => {
    const b2 = block('10.24.2.0/26', 'node2', {
      0: { node: 'node2', type: 'vxlanTunnelAddress' }, // node2's own tunnel IP: the block route covers it
      1: { node: 'node2' },
      5: { node: 'node3' }, // borrowed by node3 (other subnet)
      6: { node: 'node1' }, // borrowed by us: a local endpoint, handled elsewhere
      7: {}, // no node recorded
    });
    const r = calc(POOL({ ipipMode: 'CrossSubnet' }) + NODES + block('10.24.1.0/26', 'node1') + b2);
    expect(route(r, '10.24.2.5/32')).toEqual({ cidr: '10.24.2.5/32', type: 'RemoteWorkload', flags: InPool | Ipip, nextHop: '192.168.123.13' });
    for (const ip of ['10.24.2.0', '10.24.2.1', '10.24.2.6', '10.24.2.7']) expect(route(r, `${ip}/32`)).toBeUndefined();
    expect(route(r, '10.24.2.0/26')?.flags).toBe(InPool | SameSubnet);
    expect(r.kernelRoutes).toEqual([
      { cidr: '10.24.2.0/26', via: '192.168.122.12', mtu: 1500, encap: 'none' },
      { cidr: '10.24.2.5/32', via: '192.168.123.13', mtu: 1480, encap: 'ipip' },
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('an IP borrowed from our own block by another node is routed to that node', () => {
    const b1 = block('10.24.1.0/26', 'node1', { 0: { node: 'node1', type: 'ipipTunnelAddress' }, 9: { node: 'node2' } });
    const r = calc(POOL({ vxlanMode: 'Always' }) + NODES + b1);
    expect(route(r, '10.24.1.0/26')?.type).toBe('LocalBlock');
    expect(route(r, '10.24.1.9/32')).toEqual({ cidr: '10.24.1.9/32', type: 'RemoteWorkload', flags: InPool | Vxlan, nextHop: '192.168.122.12' });
    expect(r.vteps.map((v) => v.node)).toEqual(['node2']);
  });

  it('a borrowed tunnel address gets its /32 like any other borrowed IP', () => {
    const b3 = block('10.24.3.0/26', 'node3', { 0: { node: 'node3', type: 'vxlanTunnelAddress' }, 3: { node: 'node2', type: 'vxlanTunnelAddress' } });
    const r = calc(POOL({ vxlanMode: 'Always' }) + NODES + b3);
    expect(route(r, '10.24.3.3/32')).toMatchObject({ type: 'RemoteWorkload', nextHop: '192.168.122.12' });
    expect(route(r, '10.24.3.0/32')).toBeUndefined();
  });

  it('a block with no host affinity gets no route of its own; IPs in it in use on a node still do (as in Felix)', () => {
    const loose = block('10.24.4.0/26', null, { 2: { node: 'node3' }, 3: { node: 'node1' } });
    const lb = block('10.24.5.0/26', 'virtual:load-balancer', { 0: {} });
    const r = calc(POOL({ ipipMode: 'Always' }) + NODES + loose + lb);
    expect(route(r, '10.24.4.0/26')).toBeUndefined();
    expect(route(r, '10.24.5.0/26')).toBeUndefined();
    expect(route(r, '10.24.4.2/32')).toEqual({ cidr: '10.24.4.2/32', type: 'RemoteWorkload', flags: InPool | Ipip, nextHop: '192.168.123.13' });
    expect(route(r, '10.24.4.3/32')).toBeUndefined();
    expect(route(r, '10.24.5.0/32')).toBeUndefined();
    expect(r.warnings).toEqual([]);
  });
});

// ---- what cannot be routed -------------------------------------------------------------------------

describe('calcClusterRoutes: problems are warned about, the rest is routed', () => {
  it('unknown node, node without IPv4, block outside every pool', () => {
    const yaml = POOL({ ipipMode: 'Always' }) + NODES + node('node4', null, { addresses: [{ address: 'fd00::4', type: 'InternalIP' }] }) +
      block('10.24.2.0/26', 'node9') + block('10.24.3.0/26', 'node4') + block('10.99.0.0/26', 'node2') +
      block('10.24.6.0/26', 'node2', { 1: { node: 'node8' } });
    const r = calc(yaml);
    expect(r.warnings).toEqual([
      '10.24.2.0/26: node node9 is unknown; not routed',
      '10.24.3.0/26: node node4 has no IPv4 address; not routed',
      '10.24.6.1/32: node node8 is unknown; not routed',
      'block 10.99.0.0/26 is in no IPv4 IP pool; not routed',
    ]);
    for (const cidr of ['10.24.2.0/26', '10.24.3.0/26', '10.24.6.1/32', '10.99.0.0/26']) expect(route(r, cidr)).toBeUndefined();
    expect(route(r, '10.24.6.0/26')).toMatchObject({ type: 'RemoteBlock', nextHop: '192.168.122.12' });
    expect(r.routes.filter((x) => x.type === 'RemoteHost').map((x) => x.cidr)).toEqual(['192.168.122.12/32', '192.168.123.13/32']);
  });

  it('without its own Node, it warns and CrossSubnet always encapsulates; every block is remote', () => {
    const r = calc(POOL({ vxlanMode: 'CrossSubnet' }) + NODES + BLOCKS, 'node7');
    expect(r.warnings[0]).toBe('no Node node7 with an IPv4 address: CrossSubnet pools will always encapsulate');
    for (const cidr of ['10.24.1.0/26', '10.24.2.0/26', '10.24.3.0/26']) expect(route(r, cidr)).toMatchObject({ type: 'RemoteBlock', flags: InPool | Vxlan });
    expect(r.routes.some((x) => x.type === 'LocalHost' || x.type === 'LocalBlock')).toBe(false);
    expect(r.vteps.map((v) => v.node)).toEqual(['node1', 'node2', 'node3']);
  });

  it('IPv6 pools, blocks and addresses are ignored silently', () => {
    const yaml = POOL({ vxlanMode: 'Always' }) + pool('v6', 'fd00:24::/48') + NODES +
      node('node5', '192.168.122.15/24', { bgp: { ipv4Address: '192.168.122.15/24', ipv6Address: 'fd00::15/64' } }) +
      node('node6', null, { bgp: { ipv6Address: 'fd00::16/64' } }) + block('fd00:24::/122', 'node2', { 1: { node: 'node3' } });
    const r = calc(yaml);
    expect(r.routes.map((x) => x.cidr)).toEqual(['10.24.0.0/16', '192.168.122.11/32', '192.168.122.12/32', '192.168.122.15/32', '192.168.123.13/32']);
    expect(r.warnings).toEqual([]);
  });
});

// ---- duplicates, ordering, purity ----------------------------------------------------------------------

describe('calcClusterRoutes: duplicates, ordering and purity', () => {
  it('two blocks with one CIDR and different affinities: the node that sorts first keeps it, with a warning', () => {
    const dup = block('10.24.2.0/26', 'node3', {}, 'copy-a') + block('10.24.2.0/26', 'node2', {}, 'copy-b');
    const r = calc(POOL({ ipipMode: 'Always' }) + NODES + dup);
    expect(route(r, '10.24.2.0/26')?.nextHop).toBe('192.168.122.12');
    expect(r.warnings).toEqual(['block 10.24.2.0/26 has affinities host:node2, host:node3; using host:node2']);
    expect(calc(POOL({ ipipMode: 'Always' }) + dup + NODES)).toEqual(r);
  });

  it('a route claimed twice keeps one deterministically; a pool the size of its block yields to the block quietly', () => {
    const yaml = pool('b-pool', '10.24.0.0/16', { natOutgoing: true }) + pool('a-pool', '10.24.0.0/16') +
      pool('small', '10.30.0.0/26') + NODES + block('10.30.0.0/26', 'node2') +
      node('node4', '192.168.122.12/24'); // node2's address again
    const r = calc(yaml);
    expect(route(r, '10.24.0.0/16')?.flags).toBe(InPool);
    expect(route(r, '10.30.0.0/26')).toEqual({ cidr: '10.30.0.0/26', type: 'RemoteBlock', flags: InPool, nextHop: '192.168.122.12' });
    expect(r.warnings).toEqual([
      '10.24.0.0/16 is claimed by pool a-pool and pool b-pool; using pool a-pool, not pool b-pool',
      '192.168.122.12/32 is claimed by node2 and node4; using node2, not node4',
    ]);
  });

  it('routes are in address order (numerically), then by prefix length', () => {
    const yaml = POOL({ ipipMode: 'Always' }) + NODES + block('10.24.10.0/26', 'node2') + block('10.24.9.0/26', 'node3') +
      block('10.24.2.0/26', 'node2', { 5: { node: 'node3' } }) + node('node0', '9.1.1.1/8');
    const cidrs = calc(yaml).routes.map((x) => x.cidr);
    expect(cidrs).toEqual(['9.1.1.1/32', '10.24.0.0/16', '10.24.2.0/26', '10.24.2.5/32', '10.24.9.0/26', '10.24.10.0/26',
      '192.168.122.11/32', '192.168.122.12/32', '192.168.123.13/32']);
  });

  it('is pure: the same answer twice and for any input order, inputs untouched (even deep-frozen)', () => {
    const yaml = POOL({ vxlanMode: 'CrossSubnet', natOutgoing: true }) + NODES + BLOCKS +
      block('10.24.4.0/26', 'node2', { 1: { node: 'node3' }, 2: { node: 'node9' } }) + block('10.99.0.0/26', 'node2');
    const resources = load(yaml);
    const snapshot = structuredClone(resources);
    const self = { nodeName: 'node1', uplinkMtu: 1500 };
    const a = calcClusterRoutes(resources, self);
    expect(calcClusterRoutes(resources, self)).toEqual(a);
    expect(resources).toEqual(snapshot);
    expect(self).toEqual({ nodeName: 'node1', uplinkMtu: 1500 });
    expect(calcClusterRoutes([...resources].reverse(), self)).toEqual(a);
    expect(calcClusterRoutes([...resources.slice(3), ...resources.slice(0, 3)], self)).toEqual(a);
    expect(calcClusterRoutes(deepFreeze(structuredClone(resources)), self)).toEqual(a);
    expect(a.warnings.length).toBe(3); // node9 unknown, 10.99 outside pools, node3's VTEP address
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// ---- route-format ----------------------------------------------------------------------------------

describe('routeEntryKey, compareRouteCidrs, formatRouteFlags', () => {
  it('routeEntryKey gives the LPM key, host bits cleared, a bare address as /32', () => {
    expect(routeEntryKey('10.24.2.0/26')).toEqual({ prefixLen: 26, addr: '10.24.2.0' });
    expect(routeEntryKey('10.24.2.5/26')).toEqual({ prefixLen: 26, addr: '10.24.2.0' });
    expect(routeEntryKey('192.168.122.12')).toEqual({ prefixLen: 32, addr: '192.168.122.12' });
    expect(routeEntryKey('0.0.0.0/0')).toEqual({ prefixLen: 0, addr: '0.0.0.0' });
    expect(Array.from(encode(RouteKey, routeEntryKey('10.24.2.0/26')))).toEqual([26, 0, 0, 0, 10, 24, 2, 0]);
    expect(() => routeEntryKey('fd00::/64')).toThrow(RangeError);
    expect(() => routeEntryKey('10.24.2.0/33')).toThrow(/not an IPv4 CIDR/);
  });

  it('every calculated route has a key that round-trips to its CIDR', () => {
    const r = calc(POOL({ ipipMode: 'Always' }) + NODES + BLOCKS);
    for (const { cidr } of r.routes) {
      const k = routeEntryKey(cidr);
      expect(`${k.addr}/${k.prefixLen}`).toBe(cidr);
    }
  });

  it('compareRouteCidrs orders by address, then prefix length', () => {
    const list = ['10.24.10.0/26', '10.24.2.5/32', '10.24.0.0/16', '10.24.2.0/26', '10.24.0.0/26', '9.0.0.0/8'];
    expect([...list].sort(compareRouteCidrs)).toEqual(['9.0.0.0/8', '10.24.0.0/16', '10.24.0.0/26', '10.24.2.0/26', '10.24.2.5/32', '10.24.10.0/26']);
  });

  it('formatRouteFlags names flags in Calico CLI style and fixed order; unknown bits in hex', () => {
    expect(formatRouteFlags(0)).toEqual([]);
    expect(formatRouteFlags(SameSubnet | Vxlan | Ipip | NatOut | InPool)).toEqual(['in-pool', 'nat-out', 'ipip', 'vxlan', 'same-subnet']);
    expect(formatRouteFlags(InPool | SameSubnet)).toEqual(['in-pool', 'same-subnet']);
    expect(formatRouteFlags(InPool | 0x40 | 0x80000000)).toEqual(['in-pool', '0x80000040']);
  });
});
