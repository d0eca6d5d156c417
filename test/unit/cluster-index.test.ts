/**
 * The daemon's ClusterIndex keeps the cluster split as upserts and deletes arrive; the desired state
 * calculated from it must equal the one calculated from all resources at once, after any sequence of
 * changes: endpoints moving between nodes, gaining and losing floating IPs, addresses outside every
 * block, blocks appearing and disappearing under such addresses, pools and nodes changing.
 */
import { describe, expect, it } from 'vitest';
import { ClusterIndex } from '../../src/calc/cluster-index.js';
import { calcDesiredState, calcDesiredStateOf } from '../../src/calc/desired.js';
import { RouteMemory } from '../../src/calc/routes.js';
import { validateAll, parseResources } from '../../src/model/load.js';
import type { Resource } from '../../src/model/resources.js';

const SELF = { nodeName: 'node1', uplinkMtu: 1500 };

const doc = (kind: string, name: string, spec: Record<string, unknown>, namespace?: string) =>
  `---\napiVersion: projectcalico.org/v3\nkind: ${kind}\nmetadata: ${JSON.stringify(namespace ? { name, namespace } : { name })}\nspec: ${JSON.stringify(spec)}\n`;
const one = (text: string): Resource => validateAll(parseResources(text, 'test.yaml'))[0]!;

const pool = (name: string, cidr: string, mode: 'vxlan' | 'ipip', natOutgoing: boolean) =>
  one(doc('IPPool', name, { cidr, blockSize: 26, natOutgoing, vxlanMode: mode === 'vxlan' ? 'Always' : 'Never', ipipMode: mode === 'ipip' ? 'Always' : 'Never' }));
const node = (name: string, ip: string) => one(doc('Node', name, { bgp: { ipv4Address: `${ip}/24` }, ipv4VXLANTunnelAddr: '10.24.250.1' }));
const block = (cidr: string, host: string) =>
  one(
    `---\napiVersion: crd.projectcalico.org/v1\nkind: IPAMBlock\nmetadata: { name: ${cidr.replace('/', '-')} }\nspec: ${JSON.stringify({
      cidr,
      affinity: `host:${host}`,
      allocations: Array(64).fill(null),
      unallocated: [...Array(64).keys()],
      attributes: [],
      deleted: false,
    })}\n`,
  );
const wep = (name: string, nodeName: string, ips: string[], nats: Array<[string, string]>) =>
  one(
    doc(
      'WorkloadEndpoint',
      name,
      { node: nodeName, interfaceName: `cali${name.padEnd(11, '0')}`, ipNetworks: ips.map((ip) => `${ip}/32`), ...(nats.length ? { ipNATs: nats.map(([i, e]) => ({ internalIP: i, externalIP: e })) } : {}) },
      'default',
    ),
  );

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const NODES = ['node1', 'node2', 'node3', 'node4'];
/** Addresses in blocks 10.24.0.0/26 … 10.24.3.0/26 (which may or may not exist) and outside every pool. */
const ADDRESSES = ['10.24.0.5', '10.24.1.7', '10.24.2.9', '10.24.3.11', '10.24.0.6', '192.0.2.10', '10.25.0.4'];
const FLOATING = ['172.18.0.1', '172.18.0.2', '172.18.0.3'];

/** One random change: the key and the new resource, or null for a delete. */
function change(rnd: (n: number) => number): [string, Resource | null] {
  const del = rnd(6) === 0;
  switch (rnd(5)) {
    case 0: {
      const i = rnd(2);
      return [`pool/${i}`, del ? null : pool(`p${i}`, i === 0 ? '10.24.0.0/16' : '10.25.0.0/16', rnd(2) ? 'vxlan' : 'ipip', rnd(2) === 0)];
    }
    case 1: {
      const i = rnd(NODES.length);
      return [`node/${i}`, del ? null : node(NODES[i]!, `192.168.122.${10 + i + 4 * rnd(2)}`)];
    }
    case 2: {
      const i = rnd(4);
      return [`block/${i}`, del ? null : block(`10.24.${i}.0/26`, NODES[rnd(NODES.length)]!)];
    }
    default: {
      const i = rnd(8);
      const ips = [ADDRESSES[rnd(ADDRESSES.length)]!, ...(rnd(3) === 0 ? [ADDRESSES[rnd(ADDRESSES.length)]!] : [])];
      const nats: Array<[string, string]> = rnd(3) === 0 ? [[ips[0]!, FLOATING[rnd(FLOATING.length)]!]] : [];
      return [`wep/${i}`, del ? null : wep(`w${i}`, NODES[rnd(NODES.length)]!, [...new Set(ips)], nats)];
    }
  }
}

describe('ClusterIndex', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('gives the desired state of all resources after each of 300 random changes (seed %i)', (seed) => {
    const rnd = random(seed);
    const index = new ClusterIndex(SELF.nodeName);
    const memory = new RouteMemory();
    const truth = new Map<string, Resource>();
    for (let step = 0; step < 300; step++) {
      const [key, resource] = change(rnd);
      if (resource) {
        index.upsert(key, resource);
        truth.set(key, resource);
      } else {
        index.delete(key);
        truth.delete(key);
      }
      // The index's passes carry their route table from step to step; the truth is calculated anew.
      expect(index.size).toBe(truth.size);
      expect(calcDesiredStateOf(index.split(), SELF, memory), `seed ${seed}, step ${step}`).toEqual(calcDesiredState([...truth.values()], SELF));
    }
  });

  it('lists an endpoint as unmanaged when its block goes, and not when the block comes back', () => {
    const index = new ClusterIndex(SELF.nodeName);
    index.reset(
      new Map<string, Resource>([
        ['pool', pool('p', '10.24.0.0/16', 'vxlan', false)],
        ['n2', node('node2', '192.168.122.12')],
        ['b', block('10.24.1.0/26', 'node2')],
        ['w', wep('w', 'node2', ['10.24.1.7'], [])],
      ]),
    );
    const routed = () => calcDesiredStateOf(index.split(), SELF).routes.map((r) => r.cidr);
    expect(index.split().workloadEndpoints).toEqual([]);
    expect(routed()).toEqual(['10.24.0.0/16', '10.24.1.0/26', '192.168.122.12/32']);
    index.delete('b');
    expect(routed()).toEqual(['10.24.0.0/16', '10.24.1.7/32', '192.168.122.12/32']);
    index.upsert('b', block('10.24.1.0/26', 'node2'));
    expect(routed()).toEqual(['10.24.0.0/16', '10.24.1.0/26', '192.168.122.12/32']);
    expect(index.split().workloadEndpoints).toEqual([]);
  });

  it('hands out the same list while nothing of its kind changes, so derived results are reused', () => {
    const index = new ClusterIndex(SELF.nodeName);
    index.upsert('n2', node('node2', '192.168.122.12'));
    index.upsert('b', block('10.24.1.0/26', 'node2'));
    const before = index.split();
    index.upsert('w', wep('w', 'node2', ['10.24.1.7'], [])); // a remote endpoint inside its block: in no list
    index.upsert('b', block('10.24.1.0/26', 'node3'));
    const after = index.split();
    expect(after.nodes).toBe(before.nodes);
    expect(after.local).toBe(before.local);
    expect(after.blocks).not.toBe(before.blocks);
  });
});
