// Names Calico derives (calico-formats.md §2.1, §2.2): WorkloadEndpoint names and host-side veth names.
import { createHash } from 'node:crypto';

export interface WorkloadIdentifiers {
  node?: string;
  orchestrator?: string;
  workload?: string;
  pod?: string;
  containerID?: string;
  endpoint?: string;
}

/** names.CalculateWorkloadEndpointName: segments chosen by orchestrator, '-' escaped as '--', joined by '-'. */
export function workloadEndpointName(ids: WorkloadIdentifiers, options: { allowPrefix?: boolean } = {}): string {
  const orchestrator = ids.orchestrator;
  const third =
    orchestrator === 'k8s'
      ? ids.pod
      : orchestrator === 'cni'
        ? ids.containerID
        : orchestrator === 'libnetwork'
          ? orchestrator
          : ids.workload;
  const segments = [ids.node, orchestrator, third, ids.endpoint];
  const built: string[] = [];
  for (const segment of segments) {
    if (!segment) {
      // With allowPrefix a partial name is a list prefix, e.g. "node112-k8s-pod5-".
      if (options.allowPrefix) return `${built.join('-')}-`;
      throw new Error('field should be assigned');
    }
    if (segment.startsWith('-')) throw new Error("field must not begin with a '-'");
    if (segment.endsWith('-')) throw new Error("field must not end with a '-'");
    built.push(segment.replaceAll('-', '--'));
  }
  return built.join('-');
}

/** k8s VethNameForWorkload: prefix + the first 11 hex chars of sha1("<namespace>.<pod>"). */
export function vethNameForPod(namespace: string, pod: string, prefix = 'cali'): string {
  const digest = createHash('sha1').update(`${namespace}.${pod}`).digest('hex');
  return `${prefix}${digest.slice(0, 11)}`;
}

/** Plain CNI (non-k8s) workloads: "cali" + the first 11 chars of the container ID. */
export function vethNameForContainer(containerID: string): string {
  return `cali${containerID.slice(0, 11)}`;
}
