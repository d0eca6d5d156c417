/**
 * Two lab nodes, each running a real `tortie daemon` that follows a real etcd holding the lab in
 * Calico's etcdv3 layout (etcd runs in the lab's router namespace, which both nodes reach over the
 * wire). Changes in etcd change connectivity; stopping etcd under a ping flood loses no packet and
 * changes nothing; once etcd is back, the daemons follow it again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import { blockKey, resourceKey } from '../../src/datastore/etcd-keys.js';
import { podMac } from '../../src/lab/build.js';
import { labDown, labUp } from '../../src/lab/index.js';
import { ping, tcpEcho } from '../../src/lab/probe.js';
import { calicoNode, ipamBlock, ipPool, workloadEndpoint } from '../../src/lab/resources.js';
import type { LabNode, LabPod, LabSpec } from '../../src/lab/topology.js';
import {
  httpGet,
  metricValue,
  randomPort,
  startDaemon,
  stopAll,
  waitForLog,
  waitReady,
  writeDaemonConfig,
  type DaemonProcess,
} from '../helpers/daemon.js';
import { pingFlood, uniqueLabName, waitFor } from '../helpers/lab.js';
import { startEtcdInNetns, type NetnsEtcd } from '../helpers/netns-etcd.js';

const name = uniqueLabName('e');
let spec: LabSpec;
let n1: LabNode;
let n2: LabNode;
let etcd: NetnsEtcd | undefined;
let dir: string;
const daemons = new Map<string, DaemonProcess>();
const weps = new Map<string, { key: string; json: string }>();

const pod = (node: LabNode, i: number) => node.pods[i]!;
const reaches = (from: LabPod, to: string) => ping(from.netns, to, { count: 1, timeoutS: 1 }).ok;
const eventually = (check: () => boolean, timeoutMs = 10_000) => waitFor(check, timeoutMs, 200);

/** The lab's resources, as Calico stores them in etcd (IPAM blocks as AllocationBlock values). */
function seed(store: NetnsEtcd): void {
  const pool = ipPool(spec.mode) as { metadata: { name: string } };
  store.put(resourceKey('IPPool', pool.metadata.name), JSON.stringify(pool));
  for (const node of spec.nodes) {
    store.put(resourceKey('Node', node.name), JSON.stringify(calicoNode(spec, node)));
    store.put(blockKey(node.block), JSON.stringify((ipamBlock(spec, node) as { spec: unknown }).spec));
    for (const p of node.pods) {
      const wep = workloadEndpoint(node, p, podMac(p)) as { metadata: { name: string; namespace: string } };
      const entry = { key: resourceKey('WorkloadEndpoint', wep.metadata.name, wep.metadata.namespace), json: JSON.stringify(wep) };
      weps.set(p.name, entry);
      store.put(entry.key, entry.json);
    }
  }
}

beforeAll(async () => {
  spec = labUp(native, { name, nodes: 2, podsPerNode: 2, mode: 'ipip', attachMode: 'auto', loadDataplane: false }).spec;
  [n1, n2] = spec.nodes as [LabNode, LabNode];
  etcd = await startEtcdInNetns(spec.routerNetns, spec.subnets[0]!.routerIp, 2379);
  seed(etcd);
  dir = mkdtempSync(join(tmpdir(), 'tortie-daemon-etcd-'));
  await Promise.all(
    spec.nodes.map(async (node) => {
      const port = randomPort();
      const config = writeDaemonConfig(dir, node, { type: 'etcd', endpoints: [etcd!.endpoint], dialTimeout: 2000 }, port);
      const proc = startDaemon(node, config, port);
      daemons.set(node.name, proc);
      await waitReady(proc, 30_000);
    }),
  );
});

afterAll(async () => {
  try {
    await stopAll();
    await etcd?.cleanup();
  } finally {
    try {
      labDown(native, name);
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  }
});

describe('tortie daemon following etcd', () => {
  it('both nodes sync from etcd; pods reach each other across nodes (ping and TCP)', async () => {
    expect(reaches(pod(n1, 0), pod(n2, 0).ip)).toBe(true);
    expect(reaches(pod(n2, 1), pod(n1, 1).ip)).toBe(true);
    expect(await tcpEcho(pod(n1, 1).netns, pod(n1, 1).ip, pod(n2, 0).netns, 7401, 200_000)).toBe(true);
    const metrics = httpGet(daemons.get('node1')!, '/metrics').body;
    expect(metricValue(metrics, 'tortie_packets_total', { reason: 'EncapIpip' })).toBeGreaterThan(0);
    expect(metricValue(metrics, 'tortie_datastore_state', { state: 'in-sync' })).toBe(1);
  });

  it('deleting a WorkloadEndpoint key cuts the pod off; putting it back restores it', async () => {
    const wep = weps.get(pod(n2, 1).name)!;
    etcd!.del(wep.key);
    expect(await eventually(() => !reaches(pod(n1, 0), pod(n2, 1).ip))).toBe(true);
    etcd!.put(wep.key, wep.json);
    expect(await eventually(() => reaches(pod(n1, 0), pod(n2, 1).ip))).toBe(true);
  });

  it('etcd stopped and restarted under a ping flood: no packet lost, and the daemons follow it again', async () => {
    const d1 = daemons.get('node1')!;
    const from = d1.logs.length;
    const flood = pingFlood(pod(n1, 0).netns, pod(n2, 0).ip, 1500);
    await new Promise((r) => setTimeout(r, 300));
    await etcd!.stop();
    await waitForLog(d1, (l) => l.msg === 'datastore state' && l.fields.state === 'disconnected', 'disconnected', 20_000, from);
    expect(reaches(pod(n2, 1), pod(n1, 1).ip)).toBe(true);
    await etcd!.restart();
    await waitForLog(d1, (l) => l.msg === 'datastore state' && l.fields.state === 'in-sync', 'in-sync again', 30_000, from);
    const result = await flood.done;
    expect(result.received, result.output).toBe(result.transmitted);
    expect(result.transmitted).toBe(1500);

    // Followed again: a change made after the restart reaches the dataplane.
    const wep = weps.get(pod(n1, 1).name)!;
    etcd!.del(wep.key);
    expect(await eventually(() => !reaches(pod(n2, 0), pod(n1, 1).ip))).toBe(true);
    etcd!.put(wep.key, wep.json);
    expect(await eventually(() => reaches(pod(n2, 0), pod(n1, 1).ip))).toBe(true);
  });
});
