// Calico's etcd key layout and the decoding of one key/value, without an etcd.
import { describe, expect, it } from 'vitest';
import { decodeEtcdEntry } from '../../src/datastore/etcd-decode.js';
import { blockCidrFromKeyName, blockKey, parseEtcdKey, resourceKey, WATCHED_PREFIXES } from '../../src/datastore/etcd-keys.js';
import { applyWatchEvents, type WatchEvent } from '../../src/datastore/etcd-view.js';
import { parseResourceJson } from '../../src/model/etcd-values.js';
import type { Resource } from '../../src/model/resources.js';
import { ALLOCATION_BLOCK_JSON, FELIXCONFIGURATION_JSON, NODE_JSON, WORKLOAD_ENDPOINT_JSON } from '../unit/model-fixtures.js';

describe('etcd keys', () => {
  it('parses the keys of the kinds Tortie reads', () => {
    expect(parseEtcdKey('/calico/resources/v3/projectcalico.org/workloadendpoints/default/node112-k8s-pod5-eth0')).toEqual({
      used: true,
      kind: 'WorkloadEndpoint',
      namespace: 'default',
      name: 'node112-k8s-pod5-eth0',
    });
    expect(parseEtcdKey('/calico/resources/v3/projectcalico.org/ippools/default-ipv4-ippool')).toEqual({
      used: true,
      kind: 'IPPool',
      name: 'default-ipv4-ippool',
    });
    expect(parseEtcdKey('/calico/resources/v3/projectcalico.org/nodes/node2')).toEqual({ used: true, kind: 'Node', name: 'node2' });
    expect(parseEtcdKey('/calico/ipam/v2/assignment/ipv4/block/10.24.104.0-26')).toEqual({
      used: true,
      kind: 'IPAMBlock',
      name: '10.24.104.0-26',
      cidr: '10.24.104.0/26',
    });
  });

  it('marks other Calico kinds as unused and rejects malformed keys', () => {
    expect(parseEtcdKey('/calico/resources/v3/projectcalico.org/felixconfigurations/node.node2')).toEqual({
      used: false,
      kind: 'FelixConfiguration',
      name: 'node.node2',
    });
    expect(parseEtcdKey('/calico/resources/v3/projectcalico.org/networkpolicies/default/deny')).toMatchObject({ used: false, namespace: 'default' });
    expect(parseEtcdKey('/calico/resources/v3/projectcalico.org/workloadendpoints/node112-k8s-pod5-eth0')).toBeUndefined(); // no namespace
    expect(parseEtcdKey('/calico/resources/v3/projectcalico.org/nodes/a/b')).toBeUndefined();
    expect(parseEtcdKey('/calico/resources/v3/projectcalico.org/nodes/')).toBeUndefined();
    expect(parseEtcdKey('/calico/ipam/v2/assignment/ipv4/block/10.24.104.0/26')).toBeUndefined();
    expect(parseEtcdKey('/calico/ipam/v2/host/node2/ipv4/block/10.24.104.0-26')).toBeUndefined();
    expect(parseEtcdKey('/registry/pods/default/x')).toBeUndefined();
  });

  it('builds keys the way Calico does', () => {
    expect(blockKey('10.24.104.0/26')).toBe('/calico/ipam/v2/assignment/ipv4/block/10.24.104.0-26');
    expect(blockCidrFromKeyName('10.24.104.0-26')).toBe('10.24.104.0/26');
    expect(resourceKey('WorkloadEndpoint', 'w', 'kube-system')).toBe('/calico/resources/v3/projectcalico.org/workloadendpoints/kube-system/w');
    expect(WATCHED_PREFIXES).toEqual([
      '/calico/resources/v3/projectcalico.org/workloadendpoints/',
      '/calico/resources/v3/projectcalico.org/ippools/',
      '/calico/resources/v3/projectcalico.org/nodes/',
      '/calico/ipam/v2/assignment/ipv4/block/',
    ]);
  });
});

