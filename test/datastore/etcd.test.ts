// EtcdDatastore against a real etcd holding values in Calico's exact JSON (calico-formats.md §1): what is
// understood, the updates for put/change/delete, invalid values, and disconnects with resume or re-list.
import { Etcd3, type IRequestOp } from 'etcd3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EtcdDatastore } from '../../src/datastore/etcd.js';
import { blockKey, resourceKey, WATCHED_PREFIXES } from '../../src/datastore/etcd-keys.js';
import { listPrefixes } from '../../src/datastore/etcd-list.js';
import { blockFromIPAMBlock, IPAMBlockSchema } from '../../src/model/ipam-block.js';
import type { Resource } from '../../src/model/resources.js';
import { useEtcd } from '../helpers/etcd-suite.js';
import { RecordingListener, settle } from '../helpers/datastore-listener.js';
import {
  ALLOCATION_BLOCK_JSON,
  FELIXCONFIGURATION_JSON,
  IPPOOL_JSON,
  NODE_JSON,
  WORKLOAD_ENDPOINT_JSON,
} from '../unit/model-fixtures.js';

const server = useEtcd();
const stores: EtcdDatastore[] = [];
beforeEach(async () => {
  await server.client.delete().prefix('/calico/');
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.stop()));
});

const WEP_KEY = resourceKey('WorkloadEndpoint', 'node112-k8s-pod5-eth0', 'default');
const POOL_KEY = resourceKey('IPPool', 'default-ipv4-ippool');
const NODE_KEY = resourceKey('Node', 'node2');
const BLOCK_KEY = blockKey('10.24.104.0/26');

function nodeJson(name: string, ip: string): string {
  return `{"kind":"Node","apiVersion":"projectcalico.org/v3","metadata":{"name":"${name}","uid":"u-${name}","creationTimestamp":"2024-05-01T09:00:05Z"},"spec":{"bgp":{"ipv4Address":"${ip}/24"}},"status":{}}`;
}

/** One etcd transaction, so all of it arrives in one watch response. */
async function putTogether(entries: Record<string, string>): Promise<string> {
  const success: IRequestOp[] = Object.entries(entries).map(([key, value]) => ({
    request_put: { key: Buffer.from(key), value: Buffer.from(value) },
  }));
  const response = await server.client.kv.txn({ compare: [], success, failure: [] });
  return response.header.revision;
}

async function startStore(pageSize?: number, nodeName?: string): Promise<{ store: EtcdDatastore; listener: RecordingListener }> {
  const store = new EtcdDatastore({
    endpoints: [server.etcd.endpoint],
    retryMinMs: 50,
    retryMaxMs: 300,
    ...(pageSize ? { pageSize } : {}),
    ...(nodeName ? { nodeName } : {}),
  });
  stores.push(store);
  const listener = new RecordingListener();
  await store.start(listener);
  return { store, listener };
}

const keysOf = (map: ReadonlyMap<string, unknown>) => [...map.keys()].sort();
const nodeIp = (r: Resource | undefined) => (r?.kind === 'Node' ? r.spec.bgp?.ipv4Address : undefined);

