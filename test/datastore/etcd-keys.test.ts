// Calico's etcd key layout and the decoding of one key/value, without an etcd.
import { describe, expect, it } from 'vitest';
import { decodeEtcdEntry } from '../../src/datastore/etcd-decode.js';
import { slimRemoteEndpoint } from '../../src/datastore/slim-endpoint.js';
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

describe('decodeEtcdEntry with a nodeName: other nodes\' WorkloadEndpoints are slim', () => {
  const key = resourceKey('WorkloadEndpoint', 'node112-k8s-pod5-eth0', 'default');
  const wep = (edit: (value: { metadata: Record<string, unknown>; spec: Record<string, unknown> }) => void = () => undefined): string => {
    const value = JSON.parse(WORKLOAD_ENDPOINT_JSON);
    edit(value);
    return JSON.stringify(value);
  };
  const ok = (result: ReturnType<typeof decodeEtcdEntry>): Resource => {
    if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
    return result.resource;
  };

  it("drops a remote endpoint's other fields, before validation; the rest validates as a WorkloadEndpoint", () => {
    const resource = ok(decodeEtcdEntry(key, WORKLOAD_ENDPOINT_JSON, { nodeName: 'node7' }));
    expect(resource).toStrictEqual({
      kind: 'WorkloadEndpoint',
      apiVersion: 'projectcalico.org/v3',
      metadata: { name: 'node112-k8s-pod5-eth0', namespace: 'default' },
      spec: {
        node: 'node112',
        ipNetworks: ['10.24.104.1/32'],
        ipNATs: [{ internalIP: '10.24.104.1', externalIP: '172.16.0.50' }],
        interfaceName: 'cali8e9fad9b07c',
      },
    });
    // what an ipNAT carries beyond its two addresses is dropped too; without ipNATs there is no ipNATs
    const extraNat = wep((v) => (v.spec.ipNATs = [{ internalIP: '10.24.104.1', externalIP: '172.16.0.50', note: 'x' }]));
    expect(ok(decodeEtcdEntry(key, extraNat, { nodeName: 'node7' }))).toStrictEqual(resource);
    const noNat = ok(decodeEtcdEntry(key, wep((v) => delete v.spec.ipNATs), { nodeName: 'node7' }));
    expect(noNat.kind === 'WorkloadEndpoint' && Object.keys(noNat.spec)).toEqual(['node', 'ipNetworks', 'interfaceName']);
    // schema normalisation applies as for a whole endpoint: a bare address becomes a /32, no namespace is "default"
    const normalised = ok(
      decodeEtcdEntry(
        key,
        wep((v) => {
          v.spec.ipNetworks = ['10.24.104.1'];
          delete v.metadata.namespace;
        }),
        { nodeName: 'node7' },
      ),
    );
    expect(normalised).toMatchObject({ metadata: { namespace: 'default' }, spec: { ipNetworks: ['10.24.104.1/32'] } });
  });

  it("keeps this node's endpoints whole, and every endpoint without a nodeName", () => {
    const whole = ok(decodeEtcdEntry(key, WORKLOAD_ENDPOINT_JSON));
    expect(whole.kind === 'WorkloadEndpoint' && whole.spec).toMatchObject({ mac: '9a:6b:1c:2d:3e:4f', containerID: expect.any(String), ports: [expect.anything()] });
    expect(whole.metadata).toMatchObject({ uid: '3f0c2b8e-6a1d-4f7e-9c55-2d8a9e1b7c40', labels: { app: 'web' } });
    expect(decodeEtcdEntry(key, WORKLOAD_ENDPOINT_JSON, { nodeName: 'node112' })).toEqual({ status: 'ok', resource: whole });
    expect(decodeEtcdEntry(key, WORKLOAD_ENDPOINT_JSON, {})).toEqual({ status: 'ok', resource: whole });
  });

  it('still reports an invalid remote endpoint with its key and field path', () => {
    const badNetwork = decodeEtcdEntry(key, wep((v) => (v.spec.ipNetworks = ['10.24.104.1/24'])), { nodeName: 'node7' });
    expect(badNetwork.status === 'error' && badNetwork.error).toMatchObject({
      source: key,
      kind: 'WorkloadEndpoint',
      name: 'node112-k8s-pod5-eth0',
      namespace: 'default',
      issues: ['spec.ipNetworks[0]: "10.24.104.1/24" must be a single address: /32 for IPv4 or /128 for IPv6, not /24'],
    });
    const badNat = decodeEtcdEntry(key, wep((v) => (v.spec.ipNATs = [{ internalIP: '10.9.9.9', externalIP: '172.16.0.50' }])), { nodeName: 'node7' });
    expect(badNat.status === 'error' && badNat.error.issues).toEqual(["spec.ipNATs[0].internalIP: 10.9.9.9 is not one of this endpoint's ipNetworks"]);
    const noInterface = decodeEtcdEntry(key, wep((v) => delete v.spec.interfaceName), { nodeName: 'node7' });
    expect(noInterface.status === 'error' && noInterface.error.issues).toEqual(['spec.interfaceName: required']);
    const numbers = decodeEtcdEntry(key, wep((v) => (v.spec.ipNetworks = [12345678901234567890])), { nodeName: 'node7' });
    expect(numbers.status === 'error' && numbers.error.issues).toEqual(['spec.ipNetworks[0]: Invalid input: expected string, received bigint']);
    // the same value as this node's: the same report
    const local = decodeEtcdEntry(key, wep((v) => (v.spec.ipNetworks = ['10.24.104.1/24'])), { nodeName: 'node112' });
    expect(local.status === 'error' && local.error.issues).toEqual(badNetwork.status === 'error' && badNetwork.error.issues);
    // a value that is not a WorkloadEndpoint at all is reported whole, as without nodeName
    const notAnEndpoint = decodeEtcdEntry(key, '{"kind":"WorkloadEndpoint","apiVersion":"projectcalico.org/v3","metadata":{"name":"node112-k8s-pod5-eth0"},"spec":{"node":7}}', { nodeName: 'node7' });
    expect(notAnEndpoint.status === 'error' && notAnEndpoint.error.issues).toEqual([
      'spec.node: Invalid input: expected string, received number',
      'spec.interfaceName: required',
    ]);
    expect(decodeEtcdEntry(key, '{"kind":"WorkloadEndpoint",', { nodeName: 'node7' })).toMatchObject({ status: 'error', error: { source: key } });
  });

  it("neither keeps nor checks a remote endpoint's dropped fields", () => {
    const badMac = wep((v) => (v.spec.mac = 'not-a-mac'));
    expect(decodeEtcdEntry(key, badMac, { nodeName: 'node7' }).status).toBe('ok');
    const local = decodeEtcdEntry(key, badMac, { nodeName: 'node112' });
    expect(local.status === 'error' && local.error.issues).toEqual([expect.stringMatching(/^spec\.mac: "not-a-mac" is not a MAC address/)]);
  });

  it('slims from the parsed value only what is there', () => {
    expect(slimRemoteEndpoint({ kind: 'WorkloadEndpoint', metadata: {}, spec: { node: 'a' } }, 'b')).toStrictEqual({
      kind: 'WorkloadEndpoint',
      metadata: {},
      spec: { node: 'a' },
    });
    expect(slimRemoteEndpoint({ kind: 'WorkloadEndpoint', metadata: {}, spec: { node: 'a' } }, 'a')).toBeUndefined(); // this node
    expect(slimRemoteEndpoint({ kind: 'Node', metadata: {}, spec: { node: 'a' } }, 'b')).toBeUndefined();
    expect(slimRemoteEndpoint({ kind: 'WorkloadEndpoint', metadata: [], spec: { node: 'a' } }, 'b')).toBeUndefined();
    expect(slimRemoteEndpoint({ kind: 'WorkloadEndpoint', metadata: {}, spec: { node: 1 } }, 'b')).toBeUndefined();
    expect(slimRemoteEndpoint([], 'b')).toBeUndefined();
  });

  it('slims watched updates the same way', () => {
    const view = new Map<string, Resource>();
    const put: WatchEvent = { type: 'Put', kv: { key: Buffer.from(key), value: Buffer.from(WORKLOAD_ENDPOINT_JSON), mod_revision: '5' } };
    const applied = applyWatchEvents(view, [put], 4n, { nodeName: 'node7' });
    const resource = applied.update.upserts.get(key);
    expect(resource).toEqual(ok(decodeEtcdEntry(key, WORKLOAD_ENDPOINT_JSON, { nodeName: 'node7' })));
    expect(resource?.kind === 'WorkloadEndpoint' && resource.spec.mac).toBeUndefined();
    expect(applyWatchEvents(new Map(), [put], 4n).update.upserts.get(key)).toEqual(ok(decodeEtcdEntry(key, WORKLOAD_ENDPOINT_JSON)));
  });
});
