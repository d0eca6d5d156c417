import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseJsonLossless } from '../../src/model/json.js';
import { derivedVtepMac, nodeIPv4, vtepMacForNode, type CalicoNode } from '../../src/model/node.js';
import { parseResource, ResourceSchema, type Resource } from '../../src/model/resources.js';
import { IPPOOL_JSON, NODE_JSON, WORKLOAD_ENDPOINT_JSON } from './model-fixtures.js';

const where = { source: 'test' };

function parseOk(value: unknown): Resource {
  const result = parseResource(value, where);
  if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.resource;
}

function issuesOf(value: unknown): string[] {
  const result = parseResource(value, where);
  if (result.status !== 'error') throw new Error(`expected an error, got ${result.status}`);
  return result.error.issues;
}

const clone = <T>(value: T): T => structuredClone(value);
const wepFixture = () => parseJsonLossless(WORKLOAD_ENDPOINT_JSON) as { metadata: any; spec: any; [k: string]: any };
const poolFixture = () => parseJsonLossless(IPPOOL_JSON) as { metadata: any; spec: any };
const nodeFixture = () => parseJsonLossless(NODE_JSON) as { metadata: any; spec: any };

function withSpec<T extends { spec: any }>(base: T, patch: Record<string, unknown>): T {
  const copy = clone(base);
  Object.assign(copy.spec, patch);
  return copy;
}