describe('EtcdDatastore', () => {
  it("understands Calico's own values and keeps uint64 sequence numbers exact", async () => {
    const revision = await putTogether({
      [WEP_KEY]: WORKLOAD_ENDPOINT_JSON,
      [POOL_KEY]: IPPOOL_JSON,
      [NODE_KEY]: NODE_JSON,
      [BLOCK_KEY]: ALLOCATION_BLOCK_JSON,
      // not read: other Calico kinds and IPAM objects
      '/calico/resources/v3/projectcalico.org/felixconfigurations/default': FELIXCONFIGURATION_JSON,
      '/calico/ipam/v2/host/node2/ipv4/block/10.24.104.0-26': '{"state":"confirmed","deleted":false}',
      '/calico/ipam/v2/handle/k8s-pod-network.8c3b1e2f': '{"block":{"10.24.104.0/26":1},"deleted":false}',
    });
    const { store, listener } = await startStore();

    expect(listener.snapshots).toHaveLength(1);
    const view = listener.snapshots[0]!;
    expect(keysOf(view)).toEqual([BLOCK_KEY, POOL_KEY, NODE_KEY, WEP_KEY].sort());
    expect(listener.invalid).toEqual([]);
    expect(store.status()).toMatchObject({ state: 'in-sync', revision });

    const wep = view.get(WEP_KEY);
    expect(wep?.kind === 'WorkloadEndpoint' && wep.spec).toMatchObject({
      node: 'node112',
      interfaceName: 'cali8e9fad9b07c',
      ipNetworks: ['10.24.104.1/32'],
      ipNATs: [{ internalIP: '10.24.104.1', externalIP: '172.16.0.50' }],
    });
    const pool = view.get(POOL_KEY);
    expect(pool?.kind === 'IPPool' && pool.spec).toMatchObject({ cidr: '10.24.0.0/16', vxlanMode: 'Always', natOutgoing: true });
    const node = view.get(NODE_KEY);
    expect(node?.kind === 'Node' && node.spec).toMatchObject({
      bgp: { ipv4Address: '192.168.1.12/24' },
      ipv4VXLANTunnelAddr: '10.24.104.0',
      vxlanTunnelMACAddr: '66:2d:bf:44:a6:8b',
    });

    const block = view.get(BLOCK_KEY);
    if (block?.kind !== 'IPAMBlock') throw new Error(`expected an IPAMBlock, got ${block?.kind}`);
    expect(block.metadata.name).toBe('10.24.104.0-26');
    expect(block.spec.sequenceNumber).toBe(1714558830123456791n); // JSON.parse would give ...6792
    expect(block.spec.sequenceNumberForAllocation).toEqual({ '0': 1714558830123456789n, '1': 1714558830123456790n });
    const internal = blockFromIPAMBlock(block);
    expect(internal).toMatchObject({ cidr: '10.24.104.0/26', affinity: 'host:node2', affinityHost: 'node2' });
    expect(internal.allocations.slice(0, 3)).toEqual([0, 1, null]);
    // the same shape a file's IPAMBlock has: the schema accepts it unchanged
    expect(IPAMBlockSchema.parse(block)).toEqual(block);
  });

  it('lists in pages at one revision', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `node${i}`);
    const revision = await putTogether(Object.fromEntries(names.map((n, i) => [resourceKey('Node', n), nodeJson(n, `192.168.1.${i + 1}`)])));
    await server.client.put(POOL_KEY).value(IPPOOL_JSON);
    const { store, listener } = await startStore(2);
    expect(keysOf(listener.snapshots[0]!)).toEqual([POOL_KEY, ...names.map((n) => resourceKey('Node', n))].sort());
    expect(BigInt(store.status().revision!)).toBe(BigInt(revision) + 1n);
  });

  it('turns put, change and delete into updates; one transaction on one kind is one update', async () => {
    await server.client.put(NODE_KEY).value(nodeJson('node2', '192.168.1.12'));
    const { store, listener } = await startStore();
    expect(keysOf(listener.snapshots[0]!)).toEqual([NODE_KEY]);

    const n3 = resourceKey('Node', 'node3');
    await server.client.put(n3).value(nodeJson('node3', '192.168.1.13'));
    await listener.waitFor('the put', () => listener.updates.length === 1);
    expect(keysOf(listener.updates[0]!.upserts)).toEqual([n3]);
    expect(listener.updates[0]!.deletes).toEqual([]);

    await server.client.put(n3).value(nodeJson('node3', '192.168.1.23'));
    await listener.waitFor('the change', () => listener.updates.length === 2);
    expect(nodeIp(listener.updates[1]!.upserts.get(n3))).toBe('192.168.1.23/24');

    const deleted = await server.client.delete().key(NODE_KEY);
    await listener.waitFor('the delete', () => listener.updates.length === 3);
    expect(listener.updates[2]!.upserts.size).toBe(0);
    expect(listener.updates[2]!.deletes).toEqual([NODE_KEY]);
    expect(store.status().revision).toBe(deleted.header.revision);

    // three keys of one kind in one transaction arrive as one update
    const [n4, n5, n6] = ['node4', 'node5', 'node6'].map((n) => resourceKey('Node', n)) as [string, string, string];
    await putTogether({ [n4]: nodeJson('node4', '192.168.1.14'), [n5]: nodeJson('node5', '192.168.1.15'), [n6]: nodeJson('node6', '192.168.1.16') });
    await listener.waitFor('the transaction', () => listener.updates.length === 4);
    await settle(100);
    expect(listener.updates).toHaveLength(4);
    expect(keysOf(listener.updates[3]!.upserts)).toEqual([n4, n5, n6]);

    // a block update keeps its uint64 exact too (here the largest uint64)
    await server.client.put(BLOCK_KEY).value(ALLOCATION_BLOCK_JSON.replace('"sequenceNumber":1714558830123456791', '"sequenceNumber":18446744073709551615'));
    await listener.waitFor('the block', () => listener.updates.length === 5);
    const block = listener.updates[4]!.upserts.get(BLOCK_KEY);
    expect(block?.kind === 'IPAMBlock' && block.spec.sequenceNumber).toBe(18446744073709551615n);
    expect(keysOf(listener.view)).toEqual([BLOCK_KEY, n3, n4, n5, n6].sort());
    expect(listener.invalid).toEqual([]);
  });

  it('hands its view to onSnapshot as it is, and never changes that map afterwards', async () => {
    await server.client.put(NODE_KEY).value(nodeJson('node2', '192.168.1.12'));
    const held: ReadonlyMap<string, Resource>[] = [];
    const listener = new RecordingListener();
    const record = listener.onSnapshot.bind(listener);
    listener.onSnapshot = (resources) => {
      held.push(resources);
      record(resources);
      // a change at once, while the datastore is still to copy the view it handed out
      void server.client.put(resourceKey('Node', 'node3')).value(nodeJson('node3', '192.168.1.13')).exec();
    };
    const store = new EtcdDatastore({ endpoints: [server.etcd.endpoint], retryMinMs: 50, retryMaxMs: 300 });
    stores.push(store);
    await store.start(listener);
    await listener.waitFor('the put', () => listener.updates.length === 1);
    await server.client.delete().key(NODE_KEY);
    await listener.waitFor('the delete', () => listener.updates.length === 2);
    expect(keysOf(listener.view)).toEqual([resourceKey('Node', 'node3')]);
    expect(held).toHaveLength(1);
    expect(keysOf(held[0]!)).toEqual([NODE_KEY]);
    expect(nodeIp(held[0]!.get(NODE_KEY))).toBe('192.168.1.12/24');
  });

  it('reports a bad value with its key and field path and applies the rest', async () => {
    const badNode = resourceKey('Node', 'node9');
    await putTogether({ [badNode]: '{"kind":"Node","apiVersion":"projectcalico.org/v3","metadata":{"name":"node9"},"spec":{"bgp":{"ipv4Address":"300.1.1.1/24"}}}' });
    const { listener } = await startStore();
    expect(keysOf(listener.snapshots[0]!)).toEqual([]);
    expect(listener.invalid).toHaveLength(1);
    expect(listener.invalid[0]).toMatchObject({ source: badNode, kind: 'Node', name: 'node9' });
    expect(listener.invalid[0]!.issues).toEqual([expect.stringMatching(/^spec\.bgp\.ipv4Address: "300\.1\.1\.1\/24" is not/)]);

    // in one transaction: a WEP with a bad MAC, garbage under a node key, a block too short, and a good pool
    listener.reset();
    const badWep = WORKLOAD_ENDPOINT_JSON.replace('"mac":"9a:6b:1c:2d:3e:4f"', '"mac":"9a:6b"');
    const shortBlock = ALLOCATION_BLOCK_JSON.replace('"allocations":[0,1,null,', '"allocations":[0,1,');
    const garbageKey = resourceKey('Node', 'garbage');
    await putTogether({ [WEP_KEY]: badWep, [garbageKey]: '{"kind":"Node",', [BLOCK_KEY]: shortBlock, [POOL_KEY]: IPPOOL_JSON });
    // one watch per kind: the pool's update and the three reports come in separate responses
    await listener.waitFor('the update and reports', () => listener.updates.length === 1 && listener.invalid.length === 3);
    await settle(100);
    expect(listener.updates).toHaveLength(1);
    expect(keysOf(listener.updates[0]!.upserts)).toEqual([POOL_KEY]);
    const bySource = new Map(listener.invalid.map((e) => [e.source, e]));
    expect([...bySource.keys()].sort()).toEqual([BLOCK_KEY, garbageKey, WEP_KEY].sort());
    expect(bySource.get(WEP_KEY)!.issues).toEqual([expect.stringMatching(/^spec\.mac: "9a:6b" is not a MAC address/)]);
    expect(bySource.get(BLOCK_KEY)!.issues).toEqual(['allocations: has 63 entries; a /26 block needs 64']);
    expect(bySource.get(garbageKey)!.issues[0]).toMatch(/^\(json\): /);

    // a valid resource that turns invalid leaves the view and is reported
    listener.reset();
    await server.client.put(POOL_KEY).value(IPPOOL_JSON.replace('"cidr":"10.24.0.0/16"', '"cidr":"10.24.0.0/99"'));
    await listener.waitFor('the delete', () => listener.updates.length === 1);
    expect(listener.updates[0]!.deletes).toEqual([POOL_KEY]);
    expect(listener.invalid.map((e) => [e.source, e.issues[0]])).toEqual([[POOL_KEY, expect.stringMatching(/^spec\.cidr: /)]]);
    expect(listener.view.size).toBe(0);
  });

  it('waits for an etcd that is not up yet: start() resolves with the first snapshot once it is', async () => {
    await server.client.put(NODE_KEY).value(NODE_JSON);
    await server.etcd.stop();
    const store = new EtcdDatastore({ endpoints: [server.etcd.endpoint], retryMinMs: 50, retryMaxMs: 300 });
    stores.push(store);
    const listener = new RecordingListener();
    let started = false;
    const starting = store.start(listener).then(() => (started = true));
    await settle(400);
    expect(started).toBe(false);
    expect(store.status().state).toBe('connecting');

    await server.etcd.restart();
    await starting;
    expect(keysOf(listener.snapshots[0]!)).toEqual([NODE_KEY]);
    expect(store.status().state).toBe('in-sync');
  });

  it('goes disconnected while etcd is down, in-sync when it is back, and sees changes made after', async () => {
    await server.client.put(NODE_KEY).value(NODE_JSON);
    const { store, listener } = await startStore();

    await server.etcd.stop();
    await listener.waitFor('disconnected', () => store.status().state === 'disconnected');
    expect(listener.view.size).toBe(1); // the view is kept

    await server.etcd.restart();
    await listener.waitFor('in-sync', () => store.status().state === 'in-sync', 10_000);
    expect(listener.states).toEqual(['in-sync', 'disconnected', 'in-sync']);

    const n3 = resourceKey('Node', 'node3');
    await server.client.put(n3).value(nodeJson('node3', '192.168.1.13'));
    await listener.waitFor('the put after the restart', () => listener.view.has(n3));
    expect(listener.snapshots).toHaveLength(1);
  });

  it('resumes from its revision after a reconnect: what changed meanwhile arrives as updates, no new snapshot', async () => {
    const n3 = resourceKey('Node', 'node3');
    await putTogether({ [NODE_KEY]: NODE_JSON, [n3]: nodeJson('node3', '192.168.1.13') });
    const { store, listener } = await startStore();

    const n4 = resourceKey('Node', 'node4');
    const lastRevision = await server.etcd.whileUnreachable(async (otherEndpoint) => {
      const other = new Etcd3({ hosts: otherEndpoint });
      try {
        await other.put(n3).value(nodeJson('node3', '192.168.1.33'));
        await other.put(n4).value(nodeJson('node4', '192.168.1.14'));
        return (await other.delete().key(NODE_KEY)).header.revision;
      } finally {
        other.close();
      }
    });
    await listener.waitFor('the missed changes', () => listener.view.has(n4) && !listener.view.has(NODE_KEY), 10_000);
    await listener.waitFor('in-sync', () => store.status().state === 'in-sync');
    expect(listener.states).toEqual(['in-sync', 'disconnected', 'in-sync']);
    expect(listener.snapshots).toHaveLength(1); // resumed, not re-listed
    expect(keysOf(listener.view)).toEqual([n3, n4]);
    expect(nodeIp(listener.view.get(n3))).toBe('192.168.1.33/24');
    const allDeletes = listener.updates.flatMap((u) => u.deletes);
    expect(allDeletes).toEqual([NODE_KEY]);
    expect(store.status().revision).toBe(lastRevision);
  });

  it('lists again and sends a new snapshot when the revision it would resume from was compacted', async () => {
    const n3 = resourceKey('Node', 'node3');
    await putTogether({ [NODE_KEY]: NODE_JSON, [POOL_KEY]: IPPOOL_JSON });
    const { store, listener } = await startStore();

    await server.etcd.whileUnreachable(async (otherEndpoint) => {
      const other = new Etcd3({ hosts: otherEndpoint });
      try {
        await other.delete().key(POOL_KEY);
        await other.put(n3).value(nodeJson('node3', '192.168.1.13'));
        const { header } = await other.put(NODE_KEY).value(nodeJson('node2', '192.168.1.22'));
        await other.kv.compact({ revision: header.revision, physical: true });
      } finally {
        other.close();
      }
    });

    await listener.waitFor('a second snapshot', () => listener.snapshots.length === 2, 10_000);
    const snapshot = listener.snapshots[1]!;
    expect(keysOf(snapshot)).toEqual([n3, NODE_KEY].sort());
    expect(nodeIp(snapshot.get(NODE_KEY))).toBe('192.168.1.22/24');
    await listener.waitFor('in-sync', () => store.status().state === 'in-sync');

    // and it keeps watching afterwards
    const n5 = resourceKey('Node', 'node5');
    await server.client.put(n5).value(nodeJson('node5', '192.168.1.15'));
    await listener.waitFor('a put after the re-list', () => listener.view.has(n5));
    expect(keysOf(listener.view)).toEqual([n3, NODE_KEY, n5].sort());
    expect(listener.snapshots).toHaveLength(2);
  });

  it('with a nodeName keeps other nodes\' endpoints slim and its own whole, in the list and in updates', async () => {
    /** WORKLOAD_ENDPOINT_JSON as endpoint `pod` of `node`, at address 10.24.104.<octet> */
    const wep = (node: string, pod: string, octet: number, ipNetworks?: string[]) => {
      const value = JSON.parse(WORKLOAD_ENDPOINT_JSON);
      value.metadata.name = `${node}-k8s-${pod}-eth0`;
      value.spec.node = node;
      value.spec.pod = pod;
      value.spec.ipNetworks = ipNetworks ?? [`10.24.104.${octet}/32`];
      value.spec.ipNATs = [{ internalIP: `10.24.104.${octet}`, externalIP: `172.16.0.${octet}` }];
      return { key: resourceKey('WorkloadEndpoint', value.metadata.name, 'default'), json: JSON.stringify(value) };
    };
    const local = wep('node2', 'pod1', 1);
    const remote = wep('node3', 'pod2', 2);
    const badRemote = wep('node3', 'pod3', 3, ['10.24.104.3/24']);
    await putTogether({ [local.key]: local.json, [remote.key]: remote.json, [badRemote.key]: badRemote.json, [NODE_KEY]: NODE_JSON });
    const { listener } = await startStore(undefined, 'node2');

    const view = listener.snapshots[0]!;
    expect(keysOf(view)).toEqual([local.key, remote.key, NODE_KEY].sort());
    const localWep = view.get(local.key);
    expect(localWep?.kind === 'WorkloadEndpoint' && localWep.spec).toMatchObject({ mac: '9a:6b:1c:2d:3e:4f', pod: 'pod1', ports: [expect.anything()] });
    expect(localWep?.metadata).toMatchObject({ labels: { app: 'web' } });
    expect(view.get(remote.key)).toStrictEqual({
      kind: 'WorkloadEndpoint',
      apiVersion: 'projectcalico.org/v3',
      metadata: { name: 'node3-k8s-pod2-eth0', namespace: 'default' },
      spec: { node: 'node3', ipNetworks: ['10.24.104.2/32'], ipNATs: [{ internalIP: '10.24.104.2', externalIP: '172.16.0.2' }], interfaceName: 'cali8e9fad9b07c' },
    });
    expect(listener.invalid.map((e) => [e.source, e.issues])).toEqual([
      [badRemote.key, ['spec.ipNetworks[0]: "10.24.104.3/24" must be a single address: /32 for IPv4 or /128 for IPv6, not /24']],
    ]);

    // updates: a remote endpoint arrives slim, a fixed one too, a local one whole
    listener.reset();
    const fixed = wep('node3', 'pod3', 3);
    const another = wep('node4', 'pod4', 4);
    const localAgain = wep('node2', 'pod5', 5);
    await putTogether({ [fixed.key]: fixed.json, [another.key]: another.json, [localAgain.key]: localAgain.json });
    await listener.waitFor('the update', () => listener.updates.length === 1);
    const upserts = listener.updates[0]!.upserts;
    expect(keysOf(upserts)).toEqual([fixed.key, another.key, localAgain.key].sort());
    for (const key of [fixed.key, another.key]) {
      const resource = upserts.get(key);
      expect(resource?.kind === 'WorkloadEndpoint' && Object.keys(resource.spec)).toEqual(['node', 'ipNetworks', 'ipNATs', 'interfaceName']);
      expect(Object.keys(resource!.metadata)).toEqual(['name', 'namespace']);
    }
    const whole = upserts.get(localAgain.key);
    expect(whole?.kind === 'WorkloadEndpoint' && whole.spec.mac).toBe('9a:6b:1c:2d:3e:4f');

    // a remote endpoint that turns invalid is reported with its key and path, and leaves the view
    await server.client.put(remote.key).value(wep('node3', 'pod2', 2, ['not-an-ip']).json);
    await listener.waitFor('the report', () => listener.invalid.length === 1 && listener.updates.length === 2);
    expect(listener.invalid[0]).toMatchObject({ source: remote.key, issues: ['spec.ipNetworks[0]: "not-an-ip" is not an IP address or CIDR'] });
    expect(listener.updates[1]!.deletes).toEqual([remote.key]);
  });

  it('lists all prefixes at the revision of its first page while etcd keeps changing', async () => {
    const nodes = Array.from({ length: 30 }, (_, i) => resourceKey('Node', `node${i}`));
    const weps = Array.from({ length: 30 }, (_, i) => resourceKey('WorkloadEndpoint', `w${i}`, `ns${i % 3}`));
    const blocks = Array.from({ length: 30 }, (_, i) => blockKey(`10.24.${i}.0/26`));
    const before = await putTogether(Object.fromEntries([...nodes, ...weps, ...blocks].map((k) => [k, `{"n":"${k}"}`])));
    const seen: string[] = [];
    const writes: Promise<unknown>[] = [];
    let landedDuringList = 0;
    const revision = await listPrefixes(server.client, WATCHED_PREFIXES, 4, (page, from, to) => {
      for (let i = from; i < to; i++) seen.push(page.key(i));
      // between pages: new nodes, changed endpoints (started at once, not awaited)
      if (writes.length < 20) {
        const n = writes.length;
        const landed = () => void landedDuringList++;
        writes.push(
          server.client.put(resourceKey('Node', `late${n}`)).value('{}').exec().then(landed),
          server.client.put(weps[n % 30]!).value('{"changed":true}').exec().then(landed),
        );
      }
    });
    const landedBeforeEnd = landedDuringList;
    await Promise.all(writes);
    expect(landedBeforeEnd).toBeGreaterThan(0); // the list really ran while etcd changed
    expect(revision).toBe(before);
    expect([...seen].sort()).toEqual([...nodes, ...weps, ...blocks].sort()); // each once, nothing added later
    for (const prefix of WATCHED_PREFIXES) {
      const own = seen.filter((k) => k.startsWith(prefix));
      expect(own).toEqual([...own].sort()); // in key order within a prefix
    }
  });
});
