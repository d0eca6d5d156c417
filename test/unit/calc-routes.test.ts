/** calcClusterRoutes: Calico's routing decisions from real resource shapes, pure. */
import { describe, expect, it } from 'vitest';
import { calcClusterRoutes } from '../../src/calc/routes.js';
import { RouteFlags } from '../../src/dataplane/abi.js';
import { parseResources, validateAll } from '../../src/model/load.js';

const node = (name: string, ip: string, extra = '') => `---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: ${name} }
spec: { bgp: { ipv4Address: ${ip} }${extra} }
`;
const pool = (spec: string, name = 'p') => `---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: ${name} }
spec: { ${spec} }
`;
function block(cidr: string, host: string | null, allocs: Record<number, string> = {}): string {
  const size = 2 ** (32 - Number(cidr.split('/')[1]));
  const allocations = Array.from({ length: size }, (_, i) => (i in allocs ? Object.keys(allocs).indexOf(String(i)) : null));
  const attributes = Object.values(allocs).map((n) => ({ handle_id: `h-${n}`, secondary: { node: n, pod: 'x', namespace: 'default' } }));
  return `---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: { name: ${cidr.replace('/', '-')} }
spec: ${JSON.stringify({ cidr, affinity: host ? `host:${host}` : null, allocations, unallocated: [], attributes })}
`;
}

const NODES = node('node1', '192.168.1.11/24') + node('node2', '192.168.1.12/24') + node('node3', '192.168.2.13/24');
const BLOCKS = block('10.24.1.0/26', 'node1') + block('10.24.2.0/26', 'node2') + block('10.24.3.0/26', 'node3');

function calc(yaml: string, nodeName = 'node1', uplinkMtu = 1500) {
  return calcClusterRoutes(validateAll(parseResources(yaml, 'test.yaml')), { nodeName, uplinkMtu });
}
const route = (r: ReturnType<typeof calc>, cidr: string) => r.routes.find((x) => x.cidr === cidr);