describe('WorkloadEndpoint', () => {
  it('parses the CNI plugin example exactly', () => {
    const wep = parseOk(wepFixture());
    if (wep.kind !== 'WorkloadEndpoint') throw new Error('kind');
    expect(wep.metadata).toMatchObject({ name: 'node112-k8s-pod5-eth0', namespace: 'default', generateName: 'pod5-' });
    expect(wep.metadata.labels?.['projectcalico.org/orchestrator']).toBe('k8s');
    expect(wep.spec).toMatchObject({
      orchestrator: 'k8s',
      node: 'node112',
      pod: 'pod5',
      endpoint: 'eth0',
      ipNetworks: ['10.24.104.1/32'],
      ipNATs: [{ internalIP: '10.24.104.1', externalIP: '172.16.0.50' }],
      profiles: ['kns.default', 'ksa.default.default'],
      interfaceName: 'cali8e9fad9b07c',
      mac: '9a:6b:1c:2d:3e:4f',
      ports: [{ name: 'http', protocol: 'TCP', port: 8080, hostPort: 0, hostIP: '' }],
    });
  });

  it('keeps fields it does not know (Calico adds fields)', () => {
    const input = withSpec(wepFixture(), { qosControls: { ingressBandwidth: 1000 }, futureField: 'x' });
    input.metadata.managedFields = [{ manager: 'calico' }];
    const wep = parseOk(input) as Extract<Resource, { kind: 'WorkloadEndpoint' }>;
    expect(wep.spec.qosControls).toEqual({ ingressBandwidth: 1000 });
    expect(wep.spec.futureField).toBe('x');
    expect(wep.metadata.managedFields).toEqual([{ manager: 'calico' }]);
  });

  it('defaults the namespace and normalises the MAC and bare addresses', () => {
    const input = withSpec(wepFixture(), { mac: '9A:6B:1C:2D:3E:4F', ipNetworks: ['10.24.104.1', 'fd00::5'] });
    delete input.metadata.namespace;
    const wep = parseOk(input) as Extract<Resource, { kind: 'WorkloadEndpoint' }>;
    expect(wep.metadata.namespace).toBe('default');
    expect(wep.spec.mac).toBe('9a:6b:1c:2d:3e:4f');
    expect(wep.spec.ipNetworks).toEqual(['10.24.104.1/32', 'fd00::5/128']);
  });

  it('accepts IPv6 /128 networks and an endpoint without a MAC', () => {
    const input = withSpec(wepFixture(), { ipNetworks: ['10.24.104.1/32', 'fd5f:abcd:64::1/128'], mac: '' });
    const wep = parseOk(input) as Extract<Resource, { kind: 'WorkloadEndpoint' }>;
    expect(wep.spec.ipNetworks).toHaveLength(2);
    expect(wep.spec.mac).toBeUndefined();
  });

  it('reports the exact entry of a bad ipNetworks list', () => {
    expect(issuesOf(withSpec(wepFixture(), { ipNetworks: ['10.24.104.1/32', '10.24.104.0/26'] }))).toEqual([
      'spec.ipNetworks[1]: "10.24.104.0/26" must be a single address: /32 for IPv4 or /128 for IPv6, not /26',
    ]);
    expect(issuesOf(withSpec(wepFixture(), { ipNetworks: ['10.24.104.1/32', 'fd00::/64', 'pod'], ipNATs: [] }))).toEqual([
      'spec.ipNetworks[1]: "fd00::/64" must be a single address: /32 for IPv4 or /128 for IPv6, not /64',
      'spec.ipNetworks[2]: "pod" is not an IP address or CIDR',
    ]);
  });

  it('rejects wrong types on known fields', () => {
    const input = withSpec(wepFixture(), { ipNetworks: '10.24.104.1/32', ports: [{ name: 'http', port: '8080' }] });
    expect(issuesOf(input)).toEqual([
      'spec.ipNetworks: Invalid input: expected array, received string',
      'spec.ports[0].port: Invalid input: expected number, received string',
    ]);
  });

  it('requires node and interfaceName', () => {
    const input = clone(wepFixture());
    delete input.spec.node;
    delete input.spec.interfaceName;
    expect(issuesOf(input)).toEqual(['spec.node: required', 'spec.interfaceName: required']);
  });

  it.each([
    ['cali0123456789ab', '"cali0123456789ab" is 16 bytes long; Linux interface names are at most 15'],
    ['cali/x', `"cali/x" must not contain '/', ':' or whitespace`],
    ['cali x', `"cali x" must not contain '/', ':' or whitespace`],
    ['cali:1', `"cali:1" must not contain '/', ':' or whitespace`],
    ['', '"" must not be empty'],
    ['..', '".." is not a valid interface name'],
  ])('rejects the interface name %j', (name, message) => {
    expect(issuesOf(withSpec(wepFixture(), { interfaceName: name }))).toEqual([`spec.interfaceName: ${message}`]);
  });

  it('rejects a bad MAC', () => {
    expect(issuesOf(withSpec(wepFixture(), { mac: '9a-6b-1c-2d-3e-4f' }))).toEqual([
      'spec.mac: "9a-6b-1c-2d-3e-4f" is not a MAC address (aa:bb:cc:dd:ee:ff)',
    ]);
  });

  it('checks floating IPs against the endpoint', () => {
    expect(issuesOf(withSpec(wepFixture(), { ipNATs: [{ internalIP: '10.24.104.9', externalIP: '172.16.0.50' }] }))).toEqual([
      "spec.ipNATs[0].internalIP: 10.24.104.9 is not one of this endpoint's ipNetworks",
    ]);
    expect(issuesOf(withSpec(wepFixture(), { ipNATs: [{ internalIP: '10.24.104.1', externalIP: 'fd00::1' }] }))).toEqual([
      'spec.ipNATs[0].externalIP: mismatched IP versions',
    ]);
    expect(issuesOf(withSpec(wepFixture(), { ipNATs: [{ internalIP: '10.24.104.1', externalIP: '172.16.0.256' }] }))).toEqual([
      'spec.ipNATs[0].externalIP: "172.16.0.256" is not an IP address',
    ]);
  });

  it('rejects the wrong apiVersion', () => {
    expect(issuesOf({ ...wepFixture(), apiVersion: 'v1' })).toEqual([
      'apiVersion: Invalid input: expected "projectcalico.org/v3"',
    ]);
  });
});

