/** The Calico v3 resources describing a lab, as Calico's CNI and IPAM would have written them. */
import { stringify } from 'yaml';
import type { LabNode, LabPod, LabSpec } from './topology.js';

export function workloadEndpoint(node: LabNode, pod: LabPod, mac: string): Record<string, unknown> {
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
  const docs: Array<Record<string, unknown>> = [];
  for (const node of spec.nodes) {
    for (const pod of node.pods) docs.push(workloadEndpoint(node, pod, macs.get(pod.name)!));
  }
  return docs.map((d) => stringify(d)).join('---\n');
}
