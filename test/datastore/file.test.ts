// FileDatastore against real files in a temporary folder: what is read, which keys, exact updates on
// change/delete/add, invalid documents, and a file that disappears and comes back.
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FileDatastore } from '../../src/datastore/file.js';
import type { Datastore } from '../../src/datastore/types.js';
import { IPPOOL_JSON, NODE_JSON, WORKLOAD_ENDPOINT_JSON } from '../unit/model-fixtures.js';
import { RecordingListener, settle } from '../helpers/datastore-listener.js';

const root = mkdtempSync(join(tmpdir(), 'tortie-filestore-'));
let dirCount = 0;
const started: Datastore[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((d) => d.stop()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function freshDir(): string {
  const dir = join(root, `case${dirCount++}`);
  mkdirSync(dir);
  return dir;
}

async function startStore(path: string): Promise<{ store: FileDatastore; listener: RecordingListener }> {
  const store = new FileDatastore({ path, debounceMs: 30, retryMs: 100 });
  const listener = new RecordingListener();
  started.push(store);
  await store.start(listener);
  return { store, listener };
}

const POOL_YAML = (natOutgoing: boolean) => `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-a
spec:
  cidr: 10.24.0.0/16
  vxlanMode: Always
  natOutgoing: ${natOutgoing}
`;

const NODE_YAML = (name: string, ip: string) => `apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: ${name}
spec:
  bgp:
    ipv4Address: ${ip}/24
`;

const WEP_YAML = (pod: string, ip: string, mac = '9a:6b:1c:2d:3e:4f') => `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata:
  name: node1-k8s-${pod}-eth0
  namespace: default
spec:
  node: node1
  orchestrator: k8s
  pod: ${pod}
  endpoint: eth0
  interfaceName: cali${pod.padEnd(11, '0').slice(0, 11)}
  mac: ${mac}
  ipNetworks: [${ip}/32]
`;

const FELIX_YAML = `apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata:
  name: default
spec:
  vxlanVNI: 4096
`;

const BLOCK_YAML = `apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata:
  name: 10-24-7-0-26
spec:
  cidr: 10.24.7.0/26
  affinity: host:node7
  allocations: [${Array.from({ length: 64 }, () => 'null').join(', ')}]
  unallocated: [${Array.from({ length: 64 }, (_, i) => i).join(', ')}]
  attributes: []
  sequenceNumber: 1714558830123456791
  deleted: false
`;

const keysOf = (map: ReadonlyMap<string, unknown>) => [...map.keys()].sort();

describe('FileDatastore', () => {
  it('rejects start() when the path does not exist', async () => {
    const store = new FileDatastore({ path: join(root, 'missing.yaml') });
    await expect(store.start(new RecordingListener())).rejects.toThrow(/missing\.yaml: no such file or folder/);
  });

  it('reads one multi-document YAML file under <file>#<Kind>/<namespace>/<name> keys', async () => {
    const file = join(freshDir(), 'cluster.yaml');
    writeFileSync(file, [POOL_YAML(true), NODE_YAML('node1', '192.168.1.11'), WEP_YAML('pod1', '10.24.1.2'), FELIX_YAML].join('---\n'));
    const { store, listener } = await startStore(file);

    expect(listener.snapshots).toHaveLength(1);
    expect(keysOf(listener.snapshots[0]!)).toEqual([
      `${file}#IPPool//pool-a`,
      `${file}#Node//node1`,
      `${file}#WorkloadEndpoint/default/node1-k8s-pod1-eth0`,
    ]);
    const pool = listener.snapshots[0]!.get(`${file}#IPPool//pool-a`);
    expect(pool?.kind === 'IPPool' && pool.spec.natOutgoing).toBe(true);
    expect(listener.invalid).toEqual([]); // FelixConfiguration is skipped, not an error
    expect(store.status().state).toBe('in-sync');
    expect(listener.states).toEqual(['in-sync']);
  });

  it('reads a folder of *.yaml, *.yml and *.json files only, keeping uint64 exact', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'a-pool.yaml'), POOL_YAML(false));
    writeFileSync(join(dir, 'b-node.yml'), NODE_YAML('node2', '192.168.1.12'));
    writeFileSync(join(dir, 'c-calico.json'), `[${IPPOOL_JSON},${NODE_JSON},${WORKLOAD_ENDPOINT_JSON}]`);
    writeFileSync(join(dir, 'd-block.yaml'), BLOCK_YAML);
    writeFileSync(join(dir, 'README.md'), NODE_YAML('not-read', '192.168.1.99'));
    writeFileSync(join(dir, '.e-swap.yaml'), NODE_YAML('hidden', '192.168.1.98'));
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'nested', 'f.yaml'), NODE_YAML('nested', '192.168.1.97'));
    const { listener } = await startStore(dir);

    expect(keysOf(listener.snapshots[0]!)).toEqual([
      `${join(dir, 'a-pool.yaml')}#IPPool//pool-a`,
      `${join(dir, 'b-node.yml')}#Node//node2`,
      `${join(dir, 'c-calico.json')}#IPPool//default-ipv4-ippool`,
      `${join(dir, 'c-calico.json')}#Node//node2`,
      `${join(dir, 'c-calico.json')}#WorkloadEndpoint/default/node112-k8s-pod5-eth0`,
      `${join(dir, 'd-block.yaml')}#IPAMBlock//10-24-7-0-26`,
    ]);
    const block = listener.snapshots[0]!.get(`${join(dir, 'd-block.yaml')}#IPAMBlock//10-24-7-0-26`);
    expect(block?.kind === 'IPAMBlock' && block.spec.sequenceNumber).toBe(1714558830123456791n);
  });

  it('sends exactly what changed: a modified resource, a deleted file, an added file, an atomic replace', async () => {
    const dir = freshDir();
    const [a, b, c] = ['a.yaml', 'b.yaml', 'c.yaml'].map((n) => join(dir, n)) as [string, string, string];
    writeFileSync(a, [POOL_YAML(false), NODE_YAML('node1', '192.168.1.11')].join('---\n'));
    writeFileSync(b, [WEP_YAML('pod1', '10.24.1.2'), WEP_YAML('pod2', '10.24.1.3')].join('---\n'));
    const { listener } = await startStore(dir);
    expect(listener.snapshots[0]!.size).toBe(4);

    // 1. one field of one resource
    writeFileSync(a, [POOL_YAML(true), NODE_YAML('node1', '192.168.1.11')].join('---\n'));
    await listener.waitFor('the pool update', () => listener.updates.length >= 1);
    await settle(150);
    expect(listener.updates).toHaveLength(1);
    expect(keysOf(listener.updates[0]!.upserts)).toEqual([`${a}#IPPool//pool-a`]);
    expect(listener.updates[0]!.deletes).toEqual([]);
    const pool = listener.updates[0]!.upserts.get(`${a}#IPPool//pool-a`);
    expect(pool?.kind === 'IPPool' && pool.spec.natOutgoing).toBe(true);

    // 2. a whole file removed
    listener.reset();
    unlinkSync(b);
    await listener.waitFor('the deletes', () => listener.updates.length >= 1);
    await settle(150);
    expect(listener.updates).toHaveLength(1);
    expect(listener.updates[0]!.upserts.size).toBe(0);
    expect([...listener.updates[0]!.deletes].sort()).toEqual([
      `${b}#WorkloadEndpoint/default/node1-k8s-pod1-eth0`,
      `${b}#WorkloadEndpoint/default/node1-k8s-pod2-eth0`,
    ]);

    // 3. a new file
    listener.reset();
    writeFileSync(c, WEP_YAML('pod3', '10.24.1.4'));
    await listener.waitFor('the new file', () => listener.updates.length >= 1);
    await settle(150);
    expect(listener.updates).toHaveLength(1);
    expect(keysOf(listener.updates[0]!.upserts)).toEqual([`${c}#WorkloadEndpoint/default/node1-k8s-pod3-eth0`]);
    expect(listener.updates[0]!.deletes).toEqual([]);

    // 4. an editor's atomic save (write elsewhere, rename over): the node moves to another IP, pod3 unchanged
    listener.reset();
    const tmp = join(dir, '.c.yaml.tmp');
    writeFileSync(tmp, [POOL_YAML(true), NODE_YAML('node1', '192.168.1.21')].join('---\n'));
    renameSync(tmp, a);
    await listener.waitFor('the replaced file', () => listener.updates.length >= 1);
    await settle(150);
    expect(listener.updates).toHaveLength(1);
    expect(keysOf(listener.updates[0]!.upserts)).toEqual([`${a}#Node//node1`]);
    expect(keysOf(listener.view)).toEqual([`${a}#IPPool//pool-a`, `${a}#Node//node1`, `${c}#WorkloadEndpoint/default/node1-k8s-pod3-eth0`]);
    expect(listener.invalid).toEqual([]);
  });

  it('reports an invalid document with its file and path, keeps the others, and drops a resource that turns invalid', async () => {
    const file = join(freshDir(), 'pods.yaml');
    const docs = (pod2Mac: string) => [WEP_YAML('pod1', '10.24.1.2'), WEP_YAML('pod2', '10.24.1.3', pod2Mac), WEP_YAML('pod3', '10.24.1.4')];
    writeFileSync(file, [WEP_YAML('pod1', '10.24.1.2'), WEP_YAML('pod2', '10.24.1.3', 'not-a-mac'), WEP_YAML('pod3', '10.24.1.4')].join('---\n'));
    const { listener } = await startStore(file);

    expect(keysOf(listener.snapshots[0]!)).toEqual([
      `${file}#WorkloadEndpoint/default/node1-k8s-pod1-eth0`,
      `${file}#WorkloadEndpoint/default/node1-k8s-pod3-eth0`,
    ]);
    expect(listener.invalid).toHaveLength(1);
    expect(listener.invalid[0]).toMatchObject({ source: file, document: 1, kind: 'WorkloadEndpoint', name: 'node1-k8s-pod2-eth0' });
    expect(listener.invalid[0]!.issues).toEqual([expect.stringMatching(/^spec\.mac: "not-a-mac" is not a MAC address/)]);

    // pod2 fixed, pod3 broken: pod2 arrives, pod3 leaves the view and is reported
    listener.reset();
    const fixed = docs('9a:6b:1c:2d:3e:40');
    fixed[2] = WEP_YAML('pod3', '10.24.1.400');
    writeFileSync(file, fixed.join('---\n'));
    await listener.waitFor('the update', () => listener.updates.length >= 1);
    await settle(150);
    expect(listener.updates).toHaveLength(1);
    expect(keysOf(listener.updates[0]!.upserts)).toEqual([`${file}#WorkloadEndpoint/default/node1-k8s-pod2-eth0`]);
    expect(listener.updates[0]!.deletes).toEqual([`${file}#WorkloadEndpoint/default/node1-k8s-pod3-eth0`]);
    expect(listener.invalid).toHaveLength(1);
    expect(listener.invalid[0]).toMatchObject({ source: file, document: 2, name: 'node1-k8s-pod3-eth0' });
    expect(listener.invalid[0]!.issues[0]).toMatch(/^spec\.ipNetworks\[0\]: /);
  });

  it('keeps the last view while the file is missing (disconnected) and resumes when it is back', async () => {
    const file = join(freshDir(), 'cluster.yaml');
    writeFileSync(file, [POOL_YAML(false), NODE_YAML('node1', '192.168.1.11')].join('---\n'));
    const { store, listener } = await startStore(file);

    unlinkSync(file);
    await listener.waitFor('disconnected', () => store.status().state === 'disconnected');
    await settle(300); // a few retries while it is gone
    expect(listener.updates).toEqual([]); // nothing deleted: the daemon keeps forwarding
    expect(listener.view.size).toBe(2);
    expect(store.status().state).toBe('disconnected');

    writeFileSync(file, [POOL_YAML(true), NODE_YAML('node1', '192.168.1.11')].join('---\n'));
    await listener.waitFor('in-sync again', () => store.status().state === 'in-sync' && listener.updates.length >= 1);
    expect(listener.states).toEqual(['in-sync', 'disconnected', 'in-sync']);
    expect(listener.updates).toHaveLength(1);
    expect(keysOf(listener.updates[0]!.upserts)).toEqual([`${file}#IPPool//pool-a`]);
    expect(listener.updates[0]!.deletes).toEqual([]);

    // the watch works again after the recovery
    listener.reset();
    writeFileSync(file, POOL_YAML(true));
    await listener.waitFor('the node delete', () => listener.updates.length >= 1);
    expect(listener.updates[0]!.deletes).toEqual([`${file}#Node//node1`]);
  });

  it('survives its folder being removed and created again', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'a.yaml'), POOL_YAML(false));
    const { store, listener } = await startStore(dir);

    rmSync(dir, { recursive: true });
    await listener.waitFor('disconnected', () => store.status().state === 'disconnected');
    expect(listener.view.size).toBe(1);

    mkdirSync(dir);
    writeFileSync(join(dir, 'b.yaml'), NODE_YAML('node9', '192.168.1.19'));
    await listener.waitFor('in-sync again', () => store.status().state === 'in-sync');
    expect(keysOf(listener.view)).toEqual([`${join(dir, 'b.yaml')}#Node//node9`]);

    // the new folder is watched, not the deleted one
    writeFileSync(join(dir, 'c.yaml'), POOL_YAML(true));
    await listener.waitFor('the new file', () => listener.view.has(`${join(dir, 'c.yaml')}#IPPool//pool-a`));
  });
});