describe('IPPool', () => {
  type Pool = Extract<Resource, { kind: 'IPPool' }>;

  it('parses the example', () => {
    const pool = parseOk(poolFixture()) as Pool;
    expect(pool.spec).toMatchObject({
      cidr: '10.24.0.0/16',
      vxlanMode: 'Always',
      ipipMode: 'Never',
      natOutgoing: true,
      blockSize: 26,
    });
  });

  it('fills in the defaults Calico writes on create', () => {
    const pool = parseOk({
      kind: 'IPPool',
      apiVersion: 'projectcalico.org/v3',
      metadata: { name: 'p' },
      spec: { cidr: '10.24.0.0/16' },
    }) as Pool;
    expect(pool.spec).toEqual({
      cidr: '10.24.0.0/16',
      vxlanMode: 'Never',
      ipipMode: 'Never',
      natOutgoing: false,
      disabled: false,
      disableBGPExport: false,
      blockSize: 26,
      nodeSelector: 'all()',
      allowedUses: ['Workload', 'Tunnel'],
      assignmentMode: 'Automatic',
    });
  });

  it('accepts the KDD CRD apiVersion and normalises host bits', () => {
    const pool = parseOk({ ...withSpec(poolFixture(), { cidr: '10.24.7.9/16' }), apiVersion: 'crd.projectcalico.org/v1' }) as Pool;
    expect(pool.spec.cidr).toBe('10.24.0.0/16');
  });

  it.each([
    ['Always', 'Always'],
    ['Always', 'CrossSubnet'],
    ['CrossSubnet', 'CrossSubnet'],
  ])('rejects ipipMode %s together with vxlanMode %s', (ipipMode, vxlanMode) => {
    expect(issuesOf(withSpec(poolFixture(), { ipipMode, vxlanMode }))).toEqual([
      `spec: ipipMode (${ipipMode}) and vxlanMode (${vxlanMode}) cannot both be enabled; set one of them to Never`,
    ]);
  });

  it('checks modes, block sizes and deprecated fields', () => {
    expect(issuesOf(withSpec(poolFixture(), { vxlanMode: 'always' }))).toEqual([
      'spec.vxlanMode: Invalid option: expected one of "Always"|"CrossSubnet"|"Never"',
    ]);
    expect(issuesOf(withSpec(poolFixture(), { blockSize: 19 }))).toEqual([
      'spec.blockSize: 19 is out of range for an IPv4 pool (20..32)',
    ]);
    expect(issuesOf(withSpec(poolFixture(), { cidr: '10.24.0.0/27' }))).toEqual([
      'spec.blockSize: the pool 10.24.0.0/27 is smaller than one /26 block',
    ]);
    expect(parseOk(withSpec(poolFixture(), { cidr: '10.24.0.0/27', disabled: true })).kind).toBe('IPPool');
    expect(issuesOf(withSpec(poolFixture(), { ipip: { enabled: true }, 'nat-outgoing': true }))).toEqual([
      'spec.ipip: is deprecated and must be unset; use ipipMode',
      'spec.nat-outgoing: is deprecated and must be unset; use natOutgoing',
    ]);
    expect(issuesOf(withSpec(poolFixture(), { cidr: '10.24.0.0', natOutgoing: 'yes' }))).toEqual([
      'spec.cidr: "10.24.0.0" is not a CIDR (e.g. 10.24.0.0/16)',
      'spec.natOutgoing: Invalid input: expected boolean, received string',
    ]);
  });

  it('accepts IPv6 pools with their own block size rules', () => {
    const v6 = { cidr: 'fd5f:abcd:64::/48', vxlanMode: 'Never', blockSize: undefined };
    expect((parseOk(withSpec(poolFixture(), v6)) as Pool).spec.blockSize).toBe(122);
    expect(issuesOf(withSpec(poolFixture(), { ...v6, ipipMode: 'Always', blockSize: 26 }))).toEqual([
      'spec.ipipMode: IPIP is not supported on an IPv6 pool',
      'spec.blockSize: 26 is out of range for an IPv6 pool (116..128)',
    ]);
  });
});

