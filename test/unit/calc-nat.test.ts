/** Floating IPs, non-IPAM endpoint addresses and natOutgoing: pure calculations from Calico resources. */
import { describe, expect, it } from 'vitest';
import { calcNodeEndpoints } from '../../src/calc/endpoints.js';
import { calcNodeNat } from '../../src/calc/nat.js';
import { collectFloatingIps } from '../../src/calc/workload-ips.js';
import { calcNatOutgoing } from '../../src/calc/nat-outgoing.js';
import { calcClusterRoutes } from '../../src/calc/routes.js';
import { RouteFlags } from '../../src/dataplane/abi.js';
import { parseResources, validateAll } from '../../src/model/load.js';

const yaml = (kind: string, name: string, spec: Record<string, unknown>, namespace?: string) => `---
apiVersion: projectcalico.org/v3
kind: ${kind}
metadata: ${JSON.stringify(namespace ? { name, namespace } : { name })}
spec: ${JSON.stringify(spec)}
`;
const node = (name: string, ip: string) => yaml('Node', name, { bgp: { ipv4Address: ip } });
const block = (cidr: string, host: string) => `---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: { name: ${cidr.replace('/', '-')} }
spec: ${JSON.stringify({ cidr, affinity: `host:${host}`, allocations: Array(64).fill(null), unallocated: [...Array(64).keys()], attributes: [], strictAffinity: false, deleted: false })}
`;
const wep = (name: string, nodeName: string, iface: string, ips: string[], ipNATs?: Array<{ internalIP: string; externalIP: string }>) =>
  yaml('WorkloadEndpoint', name, { node: nodeName, interfaceName: iface, ipNetworks: ips, ...(ipNATs ? { ipNATs } : {}) }, 'default');

const CLUSTER =
  node('node1', '192.168.122.11/24') +
  node('node2', '192.168.122.12/24') +
  yaml('IPPool', 'ipip', { cidr: '10.24.0.0/16', blockSize: 26, ipipMode: 'Always', natOutgoing: true, nodeSelector: 'all()' }) +
  yaml('IPPool', 'plain', { cidr: '10.30.0.0/16', blockSize: 26, nodeSelector: 'all()' }) +
  block('10.24.1.0/26', 'node1') +
  block('10.24.2.0/26', 'node2') +
  wep('a', 'node1', 'calia0000000000', ['10.24.1.2/32'], [{ internalIP: '10.24.1.2', externalIP: '172.18.22.113' }, { internalIP: '10.24.1.2', externalIP: '172.18.22.114' }]) +
  wep('b', 'node2', 'calib0000000000', ['10.24.2.2/32'], [{ internalIP: '10.24.2.2', externalIP: '172.18.22.120' }]) +
  wep('noipam', 'node2', 'calic0000000000', ['10.24.2.9/32', '172.19.0.5/32']);

const resources = validateAll(parseResources(CLUSTER, 'cluster.yaml'));
const routesOf = (self: string) => calcClusterRoutes(resources, { nodeName: self, uplinkMtu: 1500 });

describe('floating IPs', () => {
  it('the owning node DNATs them locally and routes the host through the pod’s cali', () => {
    const r = routesOf('node1');
    expect(r.routes).toContainEqual({ cidr: '172.18.22.113/32', type: 'LocalNat', flags: 0, nextHop: '0.0.0.0' });
    expect(r.routes).toContainEqual({ cidr: '172.18.22.114/32', type: 'LocalNat', flags: 0, nextHop: '0.0.0.0' });
    expect(r.localNatKernelRoutes).toEqual([
      { cidr: '172.18.22.113/32', via: '10.24.1.2', dev: 'calia0000000000' },
      { cidr: '172.18.22.114/32', via: '10.24.1.2', dev: 'calia0000000000' },
    ]);
  });

  it('every other node routes the /32 to the owner, encapsulated as the pod IP’s pool, and so does its host', () => {
    const r = routesOf('node2');
    expect(r.routes).toContainEqual({ cidr: '172.18.22.113/32', type: 'RemoteWorkload', flags: RouteFlags.Ipip, nextHop: '192.168.122.11' });
    expect(r.kernelRoutes).toContainEqual({ cidr: '172.18.22.113/32', via: '192.168.122.11', mtu: 1480, encap: 'ipip' });
    expect(r.localNatKernelRoutes).toEqual([{ cidr: '172.18.22.120/32', via: '10.24.2.2', dev: 'calib0000000000' }]);
  });

  it('the NAT table: each floating IP to its pod, the pod to its first floating IP', () => {
    const fips = collectFloatingIps(resources, []);
    expect(calcNodeNat(fips, 'node1')).toEqual([
      { dir: 'dnat', from: '172.18.22.113', to: '10.24.1.2' },
      { dir: 'snat', from: '10.24.1.2', to: '172.18.22.113' },
      { dir: 'dnat', from: '172.18.22.114', to: '10.24.1.2' },
    ]);
    expect(calcNodeNat(fips, 'node2')).toEqual([
      { dir: 'dnat', from: '172.18.22.120', to: '10.24.2.2' },
      { dir: 'snat', from: '10.24.2.2', to: '172.18.22.120' },
    ]);
  });

  it('the pod IP with floating IPs is flagged for SNAT', () => {
    expect(calcNodeEndpoints(resources, 'node1').endpoints[0]).toMatchObject({ ips: ['10.24.1.2'], natIps: ['10.24.1.2'], natOutgoingIps: ['10.24.1.2'] });
  });

  it('a floating IP claimed twice stays with the first endpoint, with a warning', () => {
    const clash = validateAll(parseResources(CLUSTER + wep('z', 'node2', 'caliz000000000', ['10.24.2.3/32'], [{ internalIP: '10.24.2.3', externalIP: '172.18.22.113' }]), 'c'));
    const warnings: string[] = [];
    expect(calcNodeNat(collectFloatingIps(clash, warnings), 'node2').some((e) => e.from === '172.18.22.113')).toBe(false);
    expect(warnings).toEqual(['floating IP 172.18.22.113 is claimed by default/a and default/z; using default/a']);
  });
});

describe('endpoint addresses outside every block (ipAddrsNoIpam)', () => {
  it('other nodes get a /32 to the endpoint’s node, encapsulated like its other addresses', () => {
    const r = routesOf('node1');
    expect(r.routes).toContainEqual({ cidr: '172.19.0.5/32', type: 'RemoteWorkload', flags: RouteFlags.Ipip, nextHop: '192.168.122.12' });
    expect(r.kernelRoutes).toContainEqual({ cidr: '172.19.0.5/32', via: '192.168.122.12', mtu: 1480, encap: 'ipip' });
    // An address inside an affine block needs no /32 of its own.
    expect(r.routes.some((x) => x.cidr === '10.24.2.9/32')).toBe(false);
  });

  it('its own node needs no route: the endpoints map has it', () => {
    expect(routesOf('node2').routes.some((x) => x.cidr === '172.19.0.5/32')).toBe(false);
  });
});

describe('natOutgoing', () => {
  it('masquerades from pools that ask for it, to anything outside every pool', () => {
    expect(calcNatOutgoing(resources)).toEqual({ masqueradeFrom: ['10.24.0.0/16'], pools: ['10.24.0.0/16', '10.30.0.0/16'] });
  });
});
