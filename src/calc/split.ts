/**
 * One pass over a cluster's resources, sorting out what each calculation reads: a 100,000-endpoint
 * cluster is mostly WorkloadEndpoints, and most calculations need only a few of them (this node's, the
 * ones with floating IPs) or none. Each list keeps the resources' order, so a calculation given one
 * gives what it gives on the whole list.
 */
import type { Resource } from '../model/resources.js';
import type { WorkloadEndpoint } from '../model/workload-endpoint.js';

export interface SplitResources {
  /** everything but WorkloadEndpoints: pools, nodes, IPAM blocks */
  others: Resource[];
  workloadEndpoints: WorkloadEndpoint[];
  /** the endpoints with floating IPs (ipNATs) */
  withFloatingIps: WorkloadEndpoint[];
  /** the endpoints of `nodeName` */
  local: WorkloadEndpoint[];
}

export function splitResources(resources: readonly Resource[], nodeName: string): SplitResources {
  const split: SplitResources = { others: [], workloadEndpoints: [], withFloatingIps: [], local: [] };
  for (const r of resources) {
    if (r.kind !== 'WorkloadEndpoint') {
      split.others.push(r);
      continue;
    }
    split.workloadEndpoints.push(r);
    if ((r.spec.ipNATs?.length ?? 0) > 0) split.withFloatingIps.push(r);
    if (r.spec.node === nodeName) split.local.push(r);
  }
  return split;
}