describe('calcClusterRoutes', () => {
  it('IPIP Always: every remote block via its node, encapsulated; the local block is a blackhole; hosts known', () => {
    const r = calc(pool('cidr: 10.24.0.0/16, ipipMode: Always') + NODES + BLOCKS);
    expect(route(r, '10.24.0.0/16')).toEqual({ cidr: '10.24.0.0/16', type: 'Pool', flags: RouteFlags.InPool, nextHop: '0.0.0.0' });
    expect(route(r, '10.24.1.0/26')).toMatchObject({ type: 'LocalBlock', flags: RouteFlags.InPool });
    expect(route(r, '10.24.2.0/26')).toEqual({ cidr: '10.24.2.0/26', type: 'RemoteBlock', flags: RouteFlags.InPool | RouteFlags.Ipip, nextHop: '192.168.1.12' });
    expect(route(r, '10.24.3.0/26')).toMatchObject({ type: 'RemoteBlock', flags: RouteFlags.InPool | RouteFlags.Ipip, nextHop: '192.168.2.13' });
    expect(route(r, '192.168.1.11/32')).toMatchObject({ type: 'LocalHost' });
    expect(route(r, '192.168.2.13/32')).toMatchObject({ type: 'RemoteHost', nextHop: '192.168.2.13' });
    expect(r.kernelRoutes).toEqual([
      { cidr: '10.24.2.0/26', via: '192.168.1.12', mtu: 1480, encap: 'ipip' },
      { cidr: '10.24.3.0/26', via: '192.168.2.13', mtu: 1480, encap: 'ipip' },
    ]);
    expect(r.vteps).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('VXLAN Always: VXLAN flag, MTU − 50, and each peer’s VTEP MAC (derived, or the Node’s own)', () => {
    const nodes = node('node1', '192.168.1.11/24') + node('node2', '192.168.1.12/24', ', ipv4VXLANTunnelAddr: 10.24.2.0') + node('node3', '192.168.2.13/24', ', ipv4VXLANTunnelAddr: 10.24.3.0, vxlanTunnelMACAddr: "66:00:00:00:00:03"');
    const r = calc(pool('cidr: 10.24.0.0/16, vxlanMode: Always') + nodes + BLOCKS, 'node1', 9000);
    expect(route(r, '10.24.2.0/26')?.flags).toBe(RouteFlags.InPool | RouteFlags.Vxlan);
    expect(r.kernelRoutes.map((k) => k.mtu)).toEqual([8950, 8950]);
    expect(r.vteps).toEqual([
      { node: 'node2', nodeIp: '192.168.1.12', mac: '66:2d:bf:44:a6:8b' },
      { node: 'node3', nodeIp: '192.168.2.13', mac: '66:00:00:00:00:03' },
    ]);
  });

  for (const mode of ['ipipMode', 'vxlanMode'] as const) {
    it(`${mode} CrossSubnet: plain inside this node's subnet, encapsulated beyond it`, () => {
      const r = calc(pool(`cidr: 10.24.0.0/16, ${mode}: CrossSubnet`) + NODES + BLOCKS);
      const tunnel = mode === 'ipipMode' ? RouteFlags.Ipip : RouteFlags.Vxlan;
      expect(route(r, '10.24.2.0/26')?.flags).toBe(RouteFlags.InPool | RouteFlags.SameSubnet);
      expect(route(r, '10.24.3.0/26')?.flags).toBe(RouteFlags.InPool | tunnel);
      expect(r.kernelRoutes.map((k) => [k.cidr, k.encap])).toEqual([
        ['10.24.2.0/26', 'none'],
        ['10.24.3.0/26', mode === 'ipipMode' ? 'ipip' : 'vxlan'],
      ]);
    });
  }

  it('Never/Never with natOutgoing: direct routes with the nat-out flag', () => {
    const r = calc(pool('cidr: 10.24.0.0/16, natOutgoing: true') + NODES + BLOCKS);
    expect(route(r, '10.24.0.0/16')?.flags).toBe(RouteFlags.InPool | RouteFlags.NatOut);
    expect(route(r, '10.24.3.0/26')).toMatchObject({ flags: RouteFlags.InPool | RouteFlags.NatOut, nextHop: '192.168.2.13' });
    expect(r.kernelRoutes[1]).toEqual({ cidr: '10.24.3.0/26', via: '192.168.2.13', mtu: 1500, encap: 'none' });
  });

  it('a borrowed IP gets a /32 to the node that uses it, not to the block’s node (and none when it is ours)', () => {
    const borrowed = block('10.24.2.0/26', 'node2', { 5: 'node3', 6: 'node1', 7: 'node2' });
    const r = calc(pool('cidr: 10.24.0.0/16, ipipMode: Always') + NODES + borrowed);
    expect(route(r, '10.24.2.5/32')).toEqual({ cidr: '10.24.2.5/32', type: 'RemoteWorkload', flags: RouteFlags.InPool | RouteFlags.Ipip, nextHop: '192.168.2.13' });
    expect(route(r, '10.24.2.6/32')).toBeUndefined();
    expect(route(r, '10.24.2.7/32')).toBeUndefined();
  });

  it('uses the most specific pool for a block', () => {
    const r = calc(pool('cidr: 10.24.0.0/16, ipipMode: Always', 'wide') + pool('cidr: 10.24.2.0/24, vxlanMode: Always', 'narrow') + NODES + BLOCKS);
    expect(route(r, '10.24.2.0/26')?.flags).toBe(RouteFlags.InPool | RouteFlags.Vxlan);
    expect(route(r, '10.24.3.0/26')?.flags).toBe(RouteFlags.InPool | RouteFlags.Ipip);
  });

  it('warns about what it cannot route, and routes the rest', () => {
    const r = calc(pool('cidr: 10.24.0.0/16, ipipMode: Always') + NODES + block('10.24.2.0/26', 'node9') + block('10.99.0.0/26', 'node2') + block('10.24.4.0/26', null));
    expect(r.warnings).toEqual([
      '10.24.2.0/26: node node9 is unknown or has no IPv4 address; not routed',
      'block 10.99.0.0/26 is in no IP pool; not routed',
    ]);
    expect(route(r, '10.24.4.0/26')).toBeUndefined();
    expect(route(r, '192.168.1.12/32')).toBeDefined();
  });

  it('without its own Node, CrossSubnet always encapsulates (and says so)', () => {
    const r = calc(pool('cidr: 10.24.0.0/16, ipipMode: CrossSubnet') + NODES + BLOCKS, 'node7');
    expect(route(r, '10.24.1.0/26')?.flags).toBe(RouteFlags.InPool | RouteFlags.Ipip);
    expect(r.warnings[0]).toMatch(/no Node node7/);
  });

  it('is deterministic and pure: sorted output, same answer twice, inputs untouched', () => {
    const resources = validateAll(parseResources(BLOCKS + NODES + pool('cidr: 10.24.0.0/16, ipipMode: Always'), 't'));
    const snapshot = JSON.stringify(resources, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const a = calcClusterRoutes(resources, { nodeName: 'node2', uplinkMtu: 1500 });
    const b = calcClusterRoutes([...resources].reverse(), { nodeName: 'node2', uplinkMtu: 1500 });
    expect(a).toEqual(b);
    expect(a.routes.map((r) => r.cidr)).toEqual(['10.24.0.0/16', '10.24.1.0/26', '10.24.2.0/26', '10.24.3.0/26', '192.168.1.11/32', '192.168.1.12/32', '192.168.2.13/32']);
    expect(JSON.stringify(resources, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(snapshot);
  });
});
