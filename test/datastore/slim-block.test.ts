/**
 * Other nodes' IPAM blocks are slimmed when the etcd datastore decodes them for a node: the routes a
 * node calculates from slim blocks equal those from whole ones, borrowed addresses included, and only
 * this node's own blocks (and blocks with no host affinity) stay whole.
 */
import { describe, expect, it } from 'vitest';
import { calcDesiredState } from '../../src/calc/desired.js';
import { decodeEtcdEntry } from '../../src/datastore/etcd-decode.js';
import { blockKey } from '../../src/datastore/etcd-keys.js';
import type { IPAMBlock } from '../../src/model/ipam-block.js';
import { parseResources, validateAll } from '../../src/model/load.js';
import type { Resource } from '../../src/model/resources.js';
import { ALLOCATION_BLOCK_JSON } from '../unit/model-fixtures.js';

/** node2's block 10.24.104.0/26 with its tunnel address, its pod5 and, borrowed, node3's pod9 at .2. */
function blockJson(affinity: string): string {
  const b = JSON.parse(ALLOCATION_BLOCK_JSON.replace(/(\d{16,})/g, '"$1"')) as {
    affinity: string;
    allocations: Array<number | null>;
    unallocated: number[];
    attributes: unknown[];
  };
  b.affinity = affinity;
  b.allocations[2] = 2;
  b.unallocated = b.unallocated.filter((o) => o !== 2);
  b.attributes.push({ handle_id: 'k8s-pod-network.abc', secondary: { namespace: 'default', node: 'node3', pod: 'pod9', timestamp: '2024-05-01 10:20:31 +0000 UTC' } });
  return JSON.stringify(b).replace(/"(\d{16,})"/g, '$1');
}

const cluster = validateAll(
  parseResources(
    ['node1', 'node2', 'node3']
      .map((n, i) => `---\napiVersion: projectcalico.org/v3\nkind: Node\nmetadata: { name: ${n} }\nspec: { bgp: { ipv4Address: 192.168.1.${11 + i}/24 } }\n`)
      .join('') + '---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: { name: p }\nspec: { cidr: 10.24.0.0/16, vxlanMode: Always }\n',
    'cluster.yaml',
  ),
);

function decoded(affinity: string, nodeName?: string): IPAMBlock {
  const result = decodeEtcdEntry(blockKey('10.24.104.0/26'), blockJson(affinity), nodeName === undefined ? {} : { nodeName });
  if (result.status !== 'ok') throw new Error(JSON.stringify(result));
  return result.resource as IPAMBlock;
}

describe('remote IPAM blocks, slimmed', () => {
  it('give node1 the same routes as whole blocks, the borrowed /32 included', () => {
    const self = { nodeName: 'node1', uplinkMtu: 1500 };
    const routes = (block: Resource) => calcDesiredState([...cluster, block], self).routes;
    const whole = routes(decoded('host:node2'));
    expect(whole).toContainEqual(expect.objectContaining({ cidr: '10.24.104.2/32', type: 'RemoteWorkload', nextHop: '192.168.1.13' }));
    expect(routes(decoded('host:node2', 'node1'))).toEqual(whole);
  });

  it('keep only the nodes of the attributes; this node’s own blocks stay whole', () => {
    const slim = decoded('host:node2', 'node1').spec;
    expect(slim.attributes.map((a) => a.secondary?.['node'])).toEqual(['node2', 'node2', 'node3']);
    expect(slim.attributes.every((a) => a.handle_id === undefined)).toBe(true);
    expect(slim.unallocated).toEqual([]);
    expect(decoded('host:node2', 'node2').spec).toEqual(decoded('host:node2').spec);
    expect(decoded('host:node2', 'node2').spec.attributes[2]?.handle_id).toBe('k8s-pod-network.abc');
  });
});
