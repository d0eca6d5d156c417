/**
 * The lab's shape, computed without touching the system: nodes on one L2 "wire" (a bridge in a
 * switch namespace), pods behind cali veths exactly as Calico's CNI builds them (DESIGN.md §1).
 */
import { createHash } from 'node:crypto';

export type LabMode = 'none' | 'ipip' | 'vxlan' | 'direct' | 'crosssubnet';

export interface LabPod {
  name: string;
  namespace: string;
  netns: string;
  ip: string;
  /** host-side veth: cali + 11 hex chars of sha1("<namespace>.<pod>") */
  hostIf: string;
}

export interface LabNode {
  name: string;
  netns: string;
  uplink: string;
  wireIp: string;
  wirePrefixLen: number;
  pinDir: string;
  block: string;
  pods: LabPod[];
}

export interface LabSpec {
  name: string;
  prefix: string;
  mode: LabMode;
  podMtu: number;
  switchNetns: string;
  nodes: LabNode[];
}

export interface LabOptions {
  name: string;
  nodes: number;
  podsPerNode: number;
  mode: LabMode;
}

/** Calico's VethNameForWorkload for the k8s orchestrator. */
export function vethNameForWorkload(namespace: string, pod: string, prefix = 'cali'): string {
  return prefix + createHash('sha1').update(`${namespace}.${pod}`).digest('hex').slice(0, 11);
}

export function podMtuFor(mode: LabMode): number {
  if (mode === 'ipip') return 1480;
  if (mode === 'vxlan') return 1450;
  return 1500;
}

export function labSpec(opts: LabOptions): LabSpec {
  const prefix = `tt-${opts.name}-`;
  const nodes: LabNode[] = [];
  for (let i = 1; i <= opts.nodes; i++) {
    const name = `node${i}`;
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
      uplink: 'eth0',
      wireIp: `192.168.122.${10 + i}`,
      wirePrefixLen: 24,
      pinDir: `/sys/fs/bpf/tortie/lab-${opts.name}-${name}`,
      block: `10.24.${i}.0/26`,
      pods,
    });
  }
  return { name: opts.name, prefix, mode: opts.mode, podMtu: podMtuFor(opts.mode), switchNetns: `${prefix}wire`, nodes };
}
