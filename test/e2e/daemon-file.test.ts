/**
 * Two lab nodes, each running a real `tortie daemon` that follows one YAML file of Calico resources
 * (the file datastore). Editing the file changes connectivity; a cali created after start is
 * attached from a link event; /metrics counts forwarded packets; restarting the daemon, or
 * replacing it with a different BPF build, under a ping flood loses nothing; a deleted file or a
 * bad resource never stops forwarding.
 */
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import { RouteType } from '../../src/dataplane/abi.js';
import { openNodeMaps } from '../../src/dataplane/pinned-maps.js';
import { run } from '../../src/util/exec.js';
import { objectPath } from '../../src/dataplane/object-path.js';
import { buildPod, podMac } from '../../src/lab/build.js';
import { labDown, labUp } from '../../src/lab/index.js';
import { ping, tcpEcho } from '../../src/lab/probe.js';
import { calicoNode, ipamBlock, ipPool, workloadEndpoint } from '../../src/lab/resources.js';
import { vethNameForWorkload, type LabMode, type LabNode, type LabPod, type LabSpec } from '../../src/lab/topology.js';
import { tortie, tortieOk } from '../helpers/cli.js';
import {
  httpGet,
  metricValue,
  randomPort,
  replaceFile,
  startDaemon,
  stopAll,
  stopDaemon,
  waitForLog,
  waitReady,
  writeDaemonConfig,
  type DaemonProcess,
} from '../helpers/daemon.js';
import { delta, pingFlood, readCounters, uniqueLabName, waitFor } from '../helpers/lab.js';

const name = uniqueLabName('d');
let spec: LabSpec;
let n1: LabNode;
let n2: LabNode;
let dir: string;
let clusterFile: string;
const daemons = new Map<string, DaemonProcess>();
const configs = new Map<string, string>();
const ports = new Map<string, number>();
const macs = new Map<string, string>();

/** A pod on node1 created only after the daemons started. */
let latePod: LabPod;

interface ClusterOptions {
  mode?: LabMode;
  omitPods?: string[];
  omitBlocks?: string[];
  extraPods?: Array<[LabNode, LabPod, string]>;
  extraYaml?: string;
}

function clusterYaml(o: ClusterOptions = {}): string {
  const mode = o.mode ?? 'vxlan';
  const docs: unknown[] = [ipPool(mode)];
  for (const node of spec.nodes) {
    docs.push(calicoNode({ ...spec, mode }, node));
    if (!o.omitBlocks?.includes(node.name)) docs.push(ipamBlock({ ...spec, mode }, node));
  }
  for (const node of spec.nodes) {
    for (const pod of node.pods) if (!o.omitPods?.includes(pod.name)) docs.push(workloadEndpoint(node, pod, macs.get(pod.name)!));
  }
  for (const [node, pod, mac] of o.extraPods ?? []) docs.push(workloadEndpoint(node, pod, mac));
  return docs.map((d) => stringify(d)).join('---\n') + (o.extraYaml ?? '');
}

const pod = (node: LabNode, i: number) => node.pods[i]!;
const reaches = (from: LabPod, to: string) => ping(from.netns, to, { count: 1, timeoutS: 1 }).ok;
/** Connectivity changes take a debounce and a reconcile: poll for the expected state. */
const eventually = (check: () => boolean) => waitFor(check, 8000, 200);

async function launch(node: LabNode, extraArgs: string[] = []): Promise<DaemonProcess> {
  const proc = startDaemon(node, configs.get(node.name)!, ports.get(node.name)!, extraArgs);
  daemons.set(node.name, proc);
  await waitReady(proc);
  return proc;
}

function programTags(node: LabNode): Record<string, string> {
  const status = JSON.parse(tortieOk(['status', '-o', 'json', '--pin-dir', node.pinDir], { netns: node.netns })) as {
    programs: Array<{ name: string; tag: string }>;
  };
  return Object.fromEntries(status.programs.map((p) => [p.name, p.tag]));
}

