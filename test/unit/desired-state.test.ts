/**
 * The one pipeline behind `tortie apply` and the daemon: the pure desired state, its map entries,
 * the diff against what a map holds (only the difference is written; entries of other writers stay),
 * and the Reconciler writing exactly that difference with batch operations.
 */
import { describe, expect, it } from 'vitest';
import { calcDesiredState } from '../../src/calc/desired.js';
import { EpFlags, NEIGH_VTEP_IFINDEX, NudState, type Endpoint, type EndpointKey, type NatKeyValue, type NatValueValue } from '../../src/dataplane/abi.js';
import { codecEqual } from '../../src/dataplane/codec-equal.js';
import { countChanges, diffTable, isEmptyDiff } from '../../src/dataplane/diff.js';
import { endpointEntries, keyOf, natEntries, owns, routeEntries, vtepEntries } from '../../src/dataplane/desired-entries.js';
import { endpointsMap, natMap, neighMap } from '../../src/dataplane/maps/index.js';
import type { NodeMaps } from '../../src/dataplane/pinned-maps.js';
import { Reconciler } from '../../src/dataplane/reconcile.js';
import type { MapDef } from '../../src/dataplane/typed-map.js';
import type { NativeBinding } from '../../src/native/binding.js';
import { parseResources, validateAll } from '../../src/model/load.js';

const yaml = (kind: string, name: string, spec: Record<string, unknown>, namespace?: string) => `---
apiVersion: projectcalico.org/v3
kind: ${kind}
metadata: ${JSON.stringify(namespace ? { name, namespace } : { name })}
spec: ${JSON.stringify(spec)}
`;
const node = (name: string, ip: string) => yaml('Node', name, { bgp: { ipv4Address: ip }, ipv4VXLANTunnelAddr: '10.24.9.0' });
const block = (cidr: string, host: string) => `---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: { name: ${cidr.replace('/', '-')} }
spec: ${JSON.stringify({ cidr, affinity: `host:${host}`, allocations: Array(64).fill(null), unallocated: [...Array(64).keys()], attributes: [], deleted: false })}
`;
const wep = (name: string, nodeName: string, iface: string, ips: string[], extra: Record<string, unknown> = {}) =>
  yaml('WorkloadEndpoint', name, { node: nodeName, interfaceName: iface, ipNetworks: ips, ...extra }, 'default');

const CLUSTER =
  node('node1', '192.168.122.11/24') +
  node('node2', '192.168.122.12/24') +
  yaml('IPPool', 'vx', { cidr: '10.24.0.0/16', blockSize: 26, vxlanMode: 'Always', nodeSelector: 'all()' }) +
  block('10.24.1.0/26', 'node1') +
  block('10.24.2.0/26', 'node2') +
  wep('a', 'node1', 'calia0000000000', ['10.24.1.2/32'], { mac: '02:00:00:00:01:02' }) +
  wep('b', 'node1', 'calib0000000000', ['10.24.1.3/32'], { ipNATs: [{ internalIP: '10.24.1.3', externalIP: '172.18.0.3' }] }) +
  wep('c', 'node2', 'calic0000000000', ['10.24.2.2/32']);

const resources = validateAll(parseResources(CLUSTER, 'cluster.yaml'));
const desired = calcDesiredState(resources, { nodeName: 'node1', uplinkMtu: 1500 });
const IFINDEX: Record<string, number> = { calia0000000000: 11, calib0000000000: 12 };
const ifindexOf = (name: string) => IFINDEX[name] ?? 0;

describe('calcDesiredState', () => {
  it('holds every table of this node: endpoints, floating IPs, routes, VTEPs, kernel routes', () => {
    expect(desired.endpoints.map((e) => [e.name, e.ifname, e.ips])).toEqual([
      ['default/a', 'calia0000000000', ['10.24.1.2']],
      ['default/b', 'calib0000000000', ['10.24.1.3']],
    ]);
    expect(desired.nat).toEqual([
      { dir: 'dnat', from: '172.18.0.3', to: '10.24.1.3' },
      { dir: 'snat', from: '10.24.1.3', to: '172.18.0.3' },
    ]);
    expect(desired.routes).toContainEqual(expect.objectContaining({ cidr: '10.24.2.0/26', type: 'RemoteBlock', nextHop: '192.168.122.12' }));
    expect(desired.vteps).toEqual([expect.objectContaining({ node: 'node2', nodeIp: '192.168.122.12' })]);
    expect(desired.kernelRoutes).toEqual([{ cidr: '10.24.2.0/26', via: '192.168.122.12', mtu: 1450, encap: 'vxlan' }]);
    expect(desired.hasClusterResources).toBe(true);
    expect(desired.warnings).toEqual([]);
  });

  it('endpoints alone do not claim the routing state (tortie apply of a pod file)', () => {
    const onlyWeps = resources.filter((r) => r.kind === 'WorkloadEndpoint');
    const d = calcDesiredState(onlyWeps, { nodeName: 'node1', uplinkMtu: 1500 });
    expect(d.hasClusterResources).toBe(false);
    expect(d.endpoints).toHaveLength(2);
  });

  it('reports an IP claimed twice as a warning, the first endpoint keeping it', () => {
    const clash = validateAll(parseResources(CLUSTER + wep('z', 'node1', 'caliz0000000000', ['10.24.1.2/32']), 'x.yaml'));
    const d = calcDesiredState(clash, { nodeName: 'node1', uplinkMtu: 1500 });
    expect(d.warnings).toContain('10.24.1.2 is claimed by default/a and default/z; kept by default/a');
  });
});

