/** The Calico v3 resources describing a lab, as Calico's CNI, IPAM and calico-node would have written them. */
import { stringify } from 'yaml';
import type { LabMode, LabNode, LabPod, LabSpec } from './topology.js';

type Doc = Record<string, unknown>;

const POOL_CIDR = '10.24.0.0/16';

function encapModes(mode: LabMode): { ipipMode: string; vxlanMode: string } {
  if (mode === 'ipip') return { ipipMode: 'Always', vxlanMode: 'Never' };
  if (mode === 'vxlan') return { ipipMode: 'Never', vxlanMode: 'Always' };
  if (mode === 'crosssubnet') return { ipipMode: 'CrossSubnet', vxlanMode: 'Never' };
  return { ipipMode: 'Never', vxlanMode: 'Never' };
}

export function ipPool(mode: LabMode): Doc {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'IPPool',
    metadata: { name: 'default-ipv4-ippool' },
    spec: { cidr: POOL_CIDR, ...encapModes(mode), natOutgoing: false, blockSize: 26, nodeSelector: 'all()' },
  };
}

export function calicoNode(spec: LabSpec, node: LabNode): Doc {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'Node',
    metadata: { name: node.name },
    spec: {
      bgp: { ipv4Address: `${node.wireIp}/${node.wirePrefixLen}` },
      ...(spec.mode === 'vxlan' ? { ipv4VXLANTunnelAddr: node.tunnelIp } : {}),
    },
  };
}

/** The node's affine block: ordinal 0 is its tunnel address, pods follow from ordinal 2 (x.x.x.2 ...). */
export function ipamBlock(spec: LabSpec, node: LabNode): Doc {
  const allocations: Array<number | null> = Array.from({ length: 64 }, () => null);
  const attributes: Doc[] = [];
  if (spec.mode === 'vxlan') {
    allocations[0] = attributes.length;
    attributes.push({ handle_id: `vxlan-tunnel-addr-${node.name}`, secondary: { node: node.name, type: 'vxlanTunnelAddress' } });
  }
  for (const pod of node.pods) {
    allocations[Number(pod.ip.split('.')[3])] = attributes.length;
    attributes.push({ handle_id: `k8s-pod-network.${pod.name}`, secondary: { namespace: pod.namespace, node: node.name, pod: pod.name } });
  }
  return {
    apiVersion: 'crd.projectcalico.org/v1',
    kind: 'IPAMBlock',
    metadata: { name: node.block.replace('/', '-') },
    spec: {
      cidr: node.block,
      affinity: `host:${node.name}`,
      allocations,
      unallocated: allocations.flatMap((a, i) => (a === null ? [i] : [])),
      attributes,
      deleted: false,
    },
  };
}

export function workloadEndpoint(node: LabNode, pod: LabPod, mac: string): Doc {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'WorkloadEndpoint',
    metadata: {
      name: `${node.name}-k8s-${pod.name}-eth0`,
      namespace: pod.namespace,
      labels: { 'projectcalico.org/namespace': pod.namespace, 'projectcalico.org/orchestrator': 'k8s' },
    },
    spec: {
      orchestrator: 'k8s',
      node: node.name,
      pod: pod.name,
      endpoint: 'eth0',
      ipNetworks: [`${pod.ip}/32`],
      profiles: [`kns.${pod.namespace}`],
      interfaceName: pod.hostIf,
      mac,
    },
  };
}

/** One YAML stream with every resource of the lab. `macs` maps pod name to its eth0 MAC. */
export function labResourcesYaml(spec: LabSpec, macs: Map<string, string>): string {
  const docs: Doc[] = [ipPool(spec.mode)];
  for (const node of spec.nodes) docs.push(calicoNode(spec, node), ipamBlock(spec, node));
  for (const node of spec.nodes) {
    for (const pod of node.pods) docs.push(workloadEndpoint(node, pod, macs.get(pod.name)!));
  }
  return docs.map((d) => stringify(d)).join('---\n');
}