describe('decodeEtcdEntry', () => {
  it('skips kinds Tortie does not use', () => {
    expect(decodeEtcdEntry('/calico/resources/v3/projectcalico.org/felixconfigurations/default', FELIXCONFIGURATION_JSON)).toEqual({
      status: 'skipped',
    });
  });

  it('refuses a value that does not belong under its key', () => {
    const wrongName = decodeEtcdEntry('/calico/resources/v3/projectcalico.org/nodes/node3', NODE_JSON);
    expect(wrongName.status === 'error' && wrongName.error.issues).toEqual(['metadata.name: "node2" does not match the key (node3)']);
    const wrongKind = decodeEtcdEntry('/calico/resources/v3/projectcalico.org/nodes/node112-k8s-pod5-eth0', WORKLOAD_ENDPOINT_JSON);
    expect(wrongKind.status === 'error' && wrongKind.error.issues).toEqual(['kind: "WorkloadEndpoint" is stored under a Node key']);
    const wrongNamespace = decodeEtcdEntry(resourceKey('WorkloadEndpoint', 'node112-k8s-pod5-eth0', 'prod'), WORKLOAD_ENDPOINT_JSON);
    expect(wrongNamespace.status === 'error' && wrongNamespace.error.issues).toEqual([
      'metadata.namespace: "default" does not match the key (prod)',
    ]);
    const wrongBlock = decodeEtcdEntry(blockKey('10.24.105.0/26'), ALLOCATION_BLOCK_JSON);
    expect(wrongBlock.status === 'error' && wrongBlock.error).toMatchObject({
      source: '/calico/ipam/v2/assignment/ipv4/block/10.24.105.0-26',
      kind: 'IPAMBlock',
      issues: ['cidr: "10.24.104.0/26" does not match the block in the key (10.24.105.0/26)'],
    });
  });

  it('decodes v3 values the same on the JSON.parse fast path and the lossless path', () => {
    const key = resourceKey('WorkloadEndpoint', 'node112-k8s-pod5-eth0', 'default');
    const fast = decodeEtcdEntry(key, WORKLOAD_ENDPOINT_JSON);
    const lossless = parseResourceJson(WORKLOAD_ENDPOINT_JSON, key);
    expect(fast).toEqual(lossless);
    // a 16-digit run sends it the lossless way; the outcome is the same
    const digits = WORKLOAD_ENDPOINT_JSON.replace('"containerID":"8c3b1e2f', '"containerID":"1234567890123456');
    expect(decodeEtcdEntry(key, digits)).toEqual(parseResourceJson(digits, key));
    const broken = decodeEtcdEntry(key, '{"kind":"WorkloadEndpoint",\n"metadata":');
    expect(broken.status === 'error' && broken.error.issues).toEqual(['(json): unexpected end of input at line 2, column 12']);
  });

  it('reports a missing uint64 with its field path', () => {
    const noSequence = ALLOCATION_BLOCK_JSON.replace('"sequenceNumber":1714558830123456791,', '');
    const result = decodeEtcdEntry(blockKey('10.24.104.0/26'), noSequence);
    expect(result.status === 'error' && result.error.issues).toEqual(['sequenceNumber: required']);
  });
});

describe('applyWatchEvents', () => {
  const put = (key: string, value: string, rev: number): WatchEvent => ({
    type: 'Put',
    kv: { key: Buffer.from(key), value: Buffer.from(value), mod_revision: String(rev) },
  });
  const del = (key: string, rev: number): WatchEvent => ({ type: 'Delete', kv: { key: Buffer.from(key), value: Buffer.alloc(0), mod_revision: String(rev) } });
  const NODE = resourceKey('Node', 'node2');

  it('reports only the end result per key and skips events a list already covered', () => {
    const view = new Map<string, Resource>();
    const first = applyWatchEvents(view, [put(NODE, NODE_JSON, 5), del(NODE, 6)], 4n);
    expect(first.update).toEqual({ upserts: new Map(), deletes: [] }); // created and gone: nothing to tell
    expect(first.newest).toBe(6n);

    const second = applyWatchEvents(view, [put(NODE, NODE_JSON, 7)], 6n);
    expect([...second.update.upserts.keys()]).toEqual([NODE]);
    const replayed = applyWatchEvents(view, [del(NODE, 7)], 7n); // at or below `after`: already applied
    expect(replayed.update.deletes).toEqual([]);
    expect(view.has(NODE)).toBe(true);

    const broken = applyWatchEvents(view, [put(NODE, '{"kind":"Node"', 8)], 7n);
    expect(broken.update.deletes).toEqual([NODE]);
    expect(broken.invalid.map((e) => e.source)).toEqual([NODE]);
    expect(view.size).toBe(0);
  });
});