describe('desired map entries', () => {
  it('endpoints are keyed to the interface’s current ifindex; a missing interface is pending', () => {
    const withMissing = [...desired.endpoints, { name: 'default/gone', ifname: 'caligone0000000', ips: ['10.24.1.9'], natIps: [], natOutgoingIps: [], mac: null }];
    const eps = endpointEntries(withMissing, ifindexOf, new Map());
    expect(eps.pending).toEqual([{ name: 'default/gone', ifname: 'caligone0000000' }]);
    expect(eps.entries).toEqual([
      [{ addr: '10.24.1.2' }, { ifindex: 11, flags: 0, mac: '02:00:00:00:01:02' }],
      [{ addr: '10.24.1.3' }, { ifindex: 12, flags: EpFlags.LearnMac | EpFlags.Nat, mac: '00:00:00:00:00:00' }],
    ]);
  });

  it('a MAC the program learned on the same interface is kept', () => {
    const learned = new Map<string, Endpoint>([['10.24.1.3', { ifindex: 12, flags: 0, mac: '02:00:00:00:01:03' }]]);
    expect(endpointEntries(desired.endpoints, ifindexOf, learned).entries[1]).toEqual([
      { addr: '10.24.1.3' },
      { ifindex: 12, flags: EpFlags.Nat, mac: '02:00:00:00:01:03' },
    ]);
  });

  it('routes, VTEPs and NAT entries in map form', () => {
    expect(routeEntries(desired.routes)).toContainEqual([{ prefixLen: 26, addr: '10.24.2.0' }, { type: 3, flags: 0x9, nextHop: '192.168.122.12', ifindex: 0 }]);
    expect(vtepEntries(desired.vteps)).toEqual([
      [{ ifindex: NEIGH_VTEP_IFINDEX, addr: '192.168.122.12' }, { mac: desired.vteps[0]!.mac, state: NudState.PERMANENT }],
    ]);
    expect(natEntries(desired.nat)).toEqual([
      [{ dir: 0, addr: '172.18.0.3' }, { addr: '10.24.1.3' }],
      [{ dir: 1, addr: '10.24.1.3' }, { addr: '172.18.0.3' }],
    ]);
  });
});

describe('diffTable', () => {
  const opts = { keyOf: keyOf.endpoint, equal: codecEqual(endpointsMap.value), owns: owns.all };
  const ep = (ifindex: number, mac = '02:00:00:00:00:01'): Endpoint => ({ ifindex, flags: 0, mac });

  it('adds what is missing, changes what differs, removes what is no longer wanted', () => {
    const d = diffTable<EndpointKey, Endpoint>(
      [
        [{ addr: '10.0.0.1' }, ep(1)],
        [{ addr: '10.0.0.2' }, ep(2)],
        [{ addr: '10.0.0.3' }, ep(3)],
      ],
      [
        [{ addr: '10.0.0.2' }, ep(2)],
        [{ addr: '10.0.0.3' }, ep(3, '02:00:00:00:00:99')],
        [{ addr: '10.0.0.4' }, ep(4)],
      ],
      opts,
    );
    expect(d.add).toEqual([[{ addr: '10.0.0.1' }, ep(1)]]);
    expect(d.change).toEqual([[{ addr: '10.0.0.3' }, ep(3)]]);
    expect(d.remove).toEqual([{ addr: '10.0.0.4' }]);
    expect(countChanges(d)).toEqual({ added: 1, changed: 1, removed: 1 });
  });

  it('equal state gives an empty diff: a restart writes nothing', () => {
    const table: Array<[EndpointKey, Endpoint]> = [[{ addr: '10.0.0.1' }, ep(1, '02:AA:00:00:00:01')]];
    // The kernel hands MACs back in lower case: equality is on the encoded bytes.
    expect(isEmptyDiff(diffTable(table, [[{ addr: '10.0.0.1' }, ep(1, '02:aa:00:00:00:01')]], opts))).toBe(true);
  });

  it('never removes entries of another writer: the neighbour mirror’s stay, only VTEPs are ours', () => {
    const neighOpts = { keyOf: keyOf.neigh, equal: codecEqual(neighMap.value), owns: owns.vtep };
    const mirror = [{ ifindex: 2, addr: '192.168.122.12' }, { mac: '02:00:00:00:00:12', state: NudState.REACHABLE }] as const;
    const oldVtep = [{ ifindex: 0, addr: '192.168.122.13' }, { mac: '66:00:00:00:00:13', state: NudState.PERMANENT }] as const;
    const d = diffTable(vtepEntries(desired.vteps), [mirror, oldVtep], neighOpts);
    expect(d.add).toHaveLength(1);
    expect(d.remove).toEqual([oldVtep[0]]);
  });

  it('apply scope: only NAT entries of the named pods are ours', () => {
    const natOpts = { keyOf: keyOf.nat, equal: codecEqual(natMap.value), owns: owns.natOf(new Set(['10.24.1.3'])) };
    const other: [NatKeyValue, NatValueValue] = [{ dir: 0, addr: '172.18.0.50' }, { addr: '10.24.1.50' }];
    const stale: [NatKeyValue, NatValueValue] = [{ dir: 0, addr: '172.18.0.99' }, { addr: '10.24.1.3' }];
    const d = diffTable(natEntries(desired.nat), [other, stale], natOpts);
    expect(d.remove).toEqual([stale[0]]);
    expect(d.add).toHaveLength(2);
  });
});