beforeAll(async () => {
  spec = labUp(native, { name, nodes: 2, podsPerNode: 2, mode: 'vxlan', attachMode: 'auto', loadDataplane: false }).spec;
  [n1, n2] = spec.nodes as [LabNode, LabNode];
  for (const node of spec.nodes) for (const p of node.pods) macs.set(p.name, podMac(p));
  latePod = { name: 'pod13', namespace: 'default', netns: `${spec.prefix}node1-pod13`, ip: '10.24.1.4', hostIf: vethNameForWorkload('default', 'pod13') };
  dir = mkdtempSync(join(tmpdir(), 'tortie-daemon-'));
  clusterFile = join(dir, 'cluster.yaml');
  replaceFile(clusterFile, clusterYaml());
  for (const node of spec.nodes) {
    const port = randomPort();
    // A resync every second, so that the test of repairs made behind the daemon's back is quick.
    configs.set(node.name, writeDaemonConfig(dir, node, { type: 'file', path: clusterFile }, port, { resyncMs: 1000 }));
    ports.set(node.name, port);
  }
  await Promise.all(spec.nodes.map((node) => launch(node)));
});

afterAll(async () => {
  try {
    await stopAll();
  } finally {
    try {
      labDown(native, name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

describe('tortie daemon following a file', () => {
  it('refuses an invalid configuration with the field path, exit 2', () => {
    const res = tortie(['daemon', '--node', 'node1', '--listen', 'localhost']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/listen: must be HOST:PORT/);
    expect(res.stderr).toMatch(/datastore: required/);
  });

  it('both nodes become ready; pods reach each other on the same node and across nodes (ping and TCP)', async () => {
    expect(reaches(pod(n1, 0), pod(n1, 1).ip)).toBe(true);
    expect(reaches(pod(n1, 0), pod(n2, 0).ip)).toBe(true);
    expect(reaches(pod(n2, 1), pod(n1, 1).ip)).toBe(true);
    expect(await tcpEcho(pod(n2, 0).netns, pod(n2, 0).ip, pod(n1, 0).netns, 7301, 200_000)).toBe(true);
    expect(httpGet(daemons.get('node1')!, '/healthz').status).toBe(200);
  });

  it('/metrics counts forwarded packets per reason and shows maps, reconciles and the datastore', () => {
    expect(reaches(pod(n1, 0), pod(n2, 1).ip)).toBe(true);
    const { status, body } = httpGet(daemons.get('node1')!, '/metrics');
    expect(status).toBe(200);
    expect(metricValue(body, 'tortie_packets_total', { reason: 'EncapVxlan' })).toBeGreaterThan(0);
    expect(metricValue(body, 'tortie_packets_total', { reason: 'FwdLocal' })).toBeGreaterThan(0);
    expect(metricValue(body, 'tortie_packets_total', { reason: 'DecapVxlan' })).toBeGreaterThan(0);
    expect(metricValue(body, 'tortie_map_entries', { map: 'tt_endpoints' })).toBe(2);
    expect(metricValue(body, 'tortie_map_capacity', { map: 'tt_endpoints' })).toBeGreaterThan(2);
    expect(metricValue(body, 'tortie_reconcile_duration_seconds_count', { trigger: 'snapshot' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(body, 'tortie_datastore_state', { state: 'in-sync' })).toBe(1);
    expect(metricValue(body, 'tortie_datastore_last_sync_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(metricValue(body, 'tortie_ready')).toBe(1);
    const readySeconds = metricValue(body, 'tortie_ready_seconds');
    expect(readySeconds).toBeGreaterThan(0);
    expect(readySeconds).toBeLessThan(60);
  });

  it('deleting a WorkloadEndpoint cuts its pod off; adding it back restores it', async () => {
    replaceFile(clusterFile, clusterYaml({ omitPods: ['pod22'] }));
    expect(await eventually(() => !reaches(pod(n1, 0), pod(n2, 1).ip))).toBe(true);
    expect(reaches(pod(n1, 0), pod(n2, 0).ip)).toBe(true); // the others are untouched
    replaceFile(clusterFile, clusterYaml());
    expect(await eventually(() => reaches(pod(n1, 0), pod(n2, 1).ip))).toBe(true);
  });

  it('deleting a node’s IPAM block replaces its route by /32s of its pods; restoring it brings the block route back', async () => {
    const routes = () =>
      (JSON.parse(tortieOk(['bpf', 'routes', 'dump', '-o', 'json', '--pin-dir', n1.pinDir], { netns: n1.netns })) as Array<{ dest: string; type: string }>)
        .map((r) => `${r.dest} ${r.type}`);
    const unused = '10.24.2.50'; // in node2's block but no pod's: only the block route sends it there
    const sentToNode2 = () => {
      const before = readCounters(n1);
      ping(pod(n1, 0).netns, unused, { count: 1, timeoutS: 1 });
      return delta(before, readCounters(n1), 'EncapVxlan') > 0;
    };
    expect(routes()).toContain('10.24.2.0/26 remote-block');
    expect(sentToNode2()).toBe(true);

    replaceFile(clusterFile, clusterYaml({ omitBlocks: ['node2'] }));
    expect(await eventually(() => !routes().includes('10.24.2.0/26 remote-block'))).toBe(true);
    // Pods outside every known block are still routed to their node, one /32 each (as ipAddrsNoIpam).
    expect(routes()).toEqual(expect.arrayContaining(['10.24.2.2/32 remote-workload', '10.24.2.3/32 remote-workload']));
    expect(reaches(pod(n1, 0), pod(n2, 0).ip)).toBe(true);
    expect(sentToNode2()).toBe(false);

    replaceFile(clusterFile, clusterYaml());
    expect(await eventually(() => routes().includes('10.24.2.0/26 remote-block'))).toBe(true);
    expect(routes()).not.toContain('10.24.2.2/32 remote-workload');
    expect(sentToNode2()).toBe(true);
  });

  it('a route removed behind the daemon’s back (map and kernel) is back after the next resync', async () => {
    const block = { prefixLen: 26, addr: '10.24.2.0' };
    const kernelRoute = () => run(['ip', '-n', n1.netns, '-4', 'route', 'show', '10.24.2.0/26', 'proto', '116']).trim();
    const maps = openNodeMaps(native, n1.pinDir);
    try {
      const inMap = () => maps.routes.lookup(block)?.type === RouteType.RemoteBlock;
      expect(inMap()).toBe(true);
      expect(kernelRoute()).not.toBe('');
      maps.routes.delete(block);
      run(['ip', '-n', n1.netns, 'route', 'del', '10.24.2.0/26', 'proto', '116']);
      expect(inMap()).toBe(false);
      expect(await eventually(() => inMap() && kernelRoute() !== '')).toBe(true);
      expect(reaches(pod(n1, 0), pod(n2, 0).ip)).toBe(true);
    } finally {
      maps.close();
    }
  });

  it('changing the pool from VXLAN to IPIP switches the encapsulation', async () => {
    replaceFile(clusterFile, clusterYaml({ mode: 'ipip' }));
    const before = readCounters(n1);
    expect(await eventually(() => reaches(pod(n1, 0), pod(n2, 0).ip) && delta(before, readCounters(n1), 'EncapIpip') > 0)).toBe(true);
    replaceFile(clusterFile, clusterYaml());
    const back = readCounters(n1);
    expect(await eventually(() => reaches(pod(n1, 0), pod(n2, 0).ip) && delta(back, readCounters(n1), 'EncapVxlan') > 0)).toBe(true);
  });

  it('a bad resource is logged with its key and field path and skipped; a cali created later is attached from a link event', async () => {
    const d1 = daemons.get('node1')!;
    const from = d1.logs.length;
    const bad = stringify({
      apiVersion: 'projectcalico.org/v3',
      kind: 'WorkloadEndpoint',
      metadata: { name: 'node1-k8s-broken-eth0', namespace: 'default' },
      spec: { node: 'node1', interfaceName: 'calibroken00000', ipNetworks: ['10.24.1.77/24'] },
    });
    // The endpoint of a pod whose interface does not exist yet, and an invalid one, in one write.
    replaceFile(clusterFile, clusterYaml({ extraPods: [[n1, latePod, '02:00:0a:18:01:04']], extraYaml: `---\n${bad}` }));
    const invalid = await waitForLog(d1, (l) => l.msg === 'invalid resource skipped', 'invalid resource skipped', 10_000, from);
    expect(invalid.fields.key).toMatch(/cluster\.yaml\[\d+\]$/);
    expect(invalid.fields.name).toBe('node1-k8s-broken-eth0');
    expect((invalid.fields.issues as string[]).join('\n')).toMatch(/spec\.ipNetworks\[0\]/);
    await waitForLog(d1, (l) => l.msg === 'reconciled' && (l.fields.pending as string[]).some((p) => p.includes(latePod.hostIf)), 'pending late pod', 10_000, from);

    buildPod(spec, n1, latePod); // the CNI's work: netns, veth, addresses, routes
    const attached = await waitForLog(d1, (l) => l.msg === 'workload interface attached' && l.fields.ifname === latePod.hostIf, 'attached', 10_000, from);
    expect(attached.fields.ifindex).toBeGreaterThan(0);
    expect(await eventually(() => reaches(pod(n2, 0), latePod.ip))).toBe(true);
    expect(reaches(latePod, pod(n1, 0).ip)).toBe(true);
    expect(reaches(pod(n1, 0), pod(n2, 1).ip)).toBe(true); // the bad resource stopped nothing
  });

  it('deleting the datastore file keeps forwarding; it is followed again when it comes back', async () => {
    const d1 = daemons.get('node1')!;
    const from = d1.logs.length;
    const text = clusterYaml({ extraPods: [[n1, latePod, '02:00:0a:18:01:04']] });
    unlinkSync(clusterFile);
    await waitForLog(d1, (l) => l.msg === 'datastore state' && l.fields.state === 'disconnected', 'disconnected', 10_000, from);
    expect(reaches(pod(n1, 0), pod(n2, 0).ip)).toBe(true);
    expect(reaches(pod(n2, 1), latePod.ip)).toBe(true);
    expect(metricValue(httpGet(d1, '/metrics').body, 'tortie_datastore_state', { state: 'disconnected' })).toBe(1);
    replaceFile(clusterFile, text);
    await waitForLog(d1, (l) => l.msg === 'datastore state' && l.fields.state === 'in-sync', 'in-sync again', 10_000, from);
    expect(reaches(pod(n1, 0), pod(n2, 0).ip)).toBe(true);
  });

  it('restarting the daemon under a ping flood loses no packet, and the new one changes nothing', async () => {
    const flood = pingFlood(pod(n1, 0).netns, pod(n2, 0).ip, 1500);
    await new Promise((r) => setTimeout(r, 500));
    expect(await stopDaemon(daemons.get('node1')!)).toBe(0);
    const fresh = await launch(n1);
    const result = await flood.done;
    expect(result.transmitted).toBe(1500);
    expect(result.received, result.output).toBe(1500);
    const first = await waitForLog(fresh, (l) => l.msg === 'reconciled', 'reconciled');
    for (const table of ['endpoints', 'routes', 'vteps', 'nat'] as const) {
      expect(first.fields[table], table).toEqual({ added: 0, changed: 0, removed: 0 });
    }
    expect(fresh.logs.find((l) => l.msg === 'dataplane loaded')!.fields.reusedMaps).toContain('tt_endpoints');
  });

  it('upgrading to a different BPF build under a ping flood loses no packet', async () => {
    const before = programTags(n2);
    const flood = pingFlood(pod(n2, 1).netns, pod(n1, 1).ip, 1500);
    await new Promise((r) => setTimeout(r, 500));
    expect(await stopDaemon(daemons.get('node2')!)).toBe(0);
    // The test build of the same source records redirect targets: other instructions, same maps.
    await launch(n2, ['--bpf-object', objectPath('tortie_test')]);
    const result = await flood.done;
    expect(result.received, result.output).toBe(1500);
    const after = programTags(n2);
    expect(after.tt_from_wep).not.toBe(before.tt_from_wep);
    expect(reaches(pod(n2, 0), pod(n1, 0).ip)).toBe(true);
  });
});