describe('Node', () => {
  type Node = Extract<Resource, { kind: 'Node' }>;
  const sha1Mac = (name: string) =>
    ['66', ...createHash('sha1').update(name).digest('hex').slice(0, 10).match(/../g)!].join(':');

  it('parses the example', () => {
    const node = parseOk(nodeFixture()) as Node;
    expect(node.spec.bgp).toMatchObject({ ipv4Address: '192.168.1.12/24', ipv4IPIPTunnelAddr: '10.24.104.0' });
    expect(node.spec.ipv4VXLANTunnelAddr).toBe('10.24.104.0');
    expect(node.spec.orchRefs).toEqual([{ nodeName: 'node2', orchestrator: 'k8s' }]);
    expect(node.status).toEqual({});
    expect(vtepMacForNode(node)).toBe('66:2d:bf:44:a6:8b');
    expect(nodeIPv4(node)).toEqual({ ip: '192.168.1.12', prefixLen: 24 });
  });

  it("derives the VTEP MAC as Felix does when it is not set", () => {
    expect(derivedVtepMac('node2')).toBe('66:2d:bf:44:a6:8b');
    expect(derivedVtepMac('node1')).toBe('66:f9:37:c3:7e:94');
    for (const name of ['node1', 'node2', 'worker-17.example.com']) expect(derivedVtepMac(name)).toBe(sha1Mac(name));

    const unset = parseOk(withSpec(nodeFixture(), { vxlanTunnelMACAddr: '' })) as Node;
    expect(unset.spec.vxlanTunnelMACAddr).toBeUndefined();
    expect(vtepMacForNode(unset)).toBe('66:2d:bf:44:a6:8b');
    const explicit = parseOk(withSpec(nodeFixture(), { vxlanTunnelMACAddr: '02:AA:BB:CC:DD:EE' })) as Node;
    expect(vtepMacForNode(explicit)).toBe('02:aa:bb:cc:dd:ee');
  });

  it('finds the node IP as Felix does', () => {
    const node = (spec: Record<string, unknown>) =>
      parseOk({ kind: 'Node', apiVersion: 'projectcalico.org/v3', metadata: { name: 'n' }, spec }) as CalicoNode;
    const addresses = [
      { address: '203.0.113.5', type: 'ExternalIP' },
      { address: '192.168.1.13/24', type: 'InternalIP' },
    ];
    expect(nodeIPv4(node({ addresses }))).toEqual({ ip: '192.168.1.13', prefixLen: 24 });
    expect(nodeIPv4(node({ addresses: [addresses[0]] }))).toEqual({ ip: '203.0.113.5', prefixLen: 32 });
    expect(nodeIPv4(node({ bgp: { ipv4Address: '10.0.0.1' }, addresses }))).toEqual({ ip: '10.0.0.1', prefixLen: 32 });
    // A BGP section with only an IPv6 address hides spec.addresses from Felix's IPv4 lookup.
    expect(nodeIPv4(node({ bgp: { ipv6Address: 'fd00::1/64' }, addresses }))).toBeUndefined();
    expect(nodeIPv4(node({}))).toBeUndefined();
    expect(parseOk({ kind: 'Node', apiVersion: 'projectcalico.org/v3', metadata: { name: 'n' } }).kind).toBe('Node');
  });

  it('rejects malformed addresses', () => {
    expect(
      issuesOf(withSpec(nodeFixture(), { bgp: { ipv4Address: '192.168.1.300/24' }, ipv4VXLANTunnelAddr: '10.24.104.0/32' })),
    ).toEqual([
      'spec.bgp.ipv4Address: "192.168.1.300/24" is not an IPv4 address or address/prefix (e.g. 192.168.1.12/24)',
      'spec.ipv4VXLANTunnelAddr: "10.24.104.0/32" is not an IPv4 address (a.b.c.d)',
    ]);
  });
});

describe('resource dispatch', () => {
  it('exposes the union as one zod schema', () => {
    for (const text of [WORKLOAD_ENDPOINT_JSON, IPPOOL_JSON, NODE_JSON]) {
      expect(ResourceSchema.safeParse(parseJsonLossless(text)).success).toBe(true);
    }
    expect(ResourceSchema.safeParse({ kind: 'Profile' }).success).toBe(false);
  });

  it('skips Calico kinds Tortie does not use and rejects unknown ones', () => {
    expect(parseResource({ kind: 'FelixConfiguration', apiVersion: 'projectcalico.org/v3', metadata: { name: 'default' } }, where))
      .toEqual({ status: 'skipped', skipped: { source: 'test', kind: 'FelixConfiguration', name: 'default', reason: 'not used by Tortie' } });
    expect(issuesOf({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'x' } })).toEqual([
      'kind: unsupported kind "Pod" (supported: WorkloadEndpoint, IPPool, Node, IPAMBlock)',
    ]);
    expect(issuesOf({ kind: 'FelixConfig', apiVersion: 'projectcalico.org/v3' })[0]).toMatch(/^kind: unsupported kind/);
    expect(issuesOf({ metadata: { name: 'x' } })).toEqual(['kind: required']);
    expect(issuesOf('WorkloadEndpoint')).toEqual(['(root): expected a resource object, got string']);
  });

  it('names the resource in the error', () => {
    const result = parseResource(withSpec(wepFixture(), { mac: 'nope' }), { source: 'f.yaml', document: 2 });
    expect(result).toMatchObject({
      status: 'error',
      error: {
        source: 'f.yaml',
        document: 2,
        kind: 'WorkloadEndpoint',
        name: 'node112-k8s-pod5-eth0',
        namespace: 'default',
        message: 'f.yaml[2] WorkloadEndpoint default/node112-k8s-pod5-eth0: spec.mac: "nope" is not a MAC address (aa:bb:cc:dd:ee:ff)',
      },
    });
  });
});