/** An in-memory stand-in for a TypedMap that records the writes made to it. */
class FakeMap<K, V> {
  readonly store = new Map<string, [K, V]>();
  readonly writes: string[] = [];
  constructor(readonly def: MapDef<K, V>, private readonly id: (k: K) => string) {}
  entries(): Array<[K, V]> {
    return [...this.store.values()];
  }
  lookup(k: K): V | undefined {
    return this.store.get(this.id(k))?.[1];
  }
  updateMany(entries: ReadonlyArray<readonly [K, V]>): void {
    if (entries.length > 0) this.writes.push(`update ${entries.length}`);
    for (const [k, v] of entries) this.store.set(this.id(k), [k, v]);
  }
  deleteMany(keys: readonly K[]): number {
    if (keys.length > 0) this.writes.push(`delete ${keys.length}`);
    for (const k of keys) this.store.delete(this.id(k));
    return keys.length;
  }
}

describe('Reconciler (endpoints and floating IPs)', () => {
  function fakeMaps() {
    const endpoints = new FakeMap(endpointsMap, keyOf.endpoint);
    const nat = new FakeMap(natMap, keyOf.nat);
    // Both interfaces already carry the programs: nothing to attach.
    const names = new Map(Object.entries(IFINDEX).map(([n, i]) => [i, n] as const));
    const ifstate = { lookup: (i: number) => (names.has(i) ? { flags: 1, name: names.get(i)! } : undefined) };
    return { endpoints, nat, maps: { endpoints, nat, ifstate } as unknown as NodeMaps };
  }
  const native = { ifNameToIndex: ifindexOf } as unknown as NativeBinding;
  const opts = { pinDir: '/sys/fs/bpf/tortie/unit', attachMode: 'auto', scope: { endpoints: 'all', cluster: false } } as const;

  it('first pass writes everything in one batch per table; a second pass writes nothing', () => {
    const { endpoints, nat, maps } = fakeMaps();
    const r = new Reconciler(native);
    const first = r.reconcile(maps, desired, opts);
    expect(first.endpoints).toEqual({ added: 2, changed: 0, removed: 0 });
    expect(first.nat).toEqual({ added: 2, changed: 0, removed: 0 });
    expect(endpoints.writes).toEqual(['update 2']);
    const second = r.reconcile(maps, desired, opts);
    expect(second.endpoints).toEqual({ added: 0, changed: 0, removed: 0 });
    expect(endpoints.writes).toEqual(['update 2']);
    expect(nat.writes).toEqual(['update 2']);
  });

  it('a deleted endpoint loses its entries; the daemon owns every entry, also unknown ones', () => {
    const { endpoints, maps } = fakeMaps();
    endpoints.store.set('10.24.1.77', [{ addr: '10.24.1.77' }, { ifindex: 99, flags: 0, mac: '02:00:00:00:00:77' }]);
    const fewer = calcDesiredState(resources.filter((r) => r.metadata.name !== 'b'), { nodeName: 'node1', uplinkMtu: 1500 });
    const rep = new Reconciler(native).reconcile(maps, fewer, opts);
    expect(rep.endpoints).toEqual({ added: 1, changed: 0, removed: 1 });
    expect(rep.removedEndpointIps).toEqual(['10.24.1.77']);
    expect([...endpoints.store.keys()]).toEqual(['10.24.1.2']);
  });

  it('apply scope leaves endpoints of other interfaces alone', () => {
    const { endpoints, maps } = fakeMaps();
    endpoints.store.set('10.24.1.77', [{ addr: '10.24.1.77' }, { ifindex: 99, flags: 0, mac: '02:00:00:00:00:77' }]);
    const rep = new Reconciler(native).reconcile(maps, desired, { ...opts, scope: { endpoints: 'named', cluster: false } });
    expect(rep.endpoints.removed).toBe(0);
    expect(endpoints.store.has('10.24.1.77')).toBe(true);
  });
});
