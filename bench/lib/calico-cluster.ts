/**
 * A simulated Calico cluster written straight into etcd, in the keys and compact JSON Calico itself
 * writes (calico-formats.md §1): one VXLAN IPPool, N Nodes (bgp.ipv4Address, VXLAN tunnel address and
 * MAC), one /26 AllocationBlock per node (affinity host:<node>, ordinal 0 the tunnel address, then its
 * pods) and M WorkloadEndpoints spread round-robin over the nodes. Written in batched transactions with
 * a few in flight, so 5,000 nodes and 100,000 endpoints load in seconds.
 */
import { createHash } from 'node:crypto';
import type { Etcd3, IRequestOp } from 'etcd3';
import { blockKey, resourceKey } from '../../src/datastore/etcd-keys.js';
import { formatIPv4, parseIPv4 } from '../../src/model/ip.js';
import { vethNameForPod, workloadEndpointName } from '../../src/model/names.js';
import { derivedVtepMac } from '../../src/model/node.js';

export interface ClusterSpec {
  nodes: number;
  workloadEndpoints: number;
}

const POOL_BASE = parseIPv4('10.0.0.0')!; // a /8 pool: room for 262,144 /26 blocks
const NODE_BASE = parseIPv4('172.16.0.0')!; // node i is 172.16.0.0 + i + 1, in one /12
const BLOCK_SIZE = 64;
/** block creation time as Calico stores it (UnixNano): beyond 2^53, so exactness is exercised */
const SEQUENCE_BASE = 1714558830123456789n;

export const nodeName = (i: number) => `node${i}`;
export const podName = (j: number) => `pod${j}`;
const NAMESPACE = 'default';

/** A container ID as the runtime makes it: 64 random-looking hex digits (zero padding would be unrealistic). */
export const containerId = (j: number) => createHash('sha256').update(`container-${j}`).digest('hex');

/** Where pod j lives: round-robin over nodes, ordinals 1.. of the node's block (0 is the tunnel). */
export function podPlacement(spec: ClusterSpec, j: number): { node: number; ordinal: number } {
  return { node: j % spec.nodes, ordinal: 1 + Math.floor(j / spec.nodes) };
}

const blockBase = (i: number) => POOL_BASE + i * BLOCK_SIZE;

export function ipPoolJson(): string {
  return JSON.stringify({
    kind: 'IPPool',
    apiVersion: 'projectcalico.org/v3',
    metadata: { name: 'default-ipv4-ippool', uid: 'bench-pool', creationTimestamp: '2024-05-01T09:00:00Z' },
    spec: {
      cidr: '10.0.0.0/8',
      vxlanMode: 'Always',
      ipipMode: 'Never',
      natOutgoing: true,
      blockSize: 26,
      nodeSelector: 'all()',
      allowedUses: ['Workload', 'Tunnel'],
      assignmentMode: 'Automatic',
    },
  });
}

export function nodeJson(i: number): string {
  const name = nodeName(i);
  return JSON.stringify({
    kind: 'Node',
    apiVersion: 'projectcalico.org/v3',
    metadata: { name, uid: `bench-node-${i}`, creationTimestamp: '2024-05-01T09:00:05Z' },
    spec: {
      bgp: { ipv4Address: `${formatIPv4(NODE_BASE + i + 1)}/12` },
      ipv4VXLANTunnelAddr: formatIPv4(blockBase(i)),
      vxlanTunnelMACAddr: derivedVtepMac(name),
      orchRefs: [{ nodeName: name, orchestrator: 'k8s' }],
    },
    status: {},
  });
}

/** The node's AllocationBlock with its tunnel address and pods; `pods` are the pod numbers placed on it. */
export function allocationBlockJson(i: number, pods: readonly number[], spec: ClusterSpec): string {
  const name = nodeName(i);
  const allocations: (number | null)[] = Array.from({ length: BLOCK_SIZE }, () => null);
  const attributes: object[] = [{ handle_id: `vxlan-tunnel-addr-${name}`, secondary: { node: name, type: 'vxlanTunnelAddress' } }];
  allocations[0] = 0;
  for (const j of pods) {
    allocations[podPlacement(spec, j).ordinal] = attributes.length;
    attributes.push({
      handle_id: `k8s-pod-network.${containerId(j)}`,
      secondary: { namespace: NAMESPACE, node: name, pod: podName(j), timestamp: '2024-05-01 10:20:30.123456789 +0000 UTC' },
    });
  }
  const sequence = SEQUENCE_BASE + BigInt(i) * 1000n;
  const forAllocation = allocations.flatMap((a, ordinal) => (a === null ? [] : [`"${ordinal}":${sequence + BigInt(a)}`]));
  // Built by hand: the uint64 numbers must be written as bare integers, as Go does.
  return (
    `{"cidr":"${formatIPv4(blockBase(i))}/26","affinity":"host:${name}","allocations":${JSON.stringify(allocations)},` +
    `"unallocated":${JSON.stringify(allocations.flatMap((a, ordinal) => (a === null ? [ordinal] : [])))},` +
    `"attributes":${JSON.stringify(attributes)},"sequenceNumber":${sequence + BigInt(attributes.length)},` +
    `"sequenceNumberForAllocation":{${forAllocation.join(',')}},"deleted":false}`
  );
}

