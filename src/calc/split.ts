/**
 * One pass over a cluster's resources, sorting out what each calculation reads: a 100,000-endpoint
 * cluster is mostly WorkloadEndpoints, and most calculations need only a few of them (this node's, the
 * ones with floating IPs) or none. The calculation sorts what it reads, so the lists' order does not
 * matter. A list handed in again unchanged (the same array) lets the calculation reuse what it derived
 * from it the last time (see route-inputs.ts): the daemon's ClusterIndex keeps them so.
 */
import type { IPAMBlock } from '../model/ipam-block.js';
import type { IPPool } from '../model/ippool.js';
import type { CalicoNode } from '../model/node.js';
import type { Resource } from '../model/resources.js';
import type { WorkloadEndpoint } from '../model/workload-endpoint.js';

export interface SplitResources {
  pools: readonly IPPool[];
  nodes: readonly CalicoNode[];
  blocks: readonly IPAMBlock[];
  /**
   * the WorkloadEndpoints that may have addresses outside every IPAM block (all of them, or a superset
   * of those that do)
   */
  workloadEndpoints: readonly WorkloadEndpoint[];
  /** the endpoints with floating IPs (ipNATs) */
  withFloatingIps: readonly WorkloadEndpoint[];
  /** the endpoints of `nodeName` */
  local: readonly WorkloadEndpoint[];
}

export function splitResources(resources: readonly Resource[], nodeName: string): SplitResources {
  const pools: IPPool[] = [];
  const nodes: CalicoNode[] = [];
  const blocks: IPAMBlock[] = [];
  const workloadEndpoints: WorkloadEndpoint[] = [];
  const withFloatingIps: WorkloadEndpoint[] = [];
  const local: WorkloadEndpoint[] = [];
  for (const r of resources) {
    if (r.kind === 'IPPool') pools.push(r);
    else if (r.kind === 'Node') nodes.push(r);
    else if (r.kind === 'IPAMBlock') blocks.push(r);
    else {
      workloadEndpoints.push(r);
      if ((r.spec.ipNATs?.length ?? 0) > 0) withFloatingIps.push(r);
      if (r.spec.node === nodeName) local.push(r);
    }
  }
  return { pools, nodes, blocks, workloadEndpoints, withFloatingIps, local };
}
