/**
 * The lab's shape, computed without touching the system: nodes on an L2 "wire" (a bridge in a
 * switch namespace) with a router to a second subnet, pods behind cali veths exactly as Calico's
 * CNI builds them (DESIGN.md §1).
 */
import { createHash } from 'node:crypto';

export type LabMode = 'none' | 'ipip' | 'vxlan' | 'direct' | 'crosssubnet';

/**
 * `tortie`: the node runs Tortie. `kernel`: Calico's classic dataplane with plain routing (proxy_arp,
 * /32 routes, block routes via the other nodes). `kernel-vxlan`: the same over vxlan.calico.
 */
export type NodeDataplane = 'tortie' | 'kernel' | 'kernel-vxlan';

export interface LabPod {
  name: string;
  namespace: string;
  netns: string;
  ip: string;
  /** host-side veth: cali + 11 hex chars of sha1("<namespace>.<pod>") */
  hostIf: string;
}

export interface LabSubnet {
  /** bridge in the switch namespace */
  bridge: string;
  cidr: string;
  prefix: string; // first three octets
  routerIp: string;
}

export interface LabNode {
  name: string;
  netns: string;
  dataplane: NodeDataplane;
  uplink: string;
  wireIp: string;
  wirePrefixLen: number;
  subnet: LabSubnet;
  pinDir: string;
  block: string;
  /** the block's first address: Calico's tunnel address for the node */
  tunnelIp: string;
  pods: LabPod[];
}

export interface LabSpec {
  name: string;
  prefix: string;
  mode: LabMode;
  podMtu: number;
  switchNetns: string;
  routerNetns: string;
  subnets: LabSubnet[];
  nodes: LabNode[];
}

export interface LabOptions {
  name: string;
  nodes: number;
  podsPerNode: number;
  mode: LabMode;
  /** the last node runs Calico's kernel VXLAN dataplane instead of Tortie (vxlan mode only) */
  kernelNode?: boolean;
  /** every node runs this dataplane (benchmarks compare Tortie with Calico's classic one) */
  dataplane?: NodeDataplane;
}

/** Calico's VethNameForWorkload for the k8s orchestrator. */
export function vethNameForWorkload(namespace: string, pod: string, prefix = 'cali'): string {
  return prefix + createHash('sha1').update(`${namespace}.${pod}`).digest('hex').slice(0, 11);
}

export function podMtuFor(mode: LabMode): number {
  if (mode === 'ipip' || mode === 'crosssubnet') return 1480;
  if (mode === 'vxlan') return 1450;
  return 1500;
}

const SUBNETS: LabSubnet[] = [
  { bridge: 'br0', cidr: '192.168.122.0/24', prefix: '192.168.122', routerIp: '192.168.122.1' },
  { bridge: 'br1', cidr: '192.168.123.0/24', prefix: '192.168.123', routerIp: '192.168.123.1' },
];

export function labSpec(opts: LabOptions): LabSpec {
  if (opts.kernelNode && opts.mode !== 'vxlan') throw new Error('a kernel-dataplane node is only supported in vxlan mode');
  if (opts.kernelNode && opts.nodes < 2) throw new Error('a kernel-dataplane node needs at least one Tortie node beside it');
  const prefix = `tt-${opts.name}-`;
  const nodes: LabNode[] = [];
  for (let i = 1; i <= opts.nodes; i++) {
    const name = `node${i}`;
    const last = i === opts.nodes && opts.nodes > 1;
    // CrossSubnet needs a node beyond the router; the others share the first subnet.
    const subnet = opts.mode === 'crosssubnet' && last ? SUBNETS[1]! : SUBNETS[0]!;
    const pods: LabPod[] = [];
    for (let j = 1; j <= opts.podsPerNode; j++) {
      const pod = `pod${i}${j}`;
      pods.push({
        name: pod,
        namespace: 'default',
        netns: `${prefix}${name}-${pod}`,
        ip: `10.24.${i}.${j + 1}`,
        hostIf: vethNameForWorkload('default', pod),
      });
    }
    nodes.push({
      name,
      netns: `${prefix}${name}`,
      dataplane: opts.kernelNode && last ? 'kernel-vxlan' : (opts.dataplane ?? 'tortie'),
      uplink: 'eth0',
      wireIp: `${subnet.prefix}.${10 + i}`,
      wirePrefixLen: 24,
      subnet,
      pinDir: `/sys/fs/bpf/tortie/lab-${opts.name}-${name}`,
      block: `10.24.${i}.0/26`,
      tunnelIp: `10.24.${i}.0`,
      pods,
    });
  }
  return {
    name: opts.name,
    prefix,
    mode: opts.mode,
    podMtu: podMtuFor(opts.mode),
    switchNetns: `${prefix}wire`,
    routerNetns: `${prefix}router`,
    subnets: SUBNETS,
    nodes,
  };
}