/** A k8s pod's endpoint as the Calico CNI plugin writes it; `generation` varies a label (for updates). */
export function workloadEndpointJson(spec: ClusterSpec, j: number, generation = 0): string {
  const { node, ordinal } = podPlacement(spec, j);
  const pod = podName(j);
  const name = workloadEndpointName({ node: nodeName(node), orchestrator: 'k8s', pod, endpoint: 'eth0' });
  const ip = formatIPv4(blockBase(node) + ordinal);
  const mac = ['0a', ...[24, 16, 8, 0].map((shift) => ((j >>> shift) & 0xff).toString(16).padStart(2, '0')), '01'].join(':');
  return JSON.stringify({
    kind: 'WorkloadEndpoint',
    apiVersion: 'projectcalico.org/v3',
    metadata: {
      name,
      generateName: `${pod}-`,
      namespace: NAMESPACE,
      uid: `bench-wep-${j}`,
      creationTimestamp: '2024-05-01T10:20:30Z',
      labels: {
        app: `app${j % 50}`,
        generation: String(generation),
        'projectcalico.org/namespace': NAMESPACE,
        'projectcalico.org/orchestrator': 'k8s',
        'projectcalico.org/serviceaccount': 'default',
      },
    },
    spec: {
      orchestrator: 'k8s',
      node: nodeName(node),
      containerID: containerId(j),
      pod,
      endpoint: 'eth0',
      serviceAccountName: 'default',
      ipNetworks: [`${ip}/32`],
      profiles: [`kns.${NAMESPACE}`, `ksa.${NAMESPACE}.default`],
      interfaceName: vethNameForPod(NAMESPACE, pod),
      mac,
      ports: [{ name: 'http', protocol: 'TCP', port: 8080, hostPort: 0, hostIP: '' }],
    },
  });
}

export function workloadEndpointKey(spec: ClusterSpec, j: number): string {
  const name = workloadEndpointName({ node: nodeName(podPlacement(spec, j).node), orchestrator: 'k8s', pod: podName(j), endpoint: 'eth0' });
  return resourceKey('WorkloadEndpoint', name, NAMESPACE);
}

/** Every key and value of the cluster, generated lazily (a 100k-endpoint cluster is ~100 MB of JSON). */
export function* clusterEntries(spec: ClusterSpec): Generator<[string, string]> {
  const perNode = Math.ceil(spec.workloadEndpoints / spec.nodes);
  if (perNode > BLOCK_SIZE - 1) throw new Error(`${perNode} pods per node do not fit a /26 block (63 addresses after the tunnel)`);
  yield [resourceKey('IPPool', 'default-ipv4-ippool'), ipPoolJson()];
  for (let i = 0; i < spec.nodes; i++) {
    yield [resourceKey('Node', nodeName(i)), nodeJson(i)];
    const pods: number[] = [];
    for (let j = i; j < spec.workloadEndpoints; j += spec.nodes) pods.push(j);
    yield [blockKey(`${formatIPv4(blockBase(i))}/26`), allocationBlockJson(i, pods, spec)];
  }
  for (let j = 0; j < spec.workloadEndpoints; j++) yield [workloadEndpointKey(spec, j), workloadEndpointJson(spec, j)];
}

export interface WriteStats {
  keys: number;
  bytes: number;
  transactions: number;
  ms: number;
}

/**
 * Writes `entries` in transactions of `batch` puts (etcd's default --max-txn-ops is 128), at most
 * `inFlight` at a time: etcd commits concurrent transactions in one raft batch and one fsync.
 */
export async function writeEntries(
  client: Etcd3,
  entries: Iterable<[string, string]>,
  options: { batch?: number; inFlight?: number } = {},
): Promise<WriteStats> {
  const batch = options.batch ?? 128;
  const inFlight = options.inFlight ?? 8;
  const started = performance.now();
  const stats: WriteStats = { keys: 0, bytes: 0, transactions: 0, ms: 0 };
  const running = new Set<Promise<void>>();
  let ops: IRequestOp[] = [];
  const flush = async () => {
    const success = ops;
    ops = [];
    stats.transactions++;
    const done: Promise<void> = client.kv.txn({ compare: [], success, failure: [] }).then(() => {
      running.delete(done);
    });
    running.add(done);
    if (running.size >= inFlight) await Promise.race(running);
  };
  for (const [key, value] of entries) {
    const valueBuffer = Buffer.from(value);
    ops.push({ request_put: { key: Buffer.from(key), value: valueBuffer } });
    stats.keys++;
    stats.bytes += key.length + valueBuffer.length;
    if (ops.length >= batch) await flush();
  }
  if (ops.length > 0) await flush();
  await Promise.all(running);
  stats.ms = performance.now() - started;
  return stats;
}

export function writeCluster(client: Etcd3, spec: ClusterSpec, options?: { batch?: number; inFlight?: number }): Promise<WriteStats> {
  return writeEntries(client, clusterEntries(spec), options);
}
